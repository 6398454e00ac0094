using System.Formats.Asn1;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vouch.Attestation.Collateral;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;

namespace Vouch.Server.Collateral;

/// <summary>An artefact to serve on: its body exactly as held, and its issuer chain's PEM (empty when none is held).</summary>
/// <param name="Body">The body bytes.</param>
/// <param name="IssuerChain">The PEM text of the issuer chain, as held.</param>
public sealed record HeldArtefact(ReadOnlyMemory<byte> Body, ReadOnlyMemory<byte> IssuerChain);

/// <summary>
/// The collateral Vouch holds (its offline folders, then the PCS cache when one is configured), looked up the way
/// PCCS routes ask for it: TCB Info by FMSPC and TEE, QE Identity by TEE, PCK CRL by CA, the root CA CRL, and a
/// CRL by a distribution point URI. TCB Info and QE Identity are chosen by the version asked for: a given
/// <c>tcbEvaluationDataNumber</c> from any copy of exactly that number; <c>update=standard</c> (the default) from the
/// offline folders and the cache's standard copies; <c>update=early</c> from those and the cache's early copies (an
/// early evaluation is never older than the standard one); copies cached for an operator pin answer only for their
/// number. Among the eligible copies the newest wins: the highest <c>tcbEvaluationDataNumber</c>, then the latest
/// <c>issueDate</c> (CRLs: the latest <c>thisUpdate</c>, then the highest <c>cRLNumber</c>, from any copy). Nothing is
/// verified: copies are served as held, and clients verify them.
/// </summary>
public sealed class PccsCatalog
{
    private readonly OfflineCollateralSource _offline;
    private readonly PcsCollateralSource? _cache;
    private readonly ConditionalWeakTable<QuoteCollateral, Parsed> _parsed = [];

    /// <summary>A catalog over the offline folders and, when configured, the PCS cache.</summary>
    public PccsCatalog(OfflineCollateralSource offline, PcsCollateralSource? cache = null)
    {
        ArgumentNullException.ThrowIfNull(offline);
        _offline = offline;
        _cache = cache;
    }

    /// <summary>The newest TCB Info held for <paramref name="fmspc"/> (6 bytes) and <paramref name="tee"/> of <paramref name="version"/>.</summary>
    public HeldArtefact? TcbInfo(ReadOnlySpan<byte> fmspc, TcbInfoId tee, CollateralVersion version)
    {
        Parsed? best = null;
        foreach (var copy in Copies())
        {
            if (copy.TcbInfo is { } info && info.Id == tee && info.Fmspc.Span.SequenceEqual(fmspc)
                && Serves(copy, version, info.TcbEvaluationDataNumber)
                && (best is null || (info.TcbEvaluationDataNumber, info.IssueDate).CompareTo((best.TcbInfo!.TcbEvaluationDataNumber, best.TcbInfo.IssueDate)) > 0))
            {
                best = copy;
            }
        }

        return best is null ? null : new HeldArtefact(best.Collateral.TcbInfo, best.Collateral.TcbInfoIssuerChain);
    }

    /// <summary>The newest Enclave Identity held with <c>id</c> <paramref name="id"/> of <paramref name="version"/>.</summary>
    public HeldArtefact? QeIdentity(EnclaveIdentityId id, CollateralVersion version)
    {
        Parsed? best = null;
        foreach (var copy in Copies())
        {
            if (copy.QeIdentity is { } identity && identity.Id == id
                && Serves(copy, version, identity.TcbEvaluationDataNumber)
                && (best is null || (identity.TcbEvaluationDataNumber, identity.IssueDate).CompareTo((best.QeIdentity!.TcbEvaluationDataNumber, best.QeIdentity.IssueDate)) > 0))
            {
                best = copy;
            }
        }

        return best is null ? null : new HeldArtefact(best.Collateral.QeIdentity, best.Collateral.QeIdentityIssuerChain);
    }

    /// <summary>The newest PCK CRL held of <paramref name="ca"/> (DER), with its issuer chain when the copy has one.</summary>
    public HeldArtefact? PckCrl(PckCaKind ca)
    {
        var best = Newest(Copies().Where(c => c.PckCrl is { } crl && QuotePlatform.CaFromIssuerName(crl.IssuerCommonName) == ca), c => c.PckCrl!);
        return best is null ? null : new HeldArtefact(best.PckCrl!.Raw, best.Collateral.PckCrlIssuerChain);
    }

    /// <summary>The newest root CA CRL held (DER).</summary>
    public ReadOnlyMemory<byte>? RootCaCrl() => Newest(Copies().Where(c => c.RootCaCrl is not null), c => c.RootCaCrl!)?.RootCaCrl!.Raw;

