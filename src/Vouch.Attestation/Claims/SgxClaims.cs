using System.Buffers.Text;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Evidence;
using Vouch.Policy.Claims;
using Vouch.Policy.Evaluation;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Claims;

/// <summary>
/// The claims made from verified SGX evidence: the incoming set a policy sees, and the evidence claims
/// of the token, as MAA emits them (maa-protocol §3.2, §4.5) plus Vouch's <c>x-vouch-</c> claims.
/// </summary>
/// <param name="Incoming">Incoming claims (issuer AttestationService), with the deprecated <c>$</c>-aliases.</param>
/// <param name="Token">The token's evidence claims (everything but the policy's, the registered JWT claims and the nonce).</param>
/// <threadsafety>Immutable; <see cref="Token"/> is a fresh object per build and must not be shared across threads while mutated.</threadsafety>
public sealed record SgxClaimSet(ImmutableArray<Claim> Incoming, JsonObject Token);

/// <summary>Builds <see cref="SgxClaimSet"/>s.</summary>
public static class SgxClaims
{
    /// <summary><c>SGX_FLAGS_KSS</c>: the enclave uses Key Separation and Sharing, so its KSS fields mean something.</summary>
    public const ulong KssFlag = 0x80;

    /// <summary>
    /// Builds the claims of <paramref name="evidence"/> from the facts of a <em>verified</em>
    /// <paramref name="report"/>. The enclave fields are read from the quote itself, the TCB fields from
    /// the report; the caller is responsible for refusing unverified reports (the engine does).
    /// </summary>
    /// <param name="evidence">The evidence.</param>
    /// <param name="data">The runtime and init-time data, already bound to the quote.</param>
    /// <param name="report">The verification report of the quote.</param>
    /// <param name="digests">The collateral hashes.</param>
    /// <param name="trustAnchor">The anchor the PCK chain ended in (from the provider's anchors, by <see cref="VerificationReport.TrustAnchorKeyId"/>).</param>
    public static SgxClaimSet Build(SgxEvidence evidence, CheckedData data, VerificationReport report, CollateralDigests digests, TrustAnchor? trustAnchor)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(digests);

        var body = evidence.Report;
        var incoming = new List<Claim>();
        var token = new JsonObject();

        void Both(string type, ClaimValue value)
        {
            incoming.Add(new Claim(type, value));
            token[type] = ClaimsJson.ToNode(value);
        }

        // maa-protocol §3.2, the SGX enclave report (report body offsets in brackets).
        Both(SgxClaimTypes.IsDebuggable, ClaimValue.Of(body.IsDebug));                       // ATTRIBUTES.FLAGS.DEBUG [48]
        Both(SgxClaimTypes.MrEnclave, ClaimValue.Of(Hex(body.MrEnclave.Span)));              // [64, 32 bytes]
        Both(SgxClaimTypes.MrSigner, ClaimValue.Of(Hex(body.MrSigner.Span)));                // [128, 32 bytes]
        Both(SgxClaimTypes.ProductId, ClaimValue.Of((long)body.IsvProdId));                  // [256, u16]
        Both(SgxClaimTypes.Svn, ClaimValue.Of((long)body.IsvSvn));                           // [258, u16]
        Both(SgxClaimTypes.ReportData, ClaimValue.Of(Hex(body.ReportData.Span)));            // [320, 64 bytes]
        Both(SgxClaimTypes.AttestationType, ClaimValue.Of(AttestationClaimTypes.SgxAttestationType));
        if ((body.Flags & KssFlag) != 0)
        {
            Both(SgxClaimTypes.ConfigId, ClaimValue.Of(Hex(body.ConfigId.Span)));            // [192, 64 bytes]
            Both(SgxClaimTypes.ConfigSvn, ClaimValue.Of((long)body.ConfigSvn));              // [260, u16]
            Both(SgxClaimTypes.IsvExtendedProductId, ClaimValue.Of(Hex(body.IsvExtProdId.Span))); // [32, 16 bytes]
            Both(SgxClaimTypes.IsvFamilyId, ClaimValue.Of(Hex(body.IsvFamilyId.Span)));      // [304, 16 bytes]
        }

