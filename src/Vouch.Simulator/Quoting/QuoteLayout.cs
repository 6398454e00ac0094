using System.Buffers.Binary;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Quoting;

/// <summary>
/// Byte layout of SGX ECDSA quotes v3 and v4 (sgx-enclave-model §4.3, dcap-verification §1), as named
/// offsets, and the writer that lays a quote out from its parts.
/// </summary>
public static class QuoteLayout
{
    /// <summary>Header size.</summary>
    public const int HeaderSize = 48;
    /// <summary>u16 version.</summary>
    public const int VersionOffset = 0;
    /// <summary>u16 attestation key type.</summary>
    public const int AttestationKeyTypeOffset = 2;
    /// <summary>u32 TEE type (v3: att_key_data_0, 0 for SGX).</summary>
    public const int TeeTypeOffset = 4;
    /// <summary>u16 QE SVN (v3; reserved in v4).</summary>
    public const int QeSvnOffset = 8;
    /// <summary>u16 PCE SVN (v3; reserved in v4).</summary>
    public const int PceSvnOffset = 10;
    /// <summary>QE vendor id (16 bytes).</summary>
    public const int QeVendorIdOffset = 12;
    /// <summary>User data (20 bytes): QE ID ‖ 0⁴.</summary>
    public const int UserDataOffset = 28;
    /// <summary>Size of the user data.</summary>
    public const int UserDataSize = 20;
    /// <summary>Offset of the SGX report body.</summary>
    public const int BodyOffset = 48;
    /// <summary>Offset of the u32 signature data length (= the size of the signed range, header + body).</summary>
    public const int SignatureDataLengthOffset = BodyOffset + ReportBody.Size;
    /// <summary>Offset of the signature data.</summary>
    public const int SignatureDataOffset = SignatureDataLengthOffset + 4;

    /// <summary>Within the signature data: quote signature r‖s (64).</summary>
    public const int QuoteSignatureRelative = 0;
    /// <summary>Within the signature data: attestation public key X‖Y (64).</summary>
    public const int AttestationKeyRelative = 64;
    /// <summary>Within the v3 signature data: QE report body (384).</summary>
    public const int QeReportRelative = 128;
    /// <summary>Within the v3 signature data: QE report signature by the PCK key (64).</summary>
    public const int QeReportSignatureRelative = 512;
    /// <summary>Within the v3 signature data: u16 QE authentication data size.</summary>
    public const int QeAuthDataSizeRelative = 576;
    /// <summary>Within the v4 signature data: the outer certification data (type 6).</summary>
    public const int V4CertificationDataRelative = 128;

    /// <summary>ECDSA-256-with-P-256.</summary>
    public const ushort AttestationKeyTypeEcdsaP256 = 2;
    /// <summary>TEE type of SGX.</summary>
    public const uint TeeTypeSgx = 0;
    /// <summary>Certification data type 5: PEM PCK chain.</summary>
    public const ushort CertificationTypePckChain = 5;
    /// <summary>Certification data type 6: QE report certification data (v4/v5).</summary>
    public const ushort CertificationTypeQeReport = 6;
    /// <summary>Size of an ECDSA P-256 signature r‖s or public key X‖Y.</summary>
    public const int EcdsaSize = 64;

    /// <summary>Lays out a quote; <paramref name="sign"/> signs the header and body (the bytes before the signature data length).</summary>
    public static byte[] Write(QuoteParts parts, Func<byte[], byte[]> sign)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(sign);
        if (parts.Version is not (3 or 4))
        {
            throw new ArgumentException("Only quote versions 3 and 4 carry an SGX report body here.", nameof(parts));
        }

        Check(parts.UserData, UserDataSize, "user data");
        Check(parts.Body, ReportBody.Size, "report body");
        Check(parts.AttestationKey, EcdsaSize, "attestation key");
        Check(parts.QeReportBody, ReportBody.Size, "QE report body");
        Check(parts.QeReportSignature, EcdsaSize, "QE report signature");
        Check(parts.QeVendorId, 16, "QE vendor id");

