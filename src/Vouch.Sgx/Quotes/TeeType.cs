namespace Vouch.Sgx.Quotes;

/// <summary>The TEE type in the quote header at offset 4 (<c>tee_type</c>, dcap-verification §1.1).</summary>
public enum TeeType : uint
{
    /// <summary>Intel SGX (0x00000000). The only value a v3 quote may carry.</summary>
    Sgx = 0,

    /// <summary>Intel TDX (0x00000081).</summary>
    Tdx = 0x81,
}
