using System.Diagnostics.CodeAnalysis;
using Vouch.Sgx.Primitives;

namespace Vouch.Sgx.Quotes;

/// <summary>
/// The parser behind <see cref="Quote.TryParse"/>, following Intel QVL's <c>Quote.cpp</c> and
/// <c>QuoteStructures.cpp</c> (dcap-verification §1). Every read goes through <see cref="SpanReader"/>, which
/// checks the length first; declared lengths are compared unsigned against what is left, so nothing can wrap
/// or index out of range.
/// </summary>
internal static class QuoteParser
{
    internal const ushort Version3 = 3;
    internal const ushort Version4 = 4;
    internal const ushort Version5 = 5;
    internal const ushort EcdsaP256KeyType = 2;
    internal const int SignatureDataLengthSize = 4;
    internal const int QeAuthDataSizeSize = 2;
    internal const int CertificationDataTypeSize = 2;
    internal const int CertificationDataSizeSize = 4;
    internal const ushort MinNestedCertificationDataType = CertificationData.PlainPpid;
    internal const ushort MaxNestedCertificationDataType = CertificationData.PckCertificateChain;

    public static bool TryParse(
        ReadOnlyMemory<byte> bytes,
        [NotNullWhen(true)] out Quote? quote,
        [NotNullWhen(false)] out QuoteFormatError? error)
    {
        quote = null;
        if (bytes.Length > Quote.MaxSize)
        {
            error = new QuoteFormatError(ErrorCode.QuoteTooLarge, Quote.MaxSize, Fields.Quote,
                Invariant($"The quote is {bytes.Length} bytes; at most {Quote.MaxSize} are accepted."));
            return false;
        }

        if (bytes.Length < Quote.MinSize)
        {
            error = new QuoteFormatError(ErrorCode.QuoteTruncated, bytes.Length, Fields.Quote,
                Invariant($"The quote is {bytes.Length} bytes; a quote has at least {Quote.MinSize}."));
            return false;
        }

        var reader = new SpanReader(bytes);
        if (!TryReadHeader(ref reader, out var header, out error)
            || !TryReadBody(ref reader, header, out var bodyType, out var sgxBody, out var tdBody, out error))
        {
            return false;
        }

        var signedRegion = bytes[..reader.Position];
        if (!TryReadSignatureData(ref reader, header.Version, out var signature, out var ignored, out error))
        {
            return false;
        }

        quote = new Quote(bytes, header, bodyType, sgxBody, tdBody, signedRegion, signature, ignored);
        return true;
    }

    private static bool TryReadHeader(
        ref SpanReader reader,
        [NotNullWhen(true)] out QuoteHeader? header,
        [NotNullWhen(false)] out QuoteFormatError? error)
    {
        header = null;
        var start = reader.Offset;
        if (!reader.TryReadBytes(QuoteHeader.Size, Fields.Header, out var raw))
        {
            error = Truncated(reader);
            return false;
        }

        var parsed = new QuoteHeader(raw);
        if (parsed.Version is not (Version3 or Version4 or Version5))
        {
            error = new QuoteFormatError(ErrorCode.QuoteVersionUnsupported, start + QuoteHeader.VersionOffset, Fields.Version,
                Invariant($"Quote version {parsed.Version} is not 3, 4 or 5."));
            return false;
        }

        if (parsed.AttestationKeyType != EcdsaP256KeyType)
        {
            error = new QuoteFormatError(ErrorCode.QuoteKeyTypeUnsupported, start + QuoteHeader.AttestationKeyTypeOffset, Fields.AttestationKeyType,
                Invariant($"Attestation key type {parsed.AttestationKeyType} is not 2 (ECDSA-256-with-P-256)."));
            return false;
        }

        if (parsed.TeeType is not (TeeType.Sgx or TeeType.Tdx) || (parsed.Version == Version3 && parsed.TeeType != TeeType.Sgx))
        {
            error = new QuoteFormatError(ErrorCode.QuoteTeeTypeUnsupported, start + QuoteHeader.TeeTypeOffset, Fields.TeeType,
                Invariant($"TEE type 0x{(uint)parsed.TeeType:x} is not supported in a version {parsed.Version} quote."));
            return false;
        }

        if (!IntelQeVendorId.Matches(parsed.QeVendorId.Span))
        {
            error = new QuoteFormatError(ErrorCode.QuoteVendorIdUnknown, start + QuoteHeader.QeVendorIdOffset, Fields.QeVendorId,
                $"QE vendor id {Hex.ToLower(parsed.QeVendorId.Span)} is not Intel's ({IntelQeVendorId.Hex}).");
            return false;
        }

        header = parsed;
        error = null;
        return true;
    }