        // QE report certification data: QE report ‖ signature ‖ u16 auth size ‖ auth ‖ u16 type 5 ‖ u32 size ‖ chain.
        var qeCertification = new byte[ReportBody.Size + EcdsaSize + 2 + parts.AuthData.Length + 2 + 4 + parts.CertificationData.Length];
        {
            var s = qeCertification.AsSpan();
            parts.QeReportBody.CopyTo(s);
            parts.QeReportSignature.CopyTo(s[ReportBody.Size..]);
            var at = ReportBody.Size + EcdsaSize;
            BinaryPrimitives.WriteUInt16LittleEndian(s[at..], checked((ushort)parts.AuthData.Length));
            parts.AuthData.CopyTo(s[(at + 2)..]);
            at += 2 + parts.AuthData.Length;
            BinaryPrimitives.WriteUInt16LittleEndian(s[at..], parts.CertificationDataType);
            BinaryPrimitives.WriteUInt32LittleEndian(s[(at + 2)..], (uint)parts.CertificationData.Length);
            parts.CertificationData.CopyTo(s[(at + 6)..]);
        }

        // v3: the QE certification data sits directly after the key; v4: inside a type-6 certification data.
        var tail = parts.Version == 3 ? qeCertification : Wrap(CertificationTypeQeReport, qeCertification);
        var signatureDataLength = EcdsaSize + EcdsaSize + tail.Length;
        var quote = new byte[SignatureDataOffset + signatureDataLength];
        var q = quote.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(q[VersionOffset..], parts.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(q[AttestationKeyTypeOffset..], AttestationKeyTypeEcdsaP256);
        BinaryPrimitives.WriteUInt32LittleEndian(q[TeeTypeOffset..], TeeTypeSgx);
        if (parts.Version == 3)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(q[QeSvnOffset..], parts.QeSvn);
            BinaryPrimitives.WriteUInt16LittleEndian(q[PceSvnOffset..], parts.PceSvn);
        }

        parts.QeVendorId.CopyTo(q[QeVendorIdOffset..]);
        parts.UserData.CopyTo(q[UserDataOffset..]);
        parts.Body.CopyTo(q[BodyOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(q[SignatureDataLengthOffset..], (uint)signatureDataLength);

        var signature = sign(quote[..SignatureDataLengthOffset]);
        Check(signature, EcdsaSize, "quote signature");
        signature.CopyTo(q[(SignatureDataOffset + QuoteSignatureRelative)..]);
        parts.AttestationKey.CopyTo(q[(SignatureDataOffset + AttestationKeyRelative)..]);
        tail.CopyTo(q[(SignatureDataOffset + (2 * EcdsaSize))..]);
        return quote;
    }

    private static byte[] Wrap(ushort type, byte[] data)
    {
        var wrapped = new byte[6 + data.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(wrapped, type);
        BinaryPrimitives.WriteUInt32LittleEndian(wrapped.AsSpan(2), (uint)data.Length);
        data.CopyTo(wrapped, 6);
        return wrapped;
    }

    private static void Check(byte[] value, int size, string name)
    {
        if (value.Length != size)
        {
            throw new ArgumentException($"The {name} must have {size} bytes.");
        }
    }
}

/// <summary>The parts of a quote before signing.</summary>
public sealed record QuoteParts
{
    /// <summary>3 or 4.</summary>
    public ushort Version { get; init; } = 3;
    /// <summary>QE ISVSVN (header, v3).</summary>
    public ushort QeSvn { get; init; }
    /// <summary>Raw PCE SVN (header, v3).</summary>
    public ushort PceSvn { get; init; }
    /// <summary>QE vendor id (16 bytes).</summary>
    public byte[] QeVendorId { get; init; } = KnownValues.IntelQeVendorId.ToArray();
    /// <summary>User data (20 bytes).</summary>
    public required byte[] UserData { get; init; }
    /// <summary>The application report body (384 bytes).</summary>
    public required byte[] Body { get; init; }
    /// <summary>Attestation public key X‖Y (64 bytes).</summary>
    public required byte[] AttestationKey { get; init; }
    /// <summary>QE report body certified by the PCE (384 bytes).</summary>
    public required byte[] QeReportBody { get; init; }
    /// <summary>PCK signature over the QE report body (64 bytes).</summary>
    public required byte[] QeReportSignature { get; init; }
    /// <summary>QE authentication data.</summary>
    public required byte[] AuthData { get; init; }
    /// <summary>Type of the (inner) certification data: 5 for the PEM PCK chain.</summary>
    public ushort CertificationDataType { get; init; } = QuoteLayout.CertificationTypePckChain;
    /// <summary>The certification data (for type 5: PEM leaf ‖ intermediate ‖ root ‖ NUL).</summary>
    public required byte[] CertificationData { get; init; }
}
