using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Vouch.Sgx.Certificates;

/// <summary>
/// The SGX extension of a PCK certificate, OID 1.2.840.113741.1.13.1 (dcap-verification §2.3; Intel
/// "SGX PCK Certificate and CRL Profile"). A failure maps to <see cref="ErrorCode.PckExtensionMalformed"/>.
/// </summary>
/// <remarks>
/// Records compare <see cref="ReadOnlyMemory{T}"/> and list members by reference; compare the bytes
/// (for example through <see cref="Primitives.Hex.ToLower"/>) when values matter.
/// </remarks>
/// <param name="Ppid">.1 PPID, 16 bytes.</param>
/// <param name="TcbComponents">.2.1–.2.16: the 16 SGX TCB component SVNs (0..255), the values Intel QVL matches against TCB Info <c>sgxtcbcomponents</c>.</param>
/// <param name="PceSvn">.2.17 PCESVN (0..65535).</param>
/// <param name="CpuSvn">.2.18 CPUSVN, 16 bytes (normally the components as bytes; not what Vouch matches, pitfall 7).</param>
/// <param name="PceId">.3 PCE-ID, 2 bytes.</param>
/// <param name="Fmspc">.4 FMSPC, 6 bytes.</param>
/// <param name="SgxType">.5 SGX Type.</param>
/// <param name="PlatformInstanceId">.6 Platform Instance ID (16 bytes); only in certificates of the Platform CA.</param>
/// <param name="Configuration">.7 Configuration; only in certificates of the Platform CA.</param>
public sealed record PckExtension(
    ReadOnlyMemory<byte> Ppid,
    IReadOnlyList<int> TcbComponents,
    int PceSvn,
    ReadOnlyMemory<byte> CpuSvn,
    ReadOnlyMemory<byte> PceId,
    ReadOnlyMemory<byte> Fmspc,
    SgxType SgxType,
    ReadOnlyMemory<byte>? PlatformInstanceId,
    PlatformConfiguration? Configuration)
{
    /// <summary>The extension's OID; every field's OID is this plus a suffix.</summary>
    public const string Oid = "1.2.840.113741.1.13.1";

    private const string Prefix = Oid + ".";
    private const string TcbPrefix = Oid + ".2.";
    private const string ConfigurationPrefix = Oid + ".7.";
    private const int ComponentCount = 16;

    /// <summary>
    /// Finds the SGX extension in <paramref name="certificate"/> and parses it under DER rules. The
    /// extension must appear exactly once. Required: PPID, TCB, PCE-ID, FMSPC and SGX Type; Platform
    /// Instance ID and Configuration are optional here (whether a Platform-CA certificate carries them
    /// is the chain verifier's check, as it knows the issuer). The TCB holds exactly 18 entries, each of
    /// .2.1–.2.18 once; component SVNs must be 0..255, PCESVN 0..65535, octet strings their fixed size,
    /// SGX Type 0..2. A field OID repeated at any level is an error; unknown field OIDs at the top level
    /// or in Configuration are skipped. Never throws for bad input.
    /// </summary>
    /// <param name="certificate">The PCK certificate.</param>
    /// <param name="extension">The parsed extension; <see langword="null"/> on failure.</param>
    /// <param name="error">Why the extension was rejected or missing; <see langword="null"/> on success.</param>
    /// <returns>Whether the certificate has a well-formed SGX extension.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="certificate"/> is <see langword="null"/>.</exception>
    public static bool TryParse(X509Certificate2 certificate, [NotNullWhen(true)] out PckExtension? extension, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        extension = null;
        byte[]? value = null;
        foreach (var candidate in certificate.Extensions)
        {
            if (candidate.Oid?.Value == Oid)
            {
                if (value is not null)
                {
                    error = "SGX extension: appears more than once";
                    return false;
                }

                value = candidate.RawData;
            }
        }

        if (value is null)
        {
            error = "SGX extension: missing";
            return false;
        }

        return TryParseValue(value, out extension, out error);
    }

    /// <summary>Parses the extension value (the content of extnValue).</summary>
    internal static bool TryParseValue(ReadOnlyMemory<byte> value, [NotNullWhen(true)] out PckExtension? extension, [NotNullWhen(false)] out string? error)
    {
        extension = null;
        try
        {
            extension = Parse(value);
            error = null;
            return true;
        }
        catch (AsnContentException ex)
        {
            error = "SGX extension: " + ex.Message;
            return false;
        }
    }

    private static PckExtension Parse(ReadOnlyMemory<byte> value)
    {
        var outer = new AsnReader(value, AsnEncodingRules.DER);
        var fields = outer.ReadSequence();
        outer.ThrowIfNotEmpty();

        ReadOnlyMemory<byte>? ppid = null, pceId = null, fmspc = null, platformInstanceId = null;
        TcbFields? tcb = null;
        SgxType? sgxType = null;
        PlatformConfiguration? configuration = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (fields.HasData)
        {
            var field = fields.ReadSequence();
            var oid = field.ReadObjectIdentifier();
            if (!seen.Add(oid))
            {
                throw new AsnContentException("field " + oid + " appears more than once");
            }

            var suffix = oid.StartsWith(Prefix, StringComparison.Ordinal) ? oid[Prefix.Length..] : null;
            switch (suffix)
            {
                case "1":
                    ppid = ReadOctetString(field, 16, "PPID");
                    break;
                case "2":
                    tcb = ReadTcb(field.ReadSequence());
                    break;
                case "3":
                    pceId = ReadOctetString(field, 2, "PCE-ID");
                    break;
                case "4":
                    fmspc = ReadOctetString(field, 6, "FMSPC");
                    break;
                case "5":
                    sgxType = ReadSgxType(field);
                    break;
                case "6":
                    platformInstanceId = ReadOctetString(field, 16, "Platform Instance ID");
                    break;
                case "7":
                    configuration = ReadConfiguration(field.ReadSequence());
                    break;
                default:
                    // Unknown fields are tolerated, as Intel adds fields over time.
                    _ = field.ReadEncodedValue();
                    break;
            }

            field.ThrowIfNotEmpty();
        }

        // QVL requires these five (dcap-verification §2.3).
        if (ppid is null || tcb is null || pceId is null || fmspc is null || sgxType is null)
        {
            throw new AsnContentException("a required field (PPID, TCB, PCE-ID, FMSPC or SGX Type) is missing");
        }

        return new PckExtension(
            ppid.Value,
            tcb.Components,
            tcb.PceSvn,
            tcb.CpuSvn,
            pceId.Value,
            fmspc.Value,
            sgxType.Value,
            platformInstanceId,
            configuration);
    }

    private sealed record TcbFields(IReadOnlyList<int> Components, int PceSvn, ReadOnlyMemory<byte> CpuSvn);

    /// <summary>The TCB: exactly 18 entries, .2.1–.2.16 component SVNs, .2.17 PCESVN, .2.18 CPUSVN.</summary>
    private static TcbFields ReadTcb(AsnReader entries)
    {
        var components = new int[ComponentCount];
        var present = new bool[ComponentCount + 2];
        var pceSvn = 0;
        ReadOnlyMemory<byte> cpuSvn = default;
        var count = 0;
        while (entries.HasData)
        {
            var entry = entries.ReadSequence();
            var oid = entry.ReadObjectIdentifier();
            if (!oid.StartsWith(TcbPrefix, StringComparison.Ordinal)
                || !int.TryParse(oid.AsSpan(TcbPrefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
                || index is < 1 or > ComponentCount + 2)
            {
                throw new AsnContentException("the TCB has an entry " + oid + " outside .2.1–.2.18");
            }

            if (present[index - 1])
            {
                throw new AsnContentException("TCB entry " + oid + " appears more than once");
            }

            present[index - 1] = true;
            count++;
            if (index <= ComponentCount)
            {
                components[index - 1] = ReadBoundedInteger(entry, 255, "a TCB component SVN");
            }
            else if (index == ComponentCount + 1)
            {
                pceSvn = ReadBoundedInteger(entry, 65535, "PCESVN");
            }
            else
            {
                cpuSvn = ReadOctetString(entry, 16, "CPUSVN");
            }

            entry.ThrowIfNotEmpty();
        }

        if (count != ComponentCount + 2)
        {
            throw new AsnContentException("the TCB does not have exactly 18 entries");
        }

        return new TcbFields(Array.AsReadOnly(components), pceSvn, cpuSvn);
    }

    private static PlatformConfiguration ReadConfiguration(AsnReader entries)
    {
        bool? dynamicPlatform = null, cachedKeys = null, smtEnabled = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (entries.HasData)
        {
            var entry = entries.ReadSequence();
            var oid = entry.ReadObjectIdentifier();
            if (!seen.Add(oid))
            {
                throw new AsnContentException("configuration entry " + oid + " appears more than once");
            }

            var suffix = oid.StartsWith(ConfigurationPrefix, StringComparison.Ordinal) ? oid[ConfigurationPrefix.Length..] : null;
            switch (suffix)
            {
                case "1":
                    dynamicPlatform = entry.ReadBoolean();
                    break;
                case "2":
                    cachedKeys = entry.ReadBoolean();
                    break;
                case "3":
                    smtEnabled = entry.ReadBoolean();
                    break;
                default:
                    _ = entry.ReadEncodedValue();
                    break;
            }

            entry.ThrowIfNotEmpty();
        }

        return new PlatformConfiguration(dynamicPlatform, cachedKeys, smtEnabled);
    }

    private static ReadOnlyMemory<byte> ReadOctetString(AsnReader reader, int length, string name)
    {
        if (!reader.TryReadPrimitiveOctetString(out var value) || value.Length != length)
        {
            throw new AsnContentException(name + " is not an OCTET STRING of " + length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes");
        }

        return value;
    }

    private static int ReadBoundedInteger(AsnReader reader, int max, string name)
    {
        if (!reader.TryReadInt32(out var value) || value < 0 || value > max)
        {
            throw new AsnContentException(name + " is not an INTEGER in 0.." + max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return value;
    }

    private static SgxType ReadSgxType(AsnReader reader)
    {
        var bytes = reader.ReadEnumeratedBytes().Span;
        if (bytes.Length != 1 || bytes[0] > (byte)SgxType.ScalableWithIntegrity)
        {
            throw new AsnContentException("SGX Type is not 0, 1 or 2");
        }

        return (SgxType)bytes[0];
    }
}
