namespace Vouch.Sgx.Verification;

/// <summary>
/// Intel's collateral for one quote, as received (exact bytes, PCS shapes; dcap-verification §3.1).
/// Nothing here is trusted until the verifier has checked it.
/// </summary>
/// <param name="TcbInfo">The <c>/tcb</c> response body <c>{"tcbInfo":…,"signature":…}</c>.</param>
/// <param name="TcbInfoIssuerChain">PEM of the TCB signing certificate and root (<c>TCB-Info-Issuer-Chain</c>).</param>
/// <param name="QeIdentity">The <c>/qe/identity</c> response body <c>{"enclaveIdentity":…,"signature":…}</c>.</param>
/// <param name="QeIdentityIssuerChain">PEM of the TCB signing certificate and root (<c>SGX-Enclave-Identity-Issuer-Chain</c>).</param>
/// <param name="PckCrl">The PCK Platform or Processor CA CRL (DER, PEM or hex of DER).</param>
/// <param name="RootCaCrl">The Intel SGX Root CA CRL (DER, PEM or hex of DER).</param>
/// <param name="PckCrlIssuerChain">PEM of the PCK CA and root (<c>SGX-PCK-CRL-Issuer-Chain</c>). The verifier checks the PCK CRL against the PCK certificate's own issuer from the quote's chain; this chain is carried so the collateral can be served on as received.</param>
/// <param name="PckCertificateChain">PEM of the PCK certificate chain, for quotes whose certification data carries no chain (types 1–4).</param>
public sealed record QuoteCollateral(
    ReadOnlyMemory<byte> TcbInfo,
    ReadOnlyMemory<byte> TcbInfoIssuerChain,
    ReadOnlyMemory<byte> QeIdentity,
    ReadOnlyMemory<byte> QeIdentityIssuerChain,
    ReadOnlyMemory<byte> PckCrl,
    ReadOnlyMemory<byte> RootCaCrl,
    ReadOnlyMemory<byte> PckCrlIssuerChain = default,
    ReadOnlyMemory<byte>? PckCertificateChain = null);