    private static bool TryReadBody(
        ref SpanReader reader,
        QuoteHeader header,
        out QuoteBodyType type,
        out SgxReportBody? sgxBody,
        out TdReportBody? tdBody,
        [NotNullWhen(false)] out QuoteFormatError? error)
    {
        sgxBody = null;
        tdBody = null;
        if (header.Version == Version3)
        {
            type = QuoteBodyType.SgxEnclave;
        }
        else if (header.Version == Version4)
        {
            type = header.TeeType == TeeType.Sgx ? QuoteBodyType.SgxEnclave : QuoteBodyType.TdReport10;
        }
        else if (!TryReadBodyDescriptor(ref reader, header.TeeType, out type, out error))
        {
            return false;
        }

        if (type == QuoteBodyType.SgxEnclave)
        {
            if (!reader.TryReadBytes(SgxReportBody.Size, Fields.ReportBody, out var raw))
            {
                error = Truncated(reader);
                return false;
            }

            sgxBody = new SgxReportBody(raw);
        }
        else
        {
            if (!reader.TryReadBytes(TdReportBody.SizeOf(type), Fields.TdReportBody, out var raw))
            {
                error = Truncated(reader);
                return false;
            }

            tdBody = new TdReportBody(raw, type);
        }

        error = null;
        return true;
    }

