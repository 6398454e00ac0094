using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Vouch.Simulator.Dcap;

namespace Vouch.Simulator.Tests;

/// <summary>
/// A test-only, BCL-only re-statement of the DCAP checks (dcap-verification §2), used to show that each
/// simulator fault switch breaks exactly the one check it names. Not a verifier: it trusts its inputs'
/// syntax and returns Vouch.Sgx error names. The real cross-check against Vouch.Sgx comes when branches merge.
/// </summary>
internal static class MiniVerifier
{
    /// <summary>What the re-statement concludes.</summary>
    /// <param name="Errors">Vouch.Sgx error names of the failed checks.</param>
    /// <param name="TcbStatus">The converged status, or null when a level did not match.</param>
    /// <param name="AdvisoryIds">Both matched levels' advisory ids: the platform level's, then the QE level's not already listed (Intel QVL).</param>
    /// <param name="Levels">The matched levels' dates and advisories as written in the collateral, or null when a level did not match.</param>
    internal sealed record Result(List<string> Errors, string? TcbStatus, List<string> AdvisoryIds, MatchedLevels? Levels);

    /// <summary>The matched TCB Info and QE Identity levels' <c>tcbDate</c> and <c>advisoryIDs</c>, read from the JSON.</summary>
    internal sealed record MatchedLevels(DateTimeOffset PlatformTcbDate, DateTimeOffset QeTcbDate, List<string> PlatformAdvisoryIds, List<string> QeAdvisoryIds)
    {
        /// <summary>The verdict's date: the earlier of the two (Intel QVL).</summary>
        public DateTimeOffset TcbDate => PlatformTcbDate < QeTcbDate ? PlatformTcbDate : QeTcbDate;
    }

