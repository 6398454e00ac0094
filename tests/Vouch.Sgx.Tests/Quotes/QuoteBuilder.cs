using System.Buffers.Binary;

namespace Vouch.Sgx.Tests.Quotes;

/// <summary>
/// Writes quotes field by field from dcap-verification §1, independently of the parser under test, so tests
/// can produce layouts no vector has (v4/v5 SGX, TD 1.5, leftovers, wrong types). Byte fields default to
/// recognisable patterns. Nothing is signed.
/// </summary>
internal sealed class QuoteBuilder
{
    public static readonly byte[] IntelVendorId =
        [0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9, 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07];

    public ushort Version { get; init; } = 3;
    public ushort AttestationKeyType { get; init; } = 2;
    public uint TeeType { get; init; }
    public byte[] VendorId { get; init; } = IntelVendorId;

    /// <summary>v5 body descriptor type; when null the type follows <see cref="Body"/>'s length and the TEE type.</summary>
    public ushort? BodyDescriptorType { get; init; }

    /// <summary>v5 body descriptor size; when null, <see cref="Body"/>'s length.</summary>
    public uint? BodyDescriptorSize { get; init; }

    public byte[] Body { get; init; } = Pattern(384, 1);
    public byte[] IsvSignature { get; init; } = Pattern(64, 2);
    public byte[] AttestationKey { get; init; } = Pattern(64, 3);
    public byte[] QeReport { get; init; } = Pattern(384, 4);
    public byte[] QeReportSignature { get; init; } = Pattern(64, 5);
    public byte[] QeAuthData { get; init; } = Pattern(32, 6);
    public ushort CertificationDataType { get; init; } = 5;
    public byte[] CertificationData { get; init; } = Pattern(100, 7);

    /// <summary>v4/v5 outer certification data type (6 in a valid quote).</summary>
    public ushort OuterCertificationDataType { get; init; } = 6;

    /// <summary>v4/v5: bytes appended inside the type-6 data after the nested certification data.</summary>
    public byte[] QeReportCertificationDataExtra { get; init; } = [];

    /// <summary>Bytes appended inside the signature data after its certification data.</summary>
    public byte[] SignatureDataExtra { get; init; } = [];

    /// <summary>Bytes appended after the signature data.</summary>
    public byte[] Trailing { get; init; } = [];

    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = unchecked((byte)((i * 7) + (seed * 31) + 1));
        }

        return bytes;
    }

    /// <summary>Offset of the body (after the header, and the v5 descriptor).</summary>
    public int BodyOffset => Version == 5 ? 54 : 48;

    /// <summary>Offset of the <c>signature_data_len</c> field.</summary>
    public int SignatureDataLengthOffset => BodyOffset + Body.Length;

    public byte[] Build()
    {
        var quote = new List<byte>();
        U16(quote, Version);
        U16(quote, AttestationKeyType);
        U32(quote, TeeType);
        U16(quote, 11);
        U16(quote, 16);
        quote.AddRange(VendorId);
        quote.AddRange(Pattern(20, 8));
        if (Version == 5)
        {
            U16(quote, BodyDescriptorType ?? DefaultBodyType());
            U32(quote, BodyDescriptorSize ?? (uint)Body.Length);
        }

        quote.AddRange(Body);

        var qeBlock = new List<byte>();
        qeBlock.AddRange(QeReport);
        qeBlock.AddRange(QeReportSignature);
        U16(qeBlock, (ushort)QeAuthData.Length);
        qeBlock.AddRange(QeAuthData);
        U16(qeBlock, CertificationDataType);
        U32(qeBlock, (uint)CertificationData.Length);
        qeBlock.AddRange(CertificationData);

        var signatureData = new List<byte>();
        signatureData.AddRange(IsvSignature);
        signatureData.AddRange(AttestationKey);
        if (Version == 3)
        {
            signatureData.AddRange(qeBlock);
        }
        else
        {
            qeBlock.AddRange(QeReportCertificationDataExtra);
            U16(signatureData, OuterCertificationDataType);
            U32(signatureData, (uint)qeBlock.Count);
            signatureData.AddRange(qeBlock);
        }

        signatureData.AddRange(SignatureDataExtra);
        U32(quote, (uint)signatureData.Count);
        quote.AddRange(signatureData);
        quote.AddRange(Trailing);
        return [.. quote];
    }

    private ushort DefaultBodyType() => Body.Length switch
    {
        384 => 1,
        584 => 2,
        _ => 3,
    };

    private static void U16(List<byte> to, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        to.AddRange(b);
    }

    private static void U32(List<byte> to, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        to.AddRange(b);
    }
}
