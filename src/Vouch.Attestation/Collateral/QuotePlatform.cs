using System.Diagnostics.CodeAnalysis;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Quotes;

namespace Vouch.Attestation.Collateral;

/// <summary>The PCK CA that issued a platform's PCK certificate, as its issuer name says (not trusted).</summary>
public enum PckCaKind
{
    /// <summary>Neither Intel PCK CA name.</summary>
    Unknown,

    /// <summary>"Intel SGX PCK Platform CA" (multi-package and cloud platforms; PCS <c>ca=platform</c>).</summary>
    Platform,

    /// <summary>"Intel SGX PCK Processor CA" (single-socket platforms; PCS <c>ca=processor</c>).</summary>
    Processor,
}

/// <summary>
/// What a quote says about the platform whose collateral it needs, read but not trusted: the TEE, and for a quote
/// whose certification data is a PCK certificate chain (type 5, or type 6 wrapping 5) the FMSPC and PCK CA of the
/// PCK leaf (the one certificate with the SGX extension), or for type 1 (clear PPID) only the PPID. Collateral
/// sources use it to choose what to load or fetch; the verifier checks everything.
/// </summary>
/// <param name="Tee">The quote header's TEE type.</param>
/// <param name="Fmspc">The PCK leaf's FMSPC, lower-case hex (12 digits); null for a type 1 quote.</param>
/// <param name="Ca">The PCK CA named as the leaf's issuer; <see cref="PckCaKind.Unknown"/> for a type 1 quote.</param>
/// <param name="CaKeyId">The leaf's authority key identifier, lower-case hex, when present.</param>
/// <param name="Ppid">The PPID, lower-case hex (from the leaf's SGX extension, or the clear PPID of a type 1 quote).</param>
public sealed record QuotePlatform(TeeType Tee, string? Fmspc, PckCaKind Ca, string? CaKeyId, string? Ppid)
{
    private const int MaxCachedChains = 4096;
    private const string PlatformCaName = "Intel SGX PCK Platform CA";

    // Parsing the PEM chain costs far more than hashing it; a platform quotes with the same chain every time.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (PckCaKind Ca, string? CaKeyId, string Fmspc, string Ppid)> Leaves = new(StringComparer.Ordinal);
    private const string ProcessorCaName = "Intel SGX PCK Processor CA";

    /// <summary>Reads <paramref name="quote"/>'s certification data; false when it is neither a PCK chain with one PCK leaf nor a clear PPID.</summary>
    public static bool TryRead(Quote quote, [NotNullWhen(true)] out QuotePlatform? platform)
    {
        ArgumentNullException.ThrowIfNull(quote);
        platform = null;
        var tee = quote.Header.TeeType;
        var certification = quote.Signature.CertificationData;
        switch (certification.Type)
        {
            case CertificationData.PckCertificateChain:
                var chainHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certification.Data.Span));
                if (!Leaves.TryGetValue(chainHash, out var leaf))
                {
                    if (!TryReadPckLeaf(certification.Data.Span, out var ca, out var caKeyId, out var extension))
                    {
                        return false;
                    }

                    leaf = (ca, caKeyId, Convert.ToHexStringLower(extension.Fmspc.Span), Convert.ToHexStringLower(extension.Ppid.Span));
                    if (Leaves.Count >= MaxCachedChains)
                    {
                        Leaves.Clear();
                    }

                    Leaves[chainHash] = leaf;
                }

                platform = new QuotePlatform(tee, leaf.Fmspc, leaf.Ca, leaf.CaKeyId, leaf.Ppid);
                return true;
            case CertificationData.PlainPpid when certification.Data.Length >= 16:
                platform = new QuotePlatform(tee, null, PckCaKind.Unknown, null, Convert.ToHexStringLower(certification.Data.Span[..16]));
                return true;
            default:
                return false;
        }
    }

    /// <summary>The PCK CA a certificate issuer's or CRL issuer's common name denotes (exact Intel names; anything else is unknown).</summary>
    public static PckCaKind CaFromIssuerName(string commonName) => commonName switch
    {
        PlatformCaName => PckCaKind.Platform,
        ProcessorCaName => PckCaKind.Processor,
        _ => PckCaKind.Unknown,
    };

    /// <summary>A key identifier as lower-case hex.</summary>
    internal static string? KeyId(ReadOnlyMemory<byte>? keyIdentifier) =>
        keyIdentifier is { } id ? Convert.ToHexStringLower(id.Span) : null;

    /// <summary>The PCK leaf of a PEM chain (the one certificate with the SGX extension) and its extension.</summary>
    internal static bool TryReadPckLeaf(ReadOnlySpan<byte> pem, out PckCaKind ca, out string? caKeyId, [NotNullWhen(true)] out PckExtension? extension)
    {
        ca = PckCaKind.Unknown;
        caKeyId = null;
        extension = null;
        if (!PemChain.TryRead(pem, out var certificates, out _))
        {
            return false;
        }

        try
        {
            var leaves = certificates.Where(c => c.ExtensionOids.Contains(PckExtension.Oid)).ToList();
            if (leaves.Count != 1 || !PckExtension.TryParse(leaves[0].Certificate, out extension, out _))
            {
                extension = null;
                return false;
            }

            ca = CaFromIssuerName(leaves[0].IssuerCommonName);
            caKeyId = KeyId(leaves[0].AuthorityKeyIdentifier);
            return true;
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.PublicKey.Dispose();
                certificate.Certificate.Dispose();
            }
        }
    }
}