    /// <summary>
    /// The newest CRL held that <paramref name="uri"/> distributes: a certificate in a held chain names it as a CRL
    /// distribution point, and the CRL's issuer is that certificate's issuer. Failing that, a URI of the PCS PCK CRL
    /// route shape (<c>…/pckcrl?ca=platform|processor…</c>, as PCK leaf certificates name) gives that CA's PCK CRL.
    /// </summary>
    public ReadOnlyMemory<byte>? CrlAt(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var copies = Copies();
        var issuers = copies.SelectMany(c => c.DistributionPoints).Where(p => p.Uri == uri).Select(p => p.Issuer).ToList();
        var crls = copies.SelectMany(c => new[] { c.PckCrl, c.RootCaCrl }).OfType<Crl>()
            .Where(crl => issuers.Any(i => i.AsSpan().SequenceEqual(crl.IssuerRaw.Span)))
            .OrderByDescending(crl => crl.ThisUpdate).ThenByDescending(crl => crl.CrlNumber)
            .FirstOrDefault();
        if (crls is not null)
        {
            return crls.Raw;
        }

        return Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.AbsolutePath.EndsWith("/pckcrl", StringComparison.Ordinal)
            && System.Web.HttpUtility.ParseQueryString(parsed.Query)["ca"] is { } ca
            && (ca.ToLowerInvariant() switch { "platform" => PckCaKind.Platform, "processor" => PckCaKind.Processor, _ => PckCaKind.Unknown }) is var kind
            && kind != PckCaKind.Unknown
            ? PckCrl(kind)?.Body
            : null;
    }

    /// <summary>Whether <paramref name="copy"/> (whose document has evaluation <paramref name="number"/>) may answer a request for <paramref name="version"/>.</summary>
    private static bool Serves(Parsed copy, CollateralVersion version, int number) =>
        version.TcbEvaluationDataNumber is { } asked
            ? number == asked
            : copy.CachedAs is not { } cached
                || (cached.TcbEvaluationDataNumber is null && (cached.Update == CollateralUpdate.Standard || version.Update == CollateralUpdate.Early));

    private static Parsed? Newest(IEnumerable<Parsed> copies, Func<Parsed, Crl> crl) =>
        copies.OrderByDescending(c => crl(c).ThisUpdate).ThenByDescending(c => crl(c).CrlNumber).FirstOrDefault();

    private List<Parsed> Copies()
    {
        var held = _offline.HeldCollateral.Select(c => _parsed.GetValue(c, Parsed.From));
        if (_cache is not null)
        {
            held = held.Concat(_cache.CachedCollateral.Select(p => _parsed.GetValue(p.Value, Parsed.From) with { CachedAs = p.Key.Version }));
        }

        return [.. held];
    }

    /// <summary>What was read (untrusted) from one held copy to choose among copies.</summary>
    private sealed record Parsed(
        QuoteCollateral Collateral,
        TcbInfo? TcbInfo,
        EnclaveIdentity? QeIdentity,
        Crl? PckCrl,
        Crl? RootCaCrl,
        IReadOnlyList<(string Uri, byte[] Issuer)> DistributionPoints)
    {
        /// <summary>The version the PCS cache holds this copy for; null for an offline folder's copy.</summary>
        public CollateralVersion? CachedAs { get; init; }

        public static Parsed From(QuoteCollateral collateral)
        {
            var points = new List<(string, byte[])>();
            foreach (var chain in new[] { collateral.TcbInfoIssuerChain, collateral.QeIdentityIssuerChain, collateral.PckCrlIssuerChain, collateral.PckCertificateChain ?? default })
            {
                points.AddRange(DistributionPointsOf(chain));
            }

            return new Parsed(
                collateral,
                Sgx.Collateral.TcbInfo.TryParse(collateral.TcbInfo, out var tcbInfo, out _) ? tcbInfo : null,
                EnclaveIdentity.TryParse(collateral.QeIdentity, out var identity, out _) ? identity : null,
                ReadCrl(collateral.PckCrl),
                ReadCrl(collateral.RootCaCrl),
                points);
        }

        private static Crl? ReadCrl(ReadOnlyMemory<byte> held) =>
            Crl.NormalizeEncoding(held.Span) is { } der && Crl.TryParse(der, out var crl, out _) ? crl : null;

        /// <summary>Each certificate's CRL distribution point URIs, with the certificate's issuer (raw DER name).</summary>
        private static List<(string, byte[])> DistributionPointsOf(ReadOnlyMemory<byte> pem)
        {
            var points = new List<(string, byte[])>();
            if (pem.IsEmpty)
            {
                return points;
            }

            var certificates = new X509Certificate2Collection();
            try
            {
                certificates.ImportFromPem(Encoding.ASCII.GetString(pem.Span));
                foreach (var certificate in certificates)
                {
                    if (certificate.Extensions["2.5.29.31"] is { } extension)
                    {
                        points.AddRange(UrisOf(extension.RawData).Select(u => (u, certificate.IssuerName.RawData)));
                    }
                }
            }
            catch (Exception e) when (e is CryptographicException or AsnContentException)
            {
                // A chain that does not parse names no distribution point.
            }
            finally
            {
                foreach (var certificate in certificates)
                {
                    certificate.Dispose();
                }
            }

            return points;
        }

        // CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } … };
        // the URIs are the GeneralNames' uniformResourceIdentifier [6] IA5String (RFC 5280 §4.2.1.13).
        private static List<string> UrisOf(byte[] extension)
        {
            var uris = new List<string>();
            var points = new AsnReader(extension, AsnEncodingRules.DER).ReadSequence();
            while (points.HasData)
            {
                var point = points.ReadSequence();
                if (!point.HasData || !point.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    continue;
                }

                var name = point.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
                if (!name.HasData || !name.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
                {
                    continue;
                }

                var fullName = name.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
                while (fullName.HasData)
                {
                    var tag = fullName.PeekTag();
                    if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 6)))
                    {
                        uris.Add(fullName.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6)));
                    }
                    else
                    {
                        fullName.ReadEncodedValue();
                    }
                }
            }

            return uris;
        }
    }
}
