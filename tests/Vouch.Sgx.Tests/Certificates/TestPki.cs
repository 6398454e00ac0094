using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vouch.Sgx.Tests.Certificates;

/// <summary>
/// A throw-away CA built with the BCL's <see cref="CertificateRequest"/>, independent of the code under
/// test. Only enough of a CA to produce certificates and CRLs for tests; never use it as a real one.
/// </summary>
internal sealed class TestPki : IDisposable
{
    public static readonly DateTimeOffset NotBefore = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    public static readonly DateTimeOffset NotAfter = new(2035, 6, 7, 8, 9, 10, TimeSpan.Zero);

    public TestPki(ECCurve? curve = null, HashAlgorithmName? hash = null)
    {
        Hash = hash ?? HashAlgorithmName.SHA256;
        RootKey = ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Vouch Test Root CA, O=Vouch, C=US", RootKey, Hash);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Root = request.CreateSelfSigned(NotBefore, NotAfter);
    }

    public HashAlgorithmName Hash { get; }

    public ECDsa RootKey { get; }

    public X509Certificate2 Root { get; }

    /// <summary>Issues an end-entity certificate signed by the root.</summary>
    public X509Certificate2 IssueLeaf(byte[] serial, string subject = "CN=Vouch Test Leaf, O=Vouch, C=US", IEnumerable<X509Extension>? extraExtensions = null)
    {
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        foreach (var extension in extraExtensions ?? [])
        {
            request.CertificateExtensions.Add(extension);
        }

        return request.Create(Root.SubjectName, X509SignatureGenerator.CreateForECDsa(RootKey), NotBefore.AddDays(1), NotAfter.AddDays(-1), serial);
    }

    /// <summary>A CRL from the BCL's <see cref="CertificateRevocationListBuilder"/>, signed by the root key.</summary>
    public byte[] BuildCrl(IEnumerable<(byte[] Serial, DateTimeOffset When)> entries, System.Numerics.BigInteger crlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var (serial, when) in entries)
        {
            builder.AddEntry(serial, when, X509RevocationReason.KeyCompromise);
        }

        return builder.Build(
            Root.SubjectName,
            X509SignatureGenerator.CreateForECDsa(RootKey),
            crlNumber,
            nextUpdate,
            Hash,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, includeKeyIdentifier: true, includeIssuerAndSerial: false),
            thisUpdate);
    }

    public void Dispose()
    {
        Root.Dispose();
        RootKey.Dispose();
    }
}
