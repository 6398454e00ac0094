using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Vouch.Simulator.OpenEnclave;

/// <summary>Open Enclave evidence format ids (<c>oe_uuid_t.b[16]</c> byte order; sgx-enclave-model §4.5).</summary>
public static class OeFormatIds
{
    /// <summary>SGX ECDSA: evidence = quote ‖ custom claims buffer; REPORTDATA = SHA-256(claims) ‖ 0³².</summary>
    public static ReadOnlySpan<byte> SgxEcdsa => Convert.FromHexString("a3a21e871b4d4014b70aa125d2fbcd8c");

    /// <summary>SGX local attestation: evidence = REPORT ‖ custom claims buffer.</summary>
    public static ReadOnlySpan<byte> SgxLocalAttestation => Convert.FromHexString("09268c336e0b45e58a2715644d0ef89a");

    /// <summary>Raw SGX ECDSA quote: REPORTDATA is the caller's bytes, no hashing.</summary>
    public static ReadOnlySpan<byte> RawSgxEcdsa => Convert.FromHexString("1923d91e12d24c72b22025cd8dace871");

    /// <summary>Legacy remote report.</summary>
    public static ReadOnlySpan<byte> LegacyRemoteReport => Convert.FromHexString("c8303454d9234c2ca691df7def460a76");
}

/// <summary>Report type of the legacy <c>oe_report_header_t</c>.</summary>
public enum OeReportType : uint
{
    /// <summary>An SGX REPORT (local attestation).</summary>
    SgxLocal = 1,
    /// <summary>An SGX quote (remote attestation).</summary>
    SgxRemote = 2,
}

/// <summary>One custom claim: a name and an opaque value.</summary>
/// <param name="Name">Claim name (UTF-8, serialized with a terminating NUL).</param>
/// <param name="Value">Claim value.</param>
public sealed record OeCustomClaim(string Name, byte[] Value);

/// <summary>
/// Open Enclave wrappers around SGX evidence (sgx-enclave-model §4.5): the legacy report header that Azure
/// Attestation's OpenEnclave route takes, the attestation (evidence) header, and the custom-claims buffer
/// whose SHA-256 becomes REPORTDATA[0:32].
/// </summary>
public static class OpenEnclavePackaging
{
    /// <summary>Size of <c>oe_report_header_t</c>: u32 version, u32 report_type, u64 report_size.</summary>
    public const int LegacyHeaderSize = 16;
    /// <summary>Version of the legacy report header.</summary>
    public const uint LegacyHeaderVersion = 1;
    /// <summary>Size of <c>oe_attestation_header_t</c>: u32 version @0, uuid @4, 4 padding bytes, u64 data_size @24.</summary>
    public const int AttestationHeaderSize = 32;
    /// <summary>Version of the attestation header.</summary>
    public const uint AttestationHeaderVersion = 3;
    /// <summary>Version of the custom claims serialization.</summary>
    public const ulong CustomClaimsVersion = 1;

    /// <summary>The legacy OE report: <c>oe_report_header_t</c> ‖ payload (a REPORT or a quote).</summary>
    public static byte[] WrapLegacyReport(ReadOnlySpan<byte> payload, OeReportType type)
    {
        var result = new byte[LegacyHeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(result, LegacyHeaderVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)type);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(8), (ulong)payload.Length);
        payload.CopyTo(result.AsSpan(LegacyHeaderSize));
        return result;
    }

    /// <summary>Evidence with its format id embedded (<c>OE_EVIDENCE_FLAGS_EMBED_FORMAT_ID</c>): attestation header ‖ evidence.</summary>
    /// <exception cref="ArgumentException">The format id is not 16 bytes.</exception>
    public static byte[] WrapEvidence(ReadOnlySpan<byte> formatId, ReadOnlySpan<byte> evidence)
    {
        if (formatId.Length != 16)
        {
            throw new ArgumentException("A format id has 16 bytes.", nameof(formatId));
        }

        var result = new byte[AttestationHeaderSize + evidence.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(result, AttestationHeaderVersion);
        formatId.CopyTo(result.AsSpan(4));
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(24), (ulong)evidence.Length);
        evidence.CopyTo(result.AsSpan(AttestationHeaderSize));
        return result;
    }

    /// <summary>SGX ECDSA evidence: attestation header (format <see cref="OeFormatIds.SgxEcdsa"/>) ‖ quote ‖ custom claims buffer.</summary>
    public static byte[] SgxEcdsaEvidence(ReadOnlySpan<byte> quote, ReadOnlySpan<byte> customClaims) =>
        WrapEvidence(OeFormatIds.SgxEcdsa, [.. quote, .. customClaims]);

    /// <summary>
    /// OE's custom-claims serialization: header { u64 version = 1; u64 count } then per claim { u64 name size
    /// including the NUL; u64 value size; name ‖ NUL; value }, little-endian, no padding.
    /// </summary>
    public static byte[] SerializeClaims(IReadOnlyList<OeCustomClaim> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        using var buffer = new MemoryStream();
        var u64 = new byte[8];
        void Write(ulong value)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(u64, value);
            buffer.Write(u64);
        }

        Write(CustomClaimsVersion);
        Write((ulong)claims.Count);
        foreach (var claim in claims)
        {
            var name = Encoding.UTF8.GetBytes(claim.Name);
            Write((ulong)name.Length + 1);
            Write((ulong)claim.Value.Length);
            buffer.Write(name);
            buffer.WriteByte(0);
            buffer.Write(claim.Value);
        }

        return buffer.ToArray();
    }

    /// <summary>Parses a custom-claims buffer; sizes must consume it exactly and names must end in NUL.</summary>
    /// <exception cref="FormatException">The buffer is malformed.</exception>
    public static IReadOnlyList<OeCustomClaim> ParseClaims(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 16 || BinaryPrimitives.ReadUInt64LittleEndian(buffer) != CustomClaimsVersion)
        {
            throw new FormatException("Not a version-1 custom claims buffer.");
        }

        var count = BinaryPrimitives.ReadUInt64LittleEndian(buffer[8..]);
        var position = 16;
        var claims = new List<OeCustomClaim>();
        for (ulong i = 0; i < count; i++)
        {
            if (buffer.Length - position < 16)
            {
                throw new FormatException($"Claim {i} is truncated.");
            }

            var nameSize = BinaryPrimitives.ReadUInt64LittleEndian(buffer[position..]);
            var valueSize = BinaryPrimitives.ReadUInt64LittleEndian(buffer[(position + 8)..]);
            position += 16;
            if (nameSize == 0 || nameSize > (ulong)(buffer.Length - position) || valueSize > (ulong)(buffer.Length - position) - nameSize)
            {
                throw new FormatException($"Claim {i} runs past the end.");
            }

            var name = buffer.Slice(position, (int)nameSize);
            if (name[^1] != 0)
            {
                throw new FormatException($"Claim {i}'s name is not NUL-terminated.");
            }

            position += (int)nameSize;
            claims.Add(new OeCustomClaim(Encoding.UTF8.GetString(name[..^1]), buffer.Slice(position, (int)valueSize).ToArray()));
            position += (int)valueSize;
        }

        return position == buffer.Length ? claims : throw new FormatException("Bytes follow the last claim.");
    }

    /// <summary>REPORTDATA for evidence carrying <paramref name="customClaims"/>: SHA-256(buffer) ‖ 0³².</summary>
    public static byte[] ReportDataFor(ReadOnlySpan<byte> customClaims) => [.. SHA256.HashData(customClaims), .. new byte[32]];
}
