namespace Vouch.Simulator.Platform;

/// <summary>SGX type of a platform, as the PCK certificate's SGX extension names it (OID …13.1.5).</summary>
public enum SgxType
{
    /// <summary>Client and single-socket parts.</summary>
    Standard = 0,
    /// <summary>Scalable SGX (Xeon Scalable, Ice Lake and later).</summary>
    Scalable = 1,
    /// <summary>Scalable SGX with memory integrity.</summary>
    ScalableWithIntegrity = 2,
}

/// <summary>Which Intel PCK CA certifies a platform.</summary>
public enum PckCaType
{
    /// <summary>"Intel SGX PCK Processor CA": single-package platforms; 5-entry SGX extension.</summary>
    Processor,
    /// <summary>"Intel SGX PCK Platform CA": multi-package and cloud platforms; 7-entry SGX extension.</summary>
    Platform,
}

/// <summary>Which key hierarchy a simulated platform uses.</summary>
public enum PlatformMode
{
    /// <summary>Fresh random base keys and owner epoch per platform: two platforms never share keys.</summary>
    PerPlatform,
    /// <summary>The Intel SDK simulator's hard-coded keys, owner epoch and report KEYID (every "machine" shares them).</summary>
    IntelSdkSimulation,
}

/// <summary>The Intel SDK simulator's three CPUSVN values (sgx-enclave-model §3.2), oldest first.</summary>
public enum IntelSdkCpuSvn
{
    /// <summary><c>64ea4f3fa0030c36383c322d4f3a8d4f</c>.</summary>
    Downgraded,
    /// <summary><c>4820f3376ae6b2f2034d3b7a4b48a778</c>.</summary>
    Default,
    /// <summary><c>5339ae8c93ae8f3ce432db924d0f0733</c>.</summary>
    Upgraded,
}

/// <summary>
/// The public description of a simulated platform: its TCB (CPUSVN as 16 component SVNs, PCE SVN), what
/// its PCK certificate states (PCE-ID, FMSPC, SGX type, CA, platform instance and configuration) and the
/// ISVSVN of its quoting enclave. Persisted as <c>platform.json</c>.
/// </summary>
public sealed record PlatformSettings
{
    /// <summary>CPUSVN: the 16 SGX TCB component SVNs, one byte each (the PCK certificate's CPUSVN equals them).</summary>
    public byte[] CpuSvn { get; init; } = [16, 16, 3, 3, 255, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>PCE ISVSVN (the quote header's pce_svn and the PCK certificate's PCESVN).</summary>
    public ushort PceSvn { get; init; } = 13;

    /// <summary>PCE-ID (2 bytes, as the PCK certificate's OCTET STRING and TCB Info's <c>pceId</c> hex carry it; 0000 on every real platform).</summary>
    public byte[] PceId { get; init; } = [0x00, 0x00];

    /// <summary>FMSPC (6 bytes): family-model-stepping-platform-custom SKU; selects the TCB Info.</summary>
    public byte[] Fmspc { get; init; } = [0x00, 0x60, 0x6A, 0x00, 0x00, 0x00];

    /// <summary>SGX type.</summary>
    public SgxType SgxType { get; init; } = SgxType.Scalable;

    /// <summary>The PCK CA that certifies the platform.</summary>
    public PckCaType PckCa { get; init; } = PckCaType.Platform;

    /// <summary>Platform Instance ID (16 bytes; Platform-CA certificates only).</summary>
    public byte[] PlatformInstanceId { get; init; } = new byte[16];

    /// <summary>Configuration: dynamic platform (Platform-CA certificates only).</summary>
    public bool DynamicPlatform { get; init; } = true;

    /// <summary>Configuration: cached keys (Platform-CA certificates only).</summary>
    public bool CachedKeys { get; init; }

    /// <summary>Configuration: SMT enabled (Platform-CA certificates only).</summary>
    public bool SmtEnabled { get; init; }

    /// <summary>ISVSVN of the platform's quoting enclave (QE3).</summary>
    public ushort QeIsvSvn { get; init; } = 11;

    /// <summary>Checks sizes.</summary>
    /// <exception cref="ArgumentException">A field has the wrong length.</exception>
    public void Validate()
    {
        if (CpuSvn.Length != 16 || Fmspc.Length != 6 || PlatformInstanceId.Length != 16 || PceId.Length != 2)
        {
            throw new ArgumentException("CPUSVN and the platform instance id have 16 bytes, FMSPC 6, PCE-ID 2.");
        }
    }

    /// <summary>The bytes of one of the Intel SDK simulator's CPUSVNs.</summary>
    public static byte[] IntelSdkCpuSvnBytes(IntelSdkCpuSvn which) => which switch
    {
        IntelSdkCpuSvn.Downgraded => Convert.FromHexString("64ea4f3fa0030c36383c322d4f3a8d4f"),
        IntelSdkCpuSvn.Default => Convert.FromHexString("4820f3376ae6b2f2034d3b7a4b48a778"),
        IntelSdkCpuSvn.Upgraded => Convert.FromHexString("5339ae8c93ae8f3ce432db924d0f0733"),
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };
}