    // v5: sgx_quote5_t's body descriptor, u16 type then u32 size (QVL Quote::parse, Quote::validate).
    private static bool TryReadBodyDescriptor(
        ref SpanReader reader,
        TeeType teeType,
        out QuoteBodyType type,
        [NotNullWhen(false)] out QuoteFormatError? error)
    {
        type = default;
        var typeOffset = reader.Offset;
        if (!reader.TryReadUInt16(Fields.BodyType, out var rawType))
        {
            error = Truncated(reader);
            return false;
        }

        type = (QuoteBodyType)rawType;
        var expectedSize = type switch
        {
            QuoteBodyType.SgxEnclave => SgxReportBody.Size,
            QuoteBodyType.TdReport10 or QuoteBodyType.TdReport15 => TdReportBody.SizeOf(type),
            _ => 0,
        };
        if (expectedSize == 0)
        {
            error = new QuoteFormatError(ErrorCode.QuoteBodyTypeUnsupported, typeOffset, Fields.BodyType,
                Invariant($"Body type {rawType} is not 1 (SGX enclave report), 2 (TD report 1.0) or 3 (TD report 1.5)."));
            return false;
        }

        if ((teeType == TeeType.Sgx) != (type == QuoteBodyType.SgxEnclave))
        {
            error = new QuoteFormatError(ErrorCode.QuoteBodyTypeUnsupported, typeOffset, Fields.BodyType,
                Invariant($"Body type {rawType} does not fit TEE type 0x{(uint)teeType:x}."));
            return false;
        }

        var sizeOffset = reader.Offset;
        if (!reader.TryReadUInt32(Fields.BodySize, out var size))
        {
            error = Truncated(reader);
            return false;
        }

        if (size != (uint)expectedSize)
        {
            error = new QuoteFormatError(ErrorCode.QuoteBodyTypeUnsupported, sizeOffset, Fields.BodySize,
                Invariant($"Body type {rawType} has {expectedSize} bytes, but the descriptor says {size}."));
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryReadSignatureData(
        ref SpanReader reader,
        ushort version,
        [NotNullWhen(true)] out QuoteSignatureData? signature,
        out int ignoredTrailingBytes,
        [NotNullWhen(false)] out QuoteFormatError? error)
    {
        signature = null;
        ignoredTrailingBytes = 0;
        var lengthOffset = reader.Offset;
        if (!reader.TryReadUInt32(Fields.SignatureDataLength, out var length))
        {
            error = Truncated(reader);
            return false;
        }

        var dataOffset = reader.Offset;
        if (!reader.TryReadDeclaredBytes(length, Fields.SignatureData, out var data))
        {
            error = Overflow(reader, lengthOffset, Fields.SignatureDataLength, length);
            return false;
        }

        var sig = new SpanReader(data, dataOffset);
        if (!sig.TryReadBytes(QuoteSignatureData.SignatureSize, Fields.IsvSignature, out var isvSignature)
            || !sig.TryReadBytes(QuoteSignatureData.PublicKeySize, Fields.AttestationKey, out var attestationKey))
        {
            error = Truncated(sig);
            return false;
        }

        QeBlock block;
        ushort outerType;
        if (version == Version3)
        {
            // sgx_ql_ecdsa_sig_data_t: the QE report block sits directly in the signature data.
            if (!TryReadQeBlock(ref sig, BlockFields.SignatureData, out block, out error))
            {
                return false;
            }

            outerType = block.CertificationData.Type;
        }
        else if (!TryReadQeReportCertificationData(ref sig, out outerType, out block, out error))
        {
            return false;
        }

        // QVL stops after the certification data in both Ecdsa256BitQuoteV3AuthData and V4AuthData, and
        // Quote::parse stops after signature_data_len: whatever is left is ignored, and counted here.
        ignoredTrailingBytes = sig.Remaining + reader.Remaining;
        signature = new QuoteSignatureData(
            isvSignature, attestationKey, block.QeReport, block.QeReportSignature, block.QeAuthData, block.CertificationData, outerType);
        error = null;
        return true;
    }

    // v4/v5: certification data of type 6 whose data is sgx_qe_report_certification_data_t, which its
    // fields must consume exactly (QVL QEReportCertificationData::insert).
    private static bool TryReadQeReportCertificationData(
        ref SpanReader sig,
        out ushort outerType,
        out QeBlock block,
        [NotNullWhen(false)] out QuoteFormatError? error)
    {
        block = default;
        var typeOffset = sig.Offset;
        if (!sig.TryReadUInt16(Fields.OuterCertificationDataType, out outerType))
        {
            error = Truncated(sig);
            return false;
        }

        if (outerType != CertificationData.QeReportCertificationData)
        {
            error = new QuoteFormatError(ErrorCode.QuoteCertificationDataTypeUnsupported, typeOffset, Fields.OuterCertificationDataType,
                Invariant($"Certification data type {outerType} is not 6 (QE report certification data), which v4 and v5 quotes require."));
            return false;
        }

        var sizeOffset = sig.Offset;
        if (!sig.TryReadUInt32(Fields.OuterCertificationDataSize, out var size))
        {
            error = Truncated(sig);
            return false;
        }

        var nestedOffset = sig.Offset;
        if (!sig.TryReadDeclaredBytes(size, Fields.OuterCertificationData, out var nestedBytes))
        {
            error = Overflow(sig, sizeOffset, Fields.OuterCertificationDataSize, size);
            return false;
        }

        var nested = new SpanReader(nestedBytes, nestedOffset);
        if (!TryReadQeBlock(ref nested, BlockFields.QeReportCertificationData, out block, out error))
        {
            return false;
        }

        if (nested.Remaining != 0)
        {
            error = new QuoteFormatError(ErrorCode.QuoteTrailingData, nested.Offset, Fields.OuterCertificationData,
                Invariant($"The QE report certification data has {nested.Remaining} bytes after its certification data."));
            return false;
        }

        error = null;
        return true;
    }

    // QE report, QE report signature, QE authentication data, certification data (types 1..5): the tail of
    // sgx_ql_ecdsa_sig_data_t in v3 and the content of sgx_qe_report_certification_data_t in v4/v5.
    private static bool TryReadQeBlock(
        ref SpanReader reader,
        BlockFields fields,
        out QeBlock block,
        [NotNullWhen(false)] out QuoteFormatError? error)
    {
        block = default;
        if (!reader.TryReadBytes(SgxReportBody.Size, fields.QeReport, out var qeReport)
            || !reader.TryReadBytes(QuoteSignatureData.SignatureSize, fields.QeReportSignature, out var qeReportSignature))
        {
            error = Truncated(reader);
            return false;
        }

        var authSizeOffset = reader.Offset;
        if (!reader.TryReadUInt16(fields.QeAuthDataSize, out var authSize))
        {
            error = Truncated(reader);
            return false;
        }

        if (!reader.TryReadDeclaredBytes(authSize, fields.QeAuthData, out var qeAuthData))
        {
            error = Overflow(reader, authSizeOffset, fields.QeAuthDataSize, authSize);
            return false;
        }

        var typeOffset = reader.Offset;
        if (!reader.TryReadUInt16(fields.CertificationDataType, out var certType))
        {
            error = Truncated(reader);
            return false;
        }

        if (certType is < MinNestedCertificationDataType or > MaxNestedCertificationDataType)
        {
            error = new QuoteFormatError(ErrorCode.QuoteCertificationDataTypeUnsupported, typeOffset, fields.CertificationDataType,
                Invariant($"Certification data type {certType} is not one of 1..5."));
            return false;
        }

        var sizeOffset = reader.Offset;
        if (!reader.TryReadUInt32(fields.CertificationDataSize, out var certSize))
        {
            error = Truncated(reader);
            return false;
        }

        if (!reader.TryReadDeclaredBytes(certSize, fields.CertificationData, out var certData))
        {
            error = Overflow(reader, sizeOffset, fields.CertificationDataSize, certSize);
            return false;
        }

        block = new QeBlock(new SgxReportBody(qeReport), qeReportSignature, qeAuthData, new CertificationData(certType, certData));
        error = null;
        return true;
    }

    private static QuoteFormatError Truncated(in SpanReader reader)
    {
        var field = reader.FailedField ?? Fields.Quote;
        return new QuoteFormatError(ErrorCode.QuoteTruncated, reader.FailedOffset, field,
            Invariant($"The quote ends before {field}: {reader.FailedLength} bytes needed at offset {reader.FailedOffset}, {reader.Remaining} left."));
    }

    private static QuoteFormatError Overflow(in SpanReader reader, int lengthOffset, string lengthField, uint declared) =>
        new(ErrorCode.QuoteLengthOverflow, lengthOffset, lengthField,
            Invariant($"{lengthField} at offset {lengthOffset} declares {declared} bytes, but only {reader.Remaining} are left at offset {reader.Offset}."));

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private readonly record struct QeBlock(
        SgxReportBody QeReport,
        ReadOnlyMemory<byte> QeReportSignature,
        ReadOnlyMemory<byte> QeAuthData,
        CertificationData CertificationData);

    /// <summary>Field names reported in <see cref="QuoteFormatError.Field"/>, after Intel's structure members.</summary>
    internal static class Fields
    {
        public const string Quote = "quote";
        public const string Header = "header";
        public const string Version = "header.version";
        public const string AttestationKeyType = "header.att_key_type";
        public const string TeeType = "header.tee_type";
        public const string QeVendorId = "header.qe_vendor_id";
        public const string BodyType = "body.type";
        public const string BodySize = "body.size";
        public const string ReportBody = "report_body";
        public const string TdReportBody = "td_report_body";
        public const string SignatureDataLength = "signature_data_len";
        public const string SignatureData = "signature_data";
        public const string IsvSignature = "signature_data.sig";
        public const string AttestationKey = "signature_data.attest_pub_key";
        public const string OuterCertificationDataType = "signature_data.certification_data.type";
        public const string OuterCertificationDataSize = "signature_data.certification_data.size";
        public const string OuterCertificationData = "signature_data.certification_data.data";
    }

    /// <summary>Field names of the QE report block, which appears in two places.</summary>
    private sealed class BlockFields
    {
        public static readonly BlockFields SignatureData = new("signature_data.");
        public static readonly BlockFields QeReportCertificationData = new("qe_report_certification_data.");

        private BlockFields(string prefix)
        {
            QeReport = prefix + "qe_report";
            QeReportSignature = prefix + "qe_report_sig";
            QeAuthDataSize = prefix + "qe_auth_data.size";
            QeAuthData = prefix + "qe_auth_data.data";
            CertificationDataType = prefix + "certification_data.type";
            CertificationDataSize = prefix + "certification_data.size";
            CertificationData = prefix + "certification_data.data";
        }

        public string QeReport { get; }

        public string QeReportSignature { get; }

        public string QeAuthDataSize { get; }

        public string QeAuthData { get; }

        public string CertificationDataType { get; }

        public string CertificationDataSize { get; }

        public string CertificationData { get; }
    }
}
