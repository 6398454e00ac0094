using System.Collections.Frozen;
using Vouch.Policy.Evaluation;

namespace Vouch.Policy.Claims;

/// <summary>
/// Names of the incoming claims MAA makes from SGX and Open Enclave evidence (maa-protocol §4.5),
/// usable in <c>type==</c>. These are only names: Vouch.Policy does not read evidence.
/// </summary>
public static class SgxClaimTypes
{
    /// <summary>Boolean: the enclave's DEBUG attribute is set.</summary>
    public const string IsDebuggable = "x-ms-sgx-is-debuggable";

    /// <summary>Integer: ISVPRODID.</summary>
    public const string ProductId = "x-ms-sgx-product-id";

    /// <summary>String: MRSIGNER, lowercase hex.</summary>
    public const string MrSigner = "x-ms-sgx-mrsigner";

    /// <summary>String: MRENCLAVE, lowercase hex.</summary>
    public const string MrEnclave = "x-ms-sgx-mrenclave";

    /// <summary>Integer: ISVSVN.</summary>
    public const string Svn = "x-ms-sgx-svn";

    /// <summary>String: "sgx" for SgxEnclave and OpenEnclave evidence.</summary>
    public const string AttestationType = "x-ms-attestation-type";

    /// <summary>String: the 64-byte REPORTDATA, lowercase hex (visible to policies in Vouch).</summary>
    public const string ReportData = "x-ms-sgx-report-data";

    /// <summary>String: base64url of Binary runtime data (visible to policies in Vouch when present).</summary>
    public const string EnclaveHeldData = "x-ms-sgx-ehd";

    /// <summary>String: JSON text of JSON runtime data (visible to policies in Vouch when present; query it with JmesPath).</summary>
    public const string Runtime = "x-ms-runtime";

    /// <summary>String: JSON text of JSON init-time data, when present.</summary>
    public const string InitTime = "x-ms-inittime";

    /// <summary>String: CONFIGID, lowercase hex (KSS platforms only).</summary>
    public const string ConfigId = "x-ms-sgx-config-id";

    /// <summary>Integer: CONFIGSVN (KSS platforms only).</summary>
    public const string ConfigSvn = "x-ms-sgx-config-svn";

    /// <summary>String: ISVEXTPRODID, lowercase hex (KSS platforms only).</summary>
    public const string IsvExtendedProductId = "x-ms-sgx-isv-extended-product-id";

    /// <summary>String: ISVFAMILYID, lowercase hex (KSS platforms only).</summary>
    public const string IsvFamilyId = "x-ms-sgx-isv-family-id";

    /// <summary>Deprecated alias of <see cref="IsDebuggable"/>.</summary>
    public const string DeprecatedIsDebuggable = "$is-debuggable";

    /// <summary>Deprecated alias of <see cref="ProductId"/>.</summary>
    public const string DeprecatedProductId = "$product-id";

    /// <summary>Deprecated alias of <see cref="MrSigner"/>.</summary>
    public const string DeprecatedMrSigner = "$sgx-mrsigner";

    /// <summary>Deprecated alias of <see cref="MrEnclave"/>.</summary>
    public const string DeprecatedMrEnclave = "$sgx-mrenclave";

    /// <summary>Deprecated alias of <see cref="Svn"/>.</summary>
    public const string DeprecatedSvn = "$svn";

    /// <summary>Deprecated alias of <see cref="AttestationType"/>.</summary>
    public const string DeprecatedTee = "$tee";

    /// <summary>Each MAA name that has a deprecated <c>$</c>-alias, with that alias; the incoming set carries both.</summary>
    public static FrozenDictionary<string, string> DeprecatedAliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [IsDebuggable] = DeprecatedIsDebuggable,
        [ProductId] = DeprecatedProductId,
        [MrSigner] = DeprecatedMrSigner,
        [MrEnclave] = DeprecatedMrEnclave,
        [Svn] = DeprecatedSvn,
        [AttestationType] = DeprecatedTee,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// The claims followed, right after each claim that has a deprecated alias, by a copy under that
    /// alias (same value and issuer): the incoming set MAA documents, so policies can use either name.
    /// </summary>
    public static IEnumerable<Claim> WithDeprecatedAliases(IEnumerable<Claim> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return Iterate(claims);

        static IEnumerable<Claim> Iterate(IEnumerable<Claim> claims)
        {
            foreach (var claim in claims)
            {
                yield return claim;
                if (DeprecatedAliases.TryGetValue(claim.Type, out var alias))
                {
                    yield return claim with { Type = alias };
                }
            }
        }
    }

    /// <summary>The property claim (1.1+, configurationrules) that selects the TCB baseline: "azuredefault" or an evaluation data number.</summary>
    public const string TcbIdentifierProperty = "x-ms-sgx-tcbidentifier";
}
