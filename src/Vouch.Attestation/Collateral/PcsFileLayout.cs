using System.Diagnostics.CodeAnalysis;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>
/// The PCS-file layout of a collateral folder (the layout of <c>../shared/vectors/dcap/*/</c>): reading it into a
/// <see cref="QuoteCollateral"/>, and a cheap fingerprint of its files to tell when it changed. Shared by
/// <see cref="DirectoryCollateralSource"/> and <see cref="OfflineCollateralSource"/>.
/// </summary>
internal static class PcsFileLayout
{
    /// <summary>The largest collateral file read, in bytes.</summary>
    public const int MaxFileBytes = 16 << 20;

    public const string TcbInfo = "tcb_info.json";
    public const string TcbInfoIssuerChain = "tcb_info_issuer_chain.pem";
    public const string QeIdentity = "qe_identity.json";
    public const string QeIdentityIssuerChain = "qe_identity_issuer_chain.pem";
    public const string PckCrl = "pck_crl.der";
    public const string RootCaCrl = "root_ca_crl.der";
    public const string PckCrlIssuerChain = "pck_crl_issuer_chain.pem";
    public const string PckCertificateChain = "pck_cert_chain.pem";

    /// <summary>Every file of the layout: the six required ones, then the two optional ones.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        [TcbInfo, TcbInfoIssuerChain, QeIdentity, QeIdentityIssuerChain, PckCrl, RootCaCrl, PckCrlIssuerChain, PckCertificateChain];

    /// <summary>Whether <paramref name="directory"/> holds at least one of the required files (so is meant as a collateral folder).</summary>
    public static bool LooksLikeCollateralFolder(string directory) =>
        FileNames.Take(6).Any(name => File.Exists(Path.Combine(directory, name)));

    /// <summary>
    /// Size and last-write time of every file of the layout (absent files included, as absent), in
    /// <see cref="FileNames"/> order. Equal fingerprints mean the folder is taken as unchanged.
    /// </summary>
    public static string Fingerprint(string directory)
    {
        var parts = new string[FileNames.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            try
            {
                var info = new FileInfo(Path.Combine(directory, FileNames[i]));
                parts[i] = info.Exists
                    ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{info.Length}@{info.LastWriteTimeUtc.Ticks}")
                    : "-";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                parts[i] = "?";
            }
        }

        return string.Join('|', parts);
    }

    /// <summary>Reads a collateral folder; false with a one-line reason naming the folder or file at fault.</summary>
    public static bool TryLoad(string directory, [NotNullWhen(true)] out QuoteCollateral? collateral, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(directory);
        collateral = null;
        if (!Directory.Exists(directory))
        {
            error = $"collateral folder '{directory}' does not exist";
            return false;
        }

        byte[]? tcbInfo = null, tcbChain = null, qeIdentity = null, qeChain = null, pckCrl = null, rootCrl = null, pckCrlChain = null, pckChain = null;
        error = Read(TcbInfo, required: true, ref tcbInfo)
            ?? Read(TcbInfoIssuerChain, required: true, ref tcbChain)
            ?? Read(QeIdentity, required: true, ref qeIdentity)
            ?? Read(QeIdentityIssuerChain, required: true, ref qeChain)
            ?? Read(PckCrl, required: true, ref pckCrl)
            ?? Read(RootCaCrl, required: true, ref rootCrl)
            ?? Read(PckCrlIssuerChain, required: false, ref pckCrlChain)
            ?? Read(PckCertificateChain, required: false, ref pckChain);
        if (error is not null)
        {
            return false;
        }

        collateral = new QuoteCollateral(
            TcbInfo: tcbInfo!,
            TcbInfoIssuerChain: tcbChain!,
            QeIdentity: qeIdentity!,
            QeIdentityIssuerChain: qeChain!,
            PckCrl: pckCrl!,
            RootCaCrl: rootCrl!,
            PckCrlIssuerChain: pckCrlChain ?? default(ReadOnlyMemory<byte>),
            PckCertificateChain: pckChain is null ? (ReadOnlyMemory<byte>?)null : pckChain);
        return true;

        string? Read(string name, bool required, ref byte[]? bytes)
        {
            var path = Path.Combine(directory, name);
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    return required ? $"collateral file '{path}' does not exist" : null;
                }

                if (info.Length > MaxFileBytes)
                {
                    return $"collateral file '{path}' is larger than {MaxFileBytes} bytes";
                }

                bytes = File.ReadAllBytes(path);
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"collateral file '{path}' cannot be read: {e.Message}";
            }
        }
    }
}
