using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vouch.Benchmarks;

/// <summary>
/// The crypto a warm verification of a v3 quote cannot avoid: two P-256 ECDSA verifications with prepared keys
/// (the QE report by the PCK key, the quote by the attestation key, each hashing its signed bytes) plus the
/// SHA-256 of the QE report-data binding. Its inputs are cut from the v3 layout (dcap-verification §1.3), so the
/// floor does not depend on Vouch's parser.
/// </summary>
public sealed class QuoteFloor
{
    private const int SignatureData = 436;
    private readonly ECDsa _pckKey;
    private readonly ECDsa _attestationKey;
    private readonly byte[] _qeReport;
    private readonly byte[] _qeReportSignature;
    private readonly byte[] _signedRegion;
    private readonly byte[] _quoteSignature;
    private readonly byte[] _keyAndAuthData;

    public QuoteFloor(byte[] quote)
    {
        const int sig = SignatureData;
        _signedRegion = quote[..432];
        _quoteSignature = quote[sig..(sig + 64)];
        var key = quote[(sig + 64)..(sig + 128)];
        _qeReport = quote[(sig + 128)..(sig + 512)];
        _qeReportSignature = quote[(sig + 512)..(sig + 576)];
        var authLength = BitConverter.ToUInt16(quote, sig + 576);
        _keyAndAuthData = [.. key, .. quote[(sig + 578)..(sig + 578 + authLength)]];
        _attestationKey = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = key[..32], Y = key[32..] } });
        using var leaf = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(quote[(sig + 578 + authLength + 6)..]).TrimEnd('\0'));
        _pckKey = leaf.GetECDsaPublicKey()!;
    }

    /// <summary>Runs the floor; the result only keeps the work from being optimised away.</summary>
    public int Run()
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(_keyAndAuthData, hash);
        var valid = _pckKey.VerifyData(_qeReport, _qeReportSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            & _attestationKey.VerifyData(_signedRegion, _quoteSignature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return (valid ? 256 : 0) + hash[0];
    }
}