    public static Result Verify(DcapCase c, X509Certificate2 trustedRoot)
    {
        var at = c.Facts.VerificationTime;
        var errors = new List<string>();
        var quote = ParsedQuote.Parse(c.Quote);
        var chain = Pki.ParsePemChain(quote.CertificationData);
        var (leaf, pckCa, root) = (chain[0], chain[1], chain[2]);

        // PCK chain to the trusted root (signatures and names; times checked separately).
        if (!Builds(leaf, [pckCa], trustedRoot))
        {
            errors.Add("ChainUntrustedRoot");
        }

        foreach (var certificate in chain)
        {
            if (at < certificate.NotBefore.ToUniversalTime())
            {
                errors.Add("CertificateNotYetValid");
            }

            if (at > certificate.NotAfter.ToUniversalTime())
            {
                errors.Add("CertificateExpired");
            }
        }

        // CRLs: signed by the right issuer, current, not listing the chain.
        var rootCrl = Pki.ParseCrl(c.RootCaCrl);
        var pckCrl = Pki.ParseCrl(c.PckCrl);
        if (!Pki.VerifyCrl(rootCrl, root) || !rootCrl.IssuerRaw.AsSpan().SequenceEqual(root.SubjectName.RawData)
            || !Pki.VerifyCrl(pckCrl, pckCa) || !pckCrl.IssuerRaw.AsSpan().SequenceEqual(leaf.IssuerName.RawData))
        {
            errors.Add("CrlSignatureInvalid");
        }

        if (at < rootCrl.ThisUpdate || at > rootCrl.NextUpdate || at < pckCrl.ThisUpdate || at > pckCrl.NextUpdate)
        {
            errors.Add("CrlExpired");
        }

        if (rootCrl.RevokedSerials.Any(s => s.AsSpan().SequenceEqual(pckCa.SerialNumberBytes.Span)))
        {
            errors.Add("IntermediateRevoked");
        }

        if (pckCrl.RevokedSerials.Any(s => s.AsSpan().SequenceEqual(leaf.SerialNumberBytes.Span)))
        {
            errors.Add("PckRevoked");
        }

        // TCB Info and QE Identity: signed by TCB Signing (chained to the root) over the raw body, inside their windows.
        var tcbSigning = Pki.ParsePemChain(c.TcbInfoIssuerChainPem)[0];
        if (!Builds(tcbSigning, [], trustedRoot))
        {
            errors.Add("ChainUntrustedRoot");
        }

        var (tcbBody, tcbSignature) = Split(c.TcbInfoJson, "tcbInfo");
        var (qeBody, qeSignature) = Split(c.QeIdentityJson, "enclaveIdentity");
        using (var key = tcbSigning.GetECDsaPublicKey()!)
        {
            if (!key.VerifyData(Encoding.UTF8.GetBytes(tcbBody), tcbSignature, HashAlgorithmName.SHA256))
            {
                errors.Add("TcbInfoSignatureInvalid");
            }

            if (!key.VerifyData(Encoding.UTF8.GetBytes(qeBody), qeSignature, HashAlgorithmName.SHA256))
            {
                errors.Add("QeIdentitySignatureInvalid");
            }
        }

        using var tcbInfo = JsonDocument.Parse(tcbBody);
        using var qeIdentity = JsonDocument.Parse(qeBody);
        Window(tcbInfo.RootElement, at, "TcbInfo", errors);
        Window(qeIdentity.RootElement, at, "QeIdentity", errors);

        // PCK FMSPC / PCE-ID against the TCB Info.
        var extension = Pki.SgxExtension(leaf);
        var fmspc = extension.Single(e => e.Oid == ".4").Value[2..];
        var pceId = extension.Single(e => e.Oid == ".3").Value[2..];
        if (!Convert.ToHexString(fmspc).Equals(tcbInfo.RootElement.GetProperty("fmspc").GetString(), StringComparison.OrdinalIgnoreCase)
            || !Convert.ToHexString(pceId).Equals(tcbInfo.RootElement.GetProperty("pceId").GetString(), StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("TcbInfoMismatch");
        }

        // QE report: PCK signature, binding of the attestation key, QE identity.
        using (var pck = leaf.GetECDsaPublicKey()!)
        {
            if (!pck.VerifyData(quote.QeReport, quote.QeReportSignature, HashAlgorithmName.SHA256))
            {
                errors.Add("QeReportSignatureInvalid");
            }
        }

        if (!SHA256.HashData([.. quote.AttestationKey, .. quote.AuthData]).AsSpan().SequenceEqual(quote.QeReport.AsSpan(320, 32)))
        {
            errors.Add("QeReportDataMismatch");
        }

        var qe = qeIdentity.RootElement;
        var miscMask = Convert.FromHexString(qe.GetProperty("miscselectMask").GetString()!);
        var attributesMask = Convert.FromHexString(qe.GetProperty("attributesMask").GetString()!);
        var misc = quote.QeReport[16..20].Select((b, i) => (byte)(b & miscMask[i])).ToArray();
        var attributes = quote.QeReport[48..64].Select((b, i) => (byte)(b & attributesMask[i])).ToArray();
        if (Convert.ToHexString(misc) != qe.GetProperty("miscselect").GetString()
            || Convert.ToHexString(attributes) != qe.GetProperty("attributes").GetString()
            || Convert.ToHexString(quote.QeReport[128..160]) != qe.GetProperty("mrsigner").GetString()
            || BitConverter.ToUInt16(quote.QeReport, 256) != qe.GetProperty("isvprodid").GetInt32())
        {
            errors.Add("QeIdentityMismatch");
        }

        // Quote signature by the attestation key over header ‖ body.
        using (var attestationKey = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = quote.AttestationKey[..32], Y = quote.AttestationKey[32..] } }))
        {
            if (!attestationKey.VerifyData(c.Quote.AsSpan(0, 432), quote.Signature, HashAlgorithmName.SHA256))
            {
                errors.Add("QuoteSignatureInvalid");
            }
        }

        // TCB levels: Intel's order (components lexicographically descending, then PCESVN), first component-wise match.
        var components = Enumerable.Range(1, 16).Select(i => (int)extension.Single(e => e.Oid == $".2.{i}").Value[^1]).ToArray();
        var pceSvn = (int)new System.Numerics.BigInteger(extension.Single(e => e.Oid == ".2.17").Value.AsSpan(2), isUnsigned: true, isBigEndian: true);
        var levels = tcbInfo.RootElement.GetProperty("tcbLevels").EnumerateArray()
            .Select(l => (Components: l.GetProperty("tcb").GetProperty("sgxtcbcomponents").EnumerateArray().Select(x => x.GetProperty("svn").GetInt32()).ToArray(), PceSvn: l.GetProperty("tcb").GetProperty("pcesvn").GetInt32(), Level: l))
            .OrderByDescending(l => l.Components, Comparer<int[]>.Create((a, b) => a.Zip(b).Select(p => p.First.CompareTo(p.Second)).FirstOrDefault(x => x != 0)))
            .ThenByDescending(l => l.PceSvn)
            .ToList();
        var match = levels.FirstOrDefault(l => l.Components.Zip(components).All(p => p.Second >= p.First) && pceSvn >= l.PceSvn);
        var qeSvn = BitConverter.ToUInt16(quote.QeReport, 258);
        var qeMatch = qe.GetProperty("tcbLevels").EnumerateArray().FirstOrDefault(l => l.GetProperty("tcb").GetProperty("isvsvn").GetInt32() <= qeSvn);
        string? status = null;
        var advisories = new List<string>();
        MatchedLevels? matched = null;
        if (match.Level.ValueKind == JsonValueKind.Undefined)
        {
            errors.Add("TcbLevelNotSupported");
        }
        else if (qeMatch.ValueKind == JsonValueKind.Undefined)
        {
            errors.Add("QeTcbLevelNotSupported");
        }
        else
        {
            var platform = match.Level.GetProperty("tcbStatus").GetString()!;
            matched = new MatchedLevels(Date(match.Level), Date(qeMatch), Ids(match.Level), Ids(qeMatch));
            advisories = [.. matched.PlatformAdvisoryIds];
            advisories.AddRange(matched.QeAdvisoryIds.Where(id => !advisories.Contains(id)));
            status = Converge(platform, qeMatch.GetProperty("tcbStatus").GetString()!);
            if (status == "Revoked")
            {
                errors.Add("TcbRevoked");
            }
        }

        return new Result(errors, status, advisories, matched);
    }

    private static DateTimeOffset Date(JsonElement level) => DateTimeOffset.Parse(level.GetProperty("tcbDate").GetString()!, CultureInfo.InvariantCulture);

    // advisoryIDs is optional on a level (QE Identity levels that are current carry none).
    private static List<string> Ids(JsonElement level) =>
        level.TryGetProperty("advisoryIDs", out var ids) ? [.. ids.EnumerateArray().Select(a => a.GetString()!)] : [];

    // Intel QVL convergence (dcap-verification §2.8), re-stated.
    private static string Converge(string platform, string qe) => qe switch
    {
        "Revoked" => "Revoked",
        "OutOfDate" => platform switch
        {
            "UpToDate" or "SWHardeningNeeded" => "OutOfDate",
            "ConfigurationNeeded" or "ConfigurationAndSWHardeningNeeded" => "OutOfDateConfigurationNeeded",
            _ => platform,
        },
        _ => platform,
    };

    private static void Window(JsonElement body, DateTimeOffset at, string what, List<string> errors)
    {
        var issue = DateTimeOffset.Parse(body.GetProperty("issueDate").GetString()!, CultureInfo.InvariantCulture);
        var next = DateTimeOffset.Parse(body.GetProperty("nextUpdate").GetString()!, CultureInfo.InvariantCulture);
        if (at < issue)
        {
            errors.Add(what + "NotYetValid");
        }

        if (at > next)
        {
            errors.Add(what + "Expired");
        }
    }

    // The raw bytes of the signed value and the signature, located by the known PCS layout.
    internal static (string Body, byte[] Signature) Split(string document, string name)
    {
        var prefix = "{\"" + name + "\":";
        var separator = document.LastIndexOf(",\"signature\":\"", StringComparison.Ordinal);
        Assert.StartsWith(prefix, document, StringComparison.Ordinal);
        var body = document[prefix.Length..separator];
        var signature = document[(separator + ",\"signature\":\"".Length)..^2];
        return (body, Convert.FromHexString(signature));
    }

    private static bool Builds(X509Certificate2 certificate, X509Certificate2[] intermediates, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(certificate);
    }
}