        // §3.3: Binary runtime data comes back as EHD (and its two deprecated copies), JSON as x-ms-runtime.
        if (data.Runtime is { Type: DataType.Binary } binary)
        {
            var ehd = Base64Url.EncodeToString(binary.Data.Span);
            Both(SgxClaimTypes.EnclaveHeldData, ClaimValue.Of(ehd));
            token[AttestationClaimTypes.DeprecatedAasEhd] = ehd;
            token[AttestationClaimTypes.DeprecatedMaaEhd] = ehd;
        }
        else if (data.RuntimeJson is { } runtimeJson)
        {
            incoming.Add(new Claim(SgxClaimTypes.Runtime, ClaimValue.Of(runtimeJson.ToJsonString())));
            token[SgxClaimTypes.Runtime] = runtimeJson.DeepClone();
        }

        if (data.InitTimeJson is { } initJson)
        {
            incoming.Add(new Claim(SgxClaimTypes.InitTime, ClaimValue.Of(initJson.ToJsonString())));
            token[SgxClaimTypes.InitTime] = initJson.DeepClone();
        }

        token[AttestationClaimTypes.SgxCollateral] = digests.ToJson();
        token[AttestationClaimTypes.DeprecatedCollateral] = digests.ToJson();
        token[AttestationClaimTypes.Version] = AttestationClaimTypes.VersionValue;

        // Vouch's own: the outcome of DCAP verification, which MAA does not emit (docs/attestation.md).
        if (report.TcbStatus is { } status)
        {
            Both(VouchClaimTypes.TcbStatus, ClaimValue.Of(status.ToIntelString()));
        }

        // One incoming claim per advisory; the token carries each list as an array (empty when there are none).
        void Advisories(string type, ImmutableArray<string> ids)
        {
            foreach (var advisory in ids)
            {
                incoming.Add(new Claim(type, ClaimValue.Of(advisory)));
            }

            token[type] = new JsonArray([.. ids.Select(a => (JsonNode)JsonValue.Create(a))]);
        }

        // The verdict's date and advisories are both matched levels' (Intel QVL's); each level's own follow (docs/conformance.md).
        var tcb = report.Tcb;
        Advisories(VouchClaimTypes.AdvisoryIds, report.AdvisoryIds);
        Advisories(VouchClaimTypes.PlatformAdvisoryIds, tcb?.PlatformAdvisoryIds ?? []);
        Advisories(VouchClaimTypes.QeAdvisoryIds, tcb?.QeAdvisoryIds ?? []);
        if (tcb is not null)
        {
            Both(VouchClaimTypes.TcbDate, ClaimValue.Of(Iso(tcb.TcbDate)));
            Both(VouchClaimTypes.PlatformTcbDate, ClaimValue.Of(Iso(tcb.PlatformTcbDate)));
            Both(VouchClaimTypes.QeTcbDate, ClaimValue.Of(Iso(tcb.QeTcbDate)));
        }

        if (report.TcbEvaluationDataNumber is { } evaluationDataNumber)
        {
            Both(VouchClaimTypes.TcbEvaluationDataNumber, ClaimValue.Of((long)evaluationDataNumber));
        }

        if (report.Pck is { } pck)
        {
            Both(VouchClaimTypes.Fmspc, ClaimValue.Of(pck.Fmspc));
        }

        Both(VouchClaimTypes.CollateralExpired, ClaimValue.Of(report.CollateralExpired));
        if (report.CollateralWindow is { } window)
        {
            Both(VouchClaimTypes.CollateralExpiry, ClaimValue.Of(Iso(window.NotAfter)));
        }
        if (trustAnchor is not null)
        {
            Both(AttestationClaimTypes.TrustAnchor, ClaimValue.Of(trustAnchor.Name));
            Both(AttestationClaimTypes.TrustAnchorKeyId, ClaimValue.Of(trustAnchor.KeyId));
        }

        return new SgxClaimSet([.. SgxClaimTypes.WithDeprecatedAliases(incoming)], token);
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    private static string Iso(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
