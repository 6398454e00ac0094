namespace Vouch.Policy.Evaluation;

/// <summary>The issuers a claim can have.</summary>
public static class ClaimIssuers
{
    /// <summary>Claims taken from the evidence (the incoming claim set).</summary>
    public const string AttestationService = "AttestationService";

    /// <summary>Claims a rule added, issued or set as a property.</summary>
    public const string AttestationPolicy = "AttestationPolicy";

    /// <summary>Legacy MAA issuer of client-supplied claims; Vouch never assigns it but policies may test for it.</summary>
    public const string CustomClaim = "CustomClaim";
}

/// <summary>One claim: a type, a value and who issued it.</summary>
/// <param name="Type">The claim type, compared ordinally.</param>
/// <param name="Value">The value.</param>
/// <param name="Issuer">The issuer, <see cref="ClaimIssuers.AttestationService"/> for incoming claims.</param>
public sealed record Claim(string Type, ClaimValue Value, string Issuer = ClaimIssuers.AttestationService);
