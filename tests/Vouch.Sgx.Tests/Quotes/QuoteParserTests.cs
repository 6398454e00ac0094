using System.Buffers.Binary;
using Vouch.Sgx.Quotes;

namespace Vouch.Sgx.Tests.Quotes;

/// <summary>The parse rules of dcap-verification §1.3/§1.4, one at a time, on quotes written by <see cref="QuoteBuilder"/>.</summary>
public static class QuoteParserTests
{
    [Fact]
    public static void Builder_DefaultV3_Parses()
    {
        var builder = new QuoteBuilder();
        var quote = QuoteVectors.Parse(builder.Build());
        Assert.Equal(3, quote.Header.Version);
        Assert.Equal(QuoteBodyType.SgxEnclave, quote.BodyType);
        Assert.True(quote.SgxBody!.Raw.Span.SequenceEqual(builder.Body));
        Assert.True(quote.Signature.IsvSignature.Span.SequenceEqual(builder.IsvSignature));
        Assert.True(quote.Signature.AttestationKey.Span.SequenceEqual(builder.AttestationKey));
        Assert.True(quote.Signature.QeReport.Raw.Span.SequenceEqual(builder.QeReport));
        Assert.True(quote.Signature.QeReportSignature.Span.SequenceEqual(builder.QeReportSignature));
        Assert.True(quote.Signature.QeAuthData.Span.SequenceEqual(builder.QeAuthData));
        Assert.True(quote.Signature.CertificationData.Data.Span.SequenceEqual(builder.CertificationData));
        Assert.Equal(5, quote.Signature.OuterCertificationDataType);
        Assert.Equal(432, quote.SignedRegion.Length);
    }

