using Vouch.Sgx.Certificates;

namespace Vouch.Sgx.Verification;

/// <summary>The role a chain plays, which fixes its length and the names Intel requires of its certificates.</summary>
internal enum ChainKind
{
    /// <summary>Root CA → PCK Platform/Processor CA → PCK certificate (dcap-verification §2.2).</summary>
    Pck,
    /// <summary>Root CA → TCB signing certificate (§2.4 step 2).</summary>
    TcbSigning,
}

/// <summary>
/// A certificate chain ordered root first, with the time-independent checks already made: structure,
/// names, roles and every signature. Trust-anchor membership and validity periods depend on the
/// caller's options and instant, so they are checked per verification. Cached by content hash.
/// </summary>
internal sealed record CertificateChain(
    IReadOnlyList<ParsedCertificate> Certificates,
    ErrorCode? Error,
    string Detail)
{
    public ParsedCertificate? Root => Certificates.Count > 0 ? Certificates[0] : null;

    public ParsedCertificate? Leaf => Certificates.Count > 0 ? Certificates[^1] : null;

    /// <summary>The PCK intermediate CA (PCK chains only).</summary>
    public ParsedCertificate? Intermediate => Certificates.Count == 3 ? Certificates[1] : null;

    public bool IsUsable => Error is null;

    /// <summary>Reads and checks a PEM chain. Never throws for bad input.</summary>
    public static CertificateChain Analyse(ReadOnlySpan<byte> pem, ChainKind kind)
    {
        if (!PemChain.TryRead(pem, out var certs, out var pemError))
        {
            return new([], ErrorCode.CertificateMalformed, pemError);
        }

        var expected = kind == ChainKind.Pck ? 3 : 2;
        // dcap-verification §2.2 step 1: exactly three certificates (two for the TCB signing chain),
        // ordered by issuer and subject rather than by position.
        if (certs.Count != expected)
        {
            return new(certs, ErrorCode.ChainIncomplete, $"{certs.Count} certificates where {expected} are required");
        }

        var roots = certs.Where(c => c.IsSelfIssued).ToList();
        if (roots.Count != 1)
        {
            return new(certs, ErrorCode.ChainIncomplete, $"{roots.Count} self-issued certificates where exactly one root is required");
        }

        var ordered = new List<ParsedCertificate>(expected) { roots[0] };
        var rest = certs.Where(c => !ReferenceEquals(c, roots[0])).ToList();
        while (rest.Count > 0)
        {
            var parent = ordered[^1];
            var child = rest.FirstOrDefault(c => c.IssuerRaw.Span.SequenceEqual(parent.SubjectRaw.Span));
            if (child is null)
            {
                return new(certs, ErrorCode.ChainIncomplete, $"no certificate is issued by \"{parent.SubjectCommonName}\"");
            }

            ordered.Add(child);
            rest.Remove(child);
        }

        // §2.2 steps 3 and 4: the root's self-signature, then each certificate under its issuer's key.
        for (var i = 0; i < ordered.Count; i++)
        {
            var issuer = ordered[Math.Max(0, i - 1)];
            if (!ordered[i].Signed.VerifySignature(issuer.PublicKey))
            {
                return new(ordered, ErrorCode.ChainSignatureInvalid,
                    $"the signature of \"{ordered[i].SubjectCommonName}\" does not verify with the key of \"{issuer.SubjectCommonName}\"");
            }
        }

        // §2.2 step 2 and 7: names and roles (QVL's CN checks; a CA may not be an end entity).
        var leafName = kind == ChainKind.Pck ? "SGX PCK Certificate" : "SGX TCB Signing";
        var roleError = CheckRole(ordered[0], "SGX Root CA", mustBeCa: true)
            ?? (kind == ChainKind.Pck ? CheckRole(ordered[1], "CA", mustBeCa: true) : null)
            ?? CheckRole(ordered[^1], leafName, mustBeCa: false);
        if (roleError is not null)
        {
            return new(ordered, ErrorCode.ChainCertificateRoleInvalid, roleError);
        }

        return new(ordered, null, string.Join(" → ", ordered.Select(c => $"\"{c.SubjectCommonName}\"")));
    }

    private static string? CheckRole(ParsedCertificate cert, string nameMustContain, bool mustBeCa)
    {
        if (!cert.SubjectCommonName.Contains(nameMustContain, StringComparison.Ordinal))
        {
            return $"\"{cert.SubjectCommonName}\" does not name its role (expected \"{nameMustContain}\" in the common name)";
        }

        if (!cert.HasBasicConstraints || cert.IsCa != mustBeCa)
        {
            return mustBeCa
                ? $"\"{cert.SubjectCommonName}\" is not marked as a CA (basic constraints)"
                : $"\"{cert.SubjectCommonName}\" is a CA certificate used as an end entity";
        }

        return null;
    }
}
