namespace Vouch.Simulator.Enclaves;

/// <summary>
/// Architectural status codes that EINIT and EGETKEY return in RAX (sgx-enclave-model §2.4, §3.1). The
/// numeric values are Intel's; <see cref="SgxStatusNames.ArchitecturalName"/> gives the SDM spelling.
/// </summary>
public enum SgxStatus
{
    /// <summary>The instruction succeeded.</summary>
    Success = 0,
    /// <summary>SIGSTRUCT header, exponent, reserved fields or modulus size are wrong.</summary>
    InvalidSigStruct = 1,
    /// <summary>Attributes or MISCSELECT do not satisfy the masks, or a privileged attribute is not allowed.</summary>
    InvalidAttribute = 2,
    /// <summary>The finalized MRENCLAVE differs from SIGSTRUCT.ENCLAVEHASH.</summary>
    InvalidMeasurement = 4,
    /// <summary>The SIGSTRUCT signature (or Q1/Q2) does not verify.</summary>
    InvalidSignature = 8,
    /// <summary>The launch token (or launch policy) refuses the enclave.</summary>
    InvalidLicense = 16,
    /// <summary>A requested CPUSVN is newer than the platform's.</summary>
    InvalidCpuSvn = 32,
    /// <summary>A requested ISVSVN (or CONFIGSVN) is newer than the enclave's.</summary>
    InvalidIsvSvn = 64,
    /// <summary>An unmasked event interrupted the instruction (not modelled; never returned).</summary>
    UnmaskedEvent = 128,
    /// <summary>The KEYREQUEST names no key.</summary>
    InvalidKeyName = 256,
}

/// <summary>Names of <see cref="SgxStatus"/> values.</summary>
public static class SgxStatusNames
{
    /// <summary>The SDM name, for example <c>SGX_INVALID_MEASUREMENT</c>.</summary>
    public static string ArchitecturalName(this SgxStatus status) => status switch
    {
        SgxStatus.Success => "SGX_SUCCESS",
        SgxStatus.InvalidSigStruct => "SGX_INVALID_SIG_STRUCT",
        SgxStatus.InvalidAttribute => "SGX_INVALID_ATTRIBUTE",
        SgxStatus.InvalidMeasurement => "SGX_INVALID_MEASUREMENT",
        SgxStatus.InvalidSignature => "SGX_INVALID_SIGNATURE",
        SgxStatus.InvalidLicense => "SGX_INVALID_LICENSE",
        SgxStatus.InvalidCpuSvn => "SGX_INVALID_CPUSVN",
        SgxStatus.InvalidIsvSvn => "SGX_INVALID_ISVSVN",
        SgxStatus.UnmaskedEvent => "SGX_UNMASKED_EVENT",
        SgxStatus.InvalidKeyName => "SGX_INVALID_KEYNAME",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}
