namespace Vouch.Sgx.Quotes;

/// <summary>
/// The kind of report a quote carries (dcap-verification §1.4). A v3 quote always carries
/// <see cref="SgxEnclave"/>; a v4 quote carries <see cref="SgxEnclave"/> when its TEE type is SGX and
/// <see cref="TdReport10"/> when it is TDX; a v5 quote names its body in the body descriptor at offset 48.
/// </summary>
public enum QuoteBodyType : ushort
{
    /// <summary>An SGX enclave report (<c>sgx_report_body_t</c>, 384 bytes).</summary>
    SgxEnclave = 1,

    /// <summary>A TDX 1.0 TD report (<c>sgx_report2_body_t</c>, 584 bytes).</summary>
    TdReport10 = 2,

    /// <summary>A TDX 1.5 TD report (<c>sgx_report2_body_v1_5_t</c>, 648 bytes).</summary>
    TdReport15 = 3,
}
