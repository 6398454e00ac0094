using System.Diagnostics.CodeAnalysis;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>
/// Collateral from a folder in the PCS-file layout of <c>../shared/vectors/dcap/*/</c>: <c>tcb_info.json</c>,
/// <c>tcb_info_issuer_chain.pem</c>, <c>qe_identity.json</c>, <c>qe_identity_issuer_chain.pem</c>,
/// <c>pck_crl.der</c>, <c>root_ca_crl.der</c>, and optionally <c>pck_crl_issuer_chain.pem</c> and
/// <c>pck_cert_chain.pem</c>. The folder is read once, when the source is made; every quote gets the same
/// collateral (one platform per folder).
/// </summary>
public sealed class DirectoryCollateralSource : ICollateralSource
{
    /// <summary>The largest collateral file read, in bytes.</summary>
    public const int MaxFileBytes = 16 << 20;

    private readonly QuoteCollateral _collateral;

    /// <summary>Reads <paramref name="directory"/>.</summary>
    /// <exception cref="IOException">The folder or a required file is missing, too large, or unreadable.</exception>
    public DirectoryCollateralSource(string directory)
    {
        _collateral = TryLoad(directory, out var collateral, out var error) ? collateral : throw new IOException(error);
    }

    /// <inheritdoc />
    public ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken) =>
        ValueTask.FromResult<QuoteCollateral?>(_collateral);

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
        error = Read("tcb_info.json", required: true, ref tcbInfo)
            ?? Read("tcb_info_issuer_chain.pem", required: true, ref tcbChain)
            ?? Read("qe_identity.json", required: true, ref qeIdentity)
            ?? Read("qe_identity_issuer_chain.pem", required: true, ref qeChain)
            ?? Read("pck_crl.der", required: true, ref pckCrl)
            ?? Read("root_ca_crl.der", required: true, ref rootCrl)
            ?? Read("pck_crl_issuer_chain.pem", required: false, ref pckCrlChain)
            ?? Read("pck_cert_chain.pem", required: false, ref pckChain);
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