    [Fact]
    public static void SgxReportBody_FieldsSitAtTheirOffsets()
    {
        var raw = QuoteBuilder.Pattern(SgxReportBody.Size, 9);
        raw[48] = 0x07; // FLAGS: INITTED | DEBUG | MODE64BIT
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(56), 0xE7);
        BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(16), 0x01020304);
        BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(256), 0x1234);
        BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(258), 0x5678);
        BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan(260), 0x9ABC);
        var body = new SgxReportBody(raw);

        Assert.True(body.CpuSvn.Span.SequenceEqual(raw.AsSpan(0, 16)));
        Assert.Equal(0x01020304u, body.MiscSelect);
        Assert.True(body.MiscSelectBytes.Span.SequenceEqual(raw.AsSpan(16, 4)));
        Assert.True(body.IsvExtProdId.Span.SequenceEqual(raw.AsSpan(32, 16)));
        Assert.True(body.Attributes.Span.SequenceEqual(raw.AsSpan(48, 16)));
        Assert.Equal(BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(48)), body.Flags);
        Assert.Equal(0xE7ul, body.Xfrm);
        Assert.True(body.IsDebug);
        Assert.True(body.MrEnclave.Span.SequenceEqual(raw.AsSpan(64, 32)));
        Assert.True(body.MrSigner.Span.SequenceEqual(raw.AsSpan(128, 32)));
        Assert.True(body.ConfigId.Span.SequenceEqual(raw.AsSpan(192, 64)));
        Assert.Equal(0x1234, body.IsvProdId);
        Assert.Equal(0x5678, body.IsvSvn);
        Assert.Equal(0x9ABC, body.ConfigSvn);
        Assert.True(body.IsvFamilyId.Span.SequenceEqual(raw.AsSpan(304, 16)));
        Assert.True(body.ReportData.Span.SequenceEqual(raw.AsSpan(320, 64)));

        raw[48] = 0x05;
        Assert.False(new SgxReportBody(raw).IsDebug);
    }

    [Fact]
    public static void TdReportBody15_FieldsSitAtTheirOffsets()
    {
        var raw = QuoteBuilder.Pattern(TdReportBody.TdReport15Size, 10);
        var body = new TdReportBody(raw, QuoteBodyType.TdReport15);
        (ReadOnlyMemory<byte> Field, int Offset, int Length)[] fields =
        [
            (body.TeeTcbSvn, 0, 16), (body.MrSeam, 16, 48), (body.MrSignerSeam, 64, 48), (body.SeamAttributes, 112, 8),
            (body.TdAttributes, 120, 8), (body.Xfam, 128, 8), (body.MrTd, 136, 48), (body.MrConfigId, 184, 48),
            (body.MrOwner, 232, 48), (body.MrOwnerConfig, 280, 48), (body.Rtmr0, 328, 48), (body.Rtmr1, 376, 48),
            (body.Rtmr2, 424, 48), (body.Rtmr3, 472, 48), (body.ReportData, 520, 64), (body.TeeTcbSvn2, 584, 16),
            (body.MrServiceTd, 600, 48),
        ];
        foreach (var (field, offset, length) in fields)
        {
            Assert.True(field.Span.SequenceEqual(raw.AsSpan(offset, length)), $"field at {offset}");
        }
    }

    [Fact]
    public static void V4_SgxBody_ParsesAsQvlAccepts()
    {
        var quote = QuoteVectors.Parse(new QuoteBuilder { Version = 4, TeeType = 0 }.Build());
        Assert.Equal(QuoteBodyType.SgxEnclave, quote.BodyType);
        Assert.NotNull(quote.SgxBody);
        Assert.Equal(432, quote.SignedRegion.Length);
        Assert.Equal(CertificationData.QeReportCertificationData, quote.Signature.OuterCertificationDataType);
        Assert.Equal(CertificationData.PckCertificateChain, quote.Signature.CertificationData.Type);
    }

    [Fact]
    public static void V4_Tdx_SignsHeaderPlusTdReport()
    {
        var builder = new QuoteBuilder { Version = 4, TeeType = 0x81, Body = QuoteBuilder.Pattern(584, 11) };
        var quote = QuoteVectors.Parse(builder.Build());
        Assert.Equal(QuoteBodyType.TdReport10, quote.BodyType);
        Assert.Equal(632, quote.SignedRegion.Length);
        Assert.True(quote.TdBody!.Raw.Span.SequenceEqual(builder.Body));
    }

    [Theory]
    [InlineData(0u, 384, QuoteBodyType.SgxEnclave)]
    [InlineData(0x81u, 584, QuoteBodyType.TdReport10)]
    [InlineData(0x81u, 648, QuoteBodyType.TdReport15)]
    public static void V5_BodyDescriptor_SelectsTheBody(uint teeType, int size, QuoteBodyType expected)
    {
        var builder = new QuoteBuilder { Version = 5, TeeType = teeType, Body = QuoteBuilder.Pattern(size, 12) };
        var quote = QuoteVectors.Parse(builder.Build());
        Assert.Equal(expected, quote.BodyType);
        Assert.Equal(54 + size, quote.SignedRegion.Length);
        Assert.True(quote.ReportData.Span.SequenceEqual(
            builder.Build().AsSpan(54 + (expected == QuoteBodyType.SgxEnclave ? 320 : 520), 64)));
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)4)] // TD report 1.5 Ex (885 bytes) in newer QVL; not in Vouch's supported set.
    [InlineData((ushort)0xFFFF)]
    public static void V5_UnknownBodyType_Fails(ushort bodyType)
    {
        var error = QuoteVectors.Reject(new QuoteBuilder { Version = 5, TeeType = 0x81, BodyDescriptorType = bodyType, Body = new byte[648] }.Build());
        Assert.Equal(ErrorCode.QuoteBodyTypeUnsupported, error.Code);
        Assert.Equal(48, error.Offset);
    }

    [Theory]
    [InlineData(0u, (ushort)2, 584)]
    [InlineData(0u, (ushort)3, 648)]
    [InlineData(0x81u, (ushort)1, 384)]
    public static void V5_BodyTypeDisagreesWithTeeType_Fails(uint teeType, ushort bodyType, int size)
    {
        var error = QuoteVectors.Reject(new QuoteBuilder { Version = 5, TeeType = teeType, BodyDescriptorType = bodyType, Body = new byte[size] }.Build());
        Assert.Equal(ErrorCode.QuoteBodyTypeUnsupported, error.Code);
        Assert.Equal(48, error.Offset);
    }

    [Theory]
    [InlineData(0u, 383u)]
    [InlineData(0u, 385u)]
    [InlineData(0x81u, 648u)]
    [InlineData(0x81u, uint.MaxValue)]
    public static void V5_BodySizeDisagreesWithType_Fails(uint teeType, uint declaredSize)
    {
        var body = new byte[teeType == 0 ? 384 : 584];
        var error = QuoteVectors.Reject(new QuoteBuilder { Version = 5, TeeType = teeType, Body = body, BodyDescriptorSize = declaredSize }.Build());
        Assert.Equal(ErrorCode.QuoteBodyTypeUnsupported, error.Code);
        Assert.Equal(50, error.Offset);
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)1)]
    [InlineData((ushort)2)]
    [InlineData((ushort)6)]
    [InlineData((ushort)0xFFFF)]
    public static void Header_UnsupportedVersion_Fails(ushort version)
    {
        var bytes = new QuoteBuilder().Build();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, version);
        var error = QuoteVectors.Reject(bytes);
        Assert.Equal(ErrorCode.QuoteVersionUnsupported, error.Code);
        Assert.Equal(0, error.Offset);
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)1)]
    [InlineData((ushort)3)]
    public static void Header_KeyTypeOtherThanP256_Fails(ushort keyType)
    {
        var error = QuoteVectors.Reject(new QuoteBuilder { AttestationKeyType = keyType }.Build());
        Assert.Equal(ErrorCode.QuoteKeyTypeUnsupported, error.Code);
        Assert.Equal(2, error.Offset);
    }

    [Theory]
    [InlineData((ushort)3, 0x81u)]
    [InlineData((ushort)3, 1u)]
    [InlineData((ushort)4, 1u)]
    [InlineData((ushort)4, 0x80u)]
    [InlineData((ushort)5, 0xFFFFFFFFu)]
    public static void Header_UnsupportedTeeType_Fails(ushort version, uint teeType)
    {
        var error = QuoteVectors.Reject(new QuoteBuilder { Version = version, TeeType = teeType }.Build());
        Assert.Equal(ErrorCode.QuoteTeeTypeUnsupported, error.Code);
        Assert.Equal(4, error.Offset);
    }

    [Fact]
    public static void Header_OtherVendorId_Fails()
    {
        var vendor = (byte[])QuoteBuilder.IntelVendorId.Clone();
        vendor[15] ^= 1;
        var error = QuoteVectors.Reject(new QuoteBuilder { VendorId = vendor }.Build());
        Assert.Equal(ErrorCode.QuoteVendorIdUnknown, error.Code);
        Assert.Equal(12, error.Offset);
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)6)]
    [InlineData((ushort)7)]
    public static void V3_CertificationDataTypeOutside1To5_Fails(ushort type)
    {
        var error = QuoteVectors.Reject(new QuoteBuilder { CertificationDataType = type }.Build());
        Assert.Equal(ErrorCode.QuoteCertificationDataTypeUnsupported, error.Code);
        Assert.Equal(436 + 576 + 2 + 32, error.Offset);
    }

    [Theory]
    [InlineData((ushort)1)]
    [InlineData((ushort)2)]
    [InlineData((ushort)3)]
    [InlineData((ushort)4)]
    [InlineData((ushort)5)]
    public static void AnyVersion_CertificationDataTypes1To5_Parse(ushort type)
    {
        Assert.Equal(type, QuoteVectors.Parse(new QuoteBuilder { CertificationDataType = type }.Build()).Signature.CertificationData.Type);
        Assert.Equal(type, QuoteVectors.Parse(new QuoteBuilder { Version = 4, CertificationDataType = type }.Build()).Signature.CertificationData.Type);
    }

    [Theory]
    [InlineData((ushort)1)]
    [InlineData((ushort)5)]
    [InlineData((ushort)7)]
    public static void V4_OuterCertificationDataTypeOtherThan6_Fails(ushort type)
    {
        var error = QuoteVectors.Reject(new QuoteBuilder { Version = 4, TeeType = 0x81, Body = new byte[584], OuterCertificationDataType = type }.Build());
        Assert.Equal(ErrorCode.QuoteCertificationDataTypeUnsupported, error.Code);
        Assert.Equal(636 + 128, error.Offset);
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)6)]
    public static void V4_NestedCertificationDataTypeOutside1To5_Fails(ushort type)
    {
        var error = QuoteVectors.Reject(new QuoteBuilder { Version = 4, CertificationDataType = type }.Build());
        Assert.Equal(ErrorCode.QuoteCertificationDataTypeUnsupported, error.Code);
        Assert.Equal(436 + 128 + 6 + 384 + 64 + 2 + 32, error.Offset);
    }

    [Fact]
    public static void V4_BytesLeftInsideQeReportCertificationData_FailAsTrailingData()
    {
        var builder = new QuoteBuilder { Version = 4, QeReportCertificationDataExtra = [0] };
        var error = QuoteVectors.Reject(builder.Build());
        Assert.Equal(ErrorCode.QuoteTrailingData, error.Code);
        Assert.Equal(builder.Build().Length - 1, error.Offset);
    }

    [Theory]
    [InlineData((ushort)3)]
    [InlineData((ushort)4)]
    public static void BytesLeftInsideSignatureData_AreIgnoredAndCounted(ushort version)
    {
        var builder = new QuoteBuilder { Version = version, SignatureDataExtra = [1, 2, 3], Trailing = [0, 0] };
        var quote = QuoteVectors.Parse(builder.Build());
        Assert.Equal(5, quote.IgnoredTrailingBytes);
        Assert.True(quote.Signature.CertificationData.Data.Span.SequenceEqual(builder.CertificationData));
    }

    [Fact]
    public static void QeAuthDataSizePastSignatureData_FailsAsLengthOverflow()
    {
        var bytes = new QuoteBuilder().Build();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(436 + 576), ushort.MaxValue);
        var error = QuoteVectors.Reject(bytes);
        Assert.Equal(ErrorCode.QuoteLengthOverflow, error.Code);
        Assert.Equal(436 + 576, error.Offset);
    }

    /// <summary>Declared sizes: -1 stands for one more than the real size.</summary>
    [Theory]
    [InlineData(-1L)]
    [InlineData(0x7FFFFFFFL)]
    [InlineData(0x80000000L)]
    [InlineData(0xFFFFFFFFL)]
    public static void CertificationDataSizePastSignatureData_FailsAsLengthOverflow(long declared)
    {
        var bytes = new QuoteBuilder().Build();
        var sizeOffset = 436 + 576 + 2 + 32 + 2;
        OverwriteSize(bytes, sizeOffset, declared);
        var error = QuoteVectors.Reject(bytes);
        Assert.Equal(ErrorCode.QuoteLengthOverflow, error.Code);
        Assert.Equal(sizeOffset, error.Offset);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(0xFFFFFFFFL)]
    public static void V4_OuterCertificationDataSizePastSignatureData_FailsAsLengthOverflow(long declared)
    {
        var bytes = new QuoteBuilder { Version = 4 }.Build();
        var sizeOffset = 436 + 128 + 2;
        OverwriteSize(bytes, sizeOffset, declared);
        var error = QuoteVectors.Reject(bytes);
        Assert.Equal(ErrorCode.QuoteLengthOverflow, error.Code);
        Assert.Equal(sizeOffset, error.Offset);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(0xFFFFFFFFL)]
    public static void SignatureDataLengthPastEnd_FailsAsLengthOverflow(long declared)
    {
        var bytes = new QuoteBuilder().Build();
        OverwriteSize(bytes, 432, declared);
        var error = QuoteVectors.Reject(bytes);
        Assert.Equal(ErrorCode.QuoteLengthOverflow, error.Code);
        Assert.Equal(432, error.Offset);
    }

    [Fact]
    public static void SignatureDataLengthTooShortForFixedFields_FailsAsTruncated()
    {
        // signature_data_len covers the ISV signature and attestation key, but not the QE report.
        var bytes = new QuoteBuilder().Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(432), 128);
        var error = QuoteVectors.Reject(bytes);
        Assert.Equal(ErrorCode.QuoteTruncated, error.Code);
        Assert.Equal(436 + 128, error.Offset);
        Assert.Equal("signature_data.qe_report", error.Field);
    }

    [Fact]
    public static void SmallestQuote_HasMinSizeAndParses()
    {
        var bytes = new QuoteBuilder { QeAuthData = [], CertificationData = [] }.Build();
        Assert.Equal(Quote.MinSize, bytes.Length);
        Assert.Equal(1020, Quote.MinSize);
        var quote = QuoteVectors.Parse(bytes);
        Assert.Equal(0, quote.Signature.QeAuthData.Length);
        Assert.Equal(0, quote.Signature.CertificationData.Data.Length);
    }

    [Fact]
    public static void BelowMinSize_FailsAsTruncated()
    {
        var bytes = new QuoteBuilder { QeAuthData = [], CertificationData = [] }.Build();
        var error = QuoteVectors.Reject(bytes[..^1]);
        Assert.Equal(ErrorCode.QuoteTruncated, error.Code);
        Assert.Equal(Quote.MinSize - 1, error.Offset);
    }

    [Fact]
    public static void Empty_FailsAsTruncated() =>
        Assert.Equal(ErrorCode.QuoteTruncated, QuoteVectors.Reject([]).Code);

    [Fact]
    public static void AboveMaxSize_FailsAsTooLarge()
    {
        var bytes = new byte[Quote.MaxSize + 1];
        QuoteVectors.Bytes(QuoteVectors.SgxV3).CopyTo(bytes, 0);
        Assert.Equal(ErrorCode.QuoteTooLarge, QuoteVectors.Reject(bytes).Code);
    }

    [Fact]
    public static void ExactlyMaxSize_WithPadding_Parses()
    {
        var genuine = QuoteVectors.Bytes(QuoteVectors.SgxV3);
        var bytes = new byte[Quote.MaxSize];
        genuine.CopyTo(bytes, 0);
        Assert.Equal(Quote.MaxSize - genuine.Length, QuoteVectors.Parse(bytes).IgnoredTrailingBytes);
    }

    [Fact]
    public static void TryParse_SameBytesInDifferentArrays_GivesEqualQuotes()
    {
        var bytes = QuoteVectors.Bytes(QuoteVectors.TdxV4);
        var a = QuoteVectors.Parse(bytes);
        var b = QuoteVectors.Parse((byte[])bytes.Clone());
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(a.Signature, b.Signature);
        Assert.Equal(a.TdBody, b.TdBody);

        var other = QuoteVectors.Parse(QuoteVectors.Bytes("near-tdx-v4-uptodate"));
        Assert.NotEqual(a, other);
        Assert.NotEqual(a.TdBody, other.TdBody);
    }

    [Fact]
    public static void Records_RejectWrongSizesAndInconsistentBodies()
    {
        Assert.Throws<ArgumentException>(() => new SgxReportBody(new byte[383]));
        Assert.Throws<ArgumentException>(() => new QuoteHeader(new byte[49]));
        Assert.Throws<ArgumentException>(() => new TdReportBody(new byte[584], QuoteBodyType.TdReport15));
        Assert.Throws<ArgumentException>(() => new TdReportBody(new byte[384], QuoteBodyType.SgxEnclave));

        var quote = QuoteVectors.Parse(new QuoteBuilder().Build());
        var tdBody = new TdReportBody(new byte[584], QuoteBodyType.TdReport10);
        Assert.Throws<ArgumentException>(() => new Quote(quote.Raw, quote.Header, QuoteBodyType.TdReport10, quote.SgxBody, null, quote.SignedRegion, quote.Signature, 0));
        Assert.Throws<ArgumentException>(() => new Quote(quote.Raw, quote.Header, QuoteBodyType.SgxEnclave, quote.SgxBody, tdBody, quote.SignedRegion, quote.Signature, 0));
        Assert.Throws<ArgumentException>(() => new Quote(quote.Raw, quote.Header, QuoteBodyType.TdReport15, null, tdBody, quote.SignedRegion, quote.Signature, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Quote(quote.Raw, quote.Header, quote.BodyType, quote.SgxBody, null, quote.SignedRegion, quote.Signature, -1));
    }

    [Fact]
    public static void IntelQeVendorId_IsIntelsUuidBytes()
    {
        Assert.Equal(QuoteBuilder.IntelVendorId, IntelQeVendorId.Bytes.ToArray());
        Assert.Equal(IntelQeVendorId.Hex, Primitives.Hex.ToLower(IntelQeVendorId.Bytes));
        Assert.False(IntelQeVendorId.Matches(new byte[16]));
        Assert.False(IntelQeVendorId.Matches(IntelQeVendorId.Bytes[..15]));
    }

    private static void OverwriteSize(byte[] bytes, int offset, long declared)
    {
        var size = declared >= 0 ? (uint)declared : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset)) + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), size);
    }
}
