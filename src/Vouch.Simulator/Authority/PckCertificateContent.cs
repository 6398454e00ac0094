using System.Formats.Asn1;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Authority;

/// <summary>
/// What a PCK leaf certificate's SGX extension states (OID 1.2.840.113741.1.13.1; dcap-verification §2.3,
/// sgx-enclave-model §4.4): PPID, the certified TCB (16 component SVNs, PCESVN, CPUSVN octets), PCE-ID,
/// FMSPC, SGX type and, for Platform-CA certificates, the platform instance id and configuration.
/// </summary>
public sealed record PckCertificateContent
{
    /// <summary>The SGX extension OID.</summary>
    public const string SgxExtensionOid = "1.2.840.113741.1.13.1";

    /// <summary>PPID (16 bytes).</summary>
    public required byte[] Ppid { get; init; }
    /// <summary>The 16 certified SGX TCB component SVNs (0-255 each).</summary>
    public required byte[] TcbComponents { get; init; }
    /// <summary>Certified PCESVN.</summary>
    public required ushort PceSvn { get; init; }
    /// <summary>The CPUSVN octet string (real certificates carry the 16 component SVNs).</summary>
    public required byte[] CpuSvn { get; init; }
    /// <summary>PCE-ID (2 bytes).</summary>
    public required byte[] PceId { get; init; }
    /// <summary>FMSPC (6 bytes).</summary>
    public required byte[] Fmspc { get; init; }
    /// <summary>SGX type.</summary>
    public required SgxType SgxType { get; init; }
    /// <summary>The issuing CA (decides whether the platform entries are present).</summary>
    public required PckCaType Ca { get; init; }
    /// <summary>Platform Instance ID (16 bytes; Platform CA only).</summary>
    public byte[] PlatformInstanceId { get; init; } = new byte[16];
    /// <summary>Configuration: dynamic platform (Platform CA only).</summary>
    public bool DynamicPlatform { get; init; }
    /// <summary>Configuration: cached keys (Platform CA only).</summary>
    public bool CachedKeys { get; init; }
    /// <summary>Configuration: SMT enabled (Platform CA only).</summary>
    public bool SmtEnabled { get; init; }

    /// <summary>
    /// The DER value of the extension: a SEQUENCE of SEQUENCE{OID, value} — 5 entries (Processor CA) or 7
    /// (Platform CA); the TCB entry is a SEQUENCE of exactly 18 pairs (.2.1-.2.16 INTEGER, .2.17 PCESVN
    /// INTEGER, .2.18 CPUSVN OCTET STRING).
    /// </summary>
    public byte[] EncodeExtension()
    {
        if (Ppid.Length != 16 || TcbComponents.Length != 16 || CpuSvn.Length != 16 || PceId.Length != 2 || Fmspc.Length != 6 || PlatformInstanceId.Length != 16)
        {
            throw new InvalidOperationException("PPID, TCB components, CPUSVN and platform instance id have 16 bytes, PCE-ID 2, FMSPC 6.");
        }

        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            Pair(w, ".1", () => w.WriteOctetString(Ppid));
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(SgxExtensionOid + ".2");
                using (w.PushSequence())
                {
                    for (var i = 0; i < 16; i++)
                    {
                        Pair(w, $".2.{i + 1}", () => w.WriteInteger(TcbComponents[i]));
                    }

                    Pair(w, ".2.17", () => w.WriteInteger(PceSvn));
                    Pair(w, ".2.18", () => w.WriteOctetString(CpuSvn));
                }
            }

            Pair(w, ".3", () => w.WriteOctetString(PceId));
            Pair(w, ".4", () => w.WriteOctetString(Fmspc));
            Pair(w, ".5", () => w.WriteEnumeratedValue(SgxType));
            if (Ca == PckCaType.Platform)
            {
                Pair(w, ".6", () => w.WriteOctetString(PlatformInstanceId));
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(SgxExtensionOid + ".7");
                    using (w.PushSequence())
                    {
                        Pair(w, ".7.1", () => w.WriteBoolean(DynamicPlatform));
                        Pair(w, ".7.2", () => w.WriteBoolean(CachedKeys));
                        Pair(w, ".7.3", () => w.WriteBoolean(SmtEnabled));
                    }
                }
            }
        }

        return w.Encode();
    }

    private static void Pair(AsnWriter w, string suffix, Action value)
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(SgxExtensionOid + suffix);
            value();
        }
    }
}
