using System.Globalization;
using System.Text.Json;
using Vouch.Sgx.Primitives;
using Vouch.Sgx.Quotes;

namespace Vouch.Sgx.Tests.Quotes;

/// <summary>Every DCAP vector's quote, against the facts its <c>expected.json</c> records and Intel QVL's verdict.</summary>
public static class QuoteVectorTests
{
    /// <summary>
    /// The cases Intel QVL rejects with UNSUPPORTED_QUOTE_FORMAT, with the code Vouch reports and the offset of
    /// the field at fault.
    /// </summary>
    private static readonly Dictionary<string, (ErrorCode Code, int Offset)> FormatFailures = new(StringComparer.Ordinal)
    {
        // signature_data_len (432) still says 4298, but 200 bytes are gone.
        ["neg-truncated-quote"] = (ErrorCode.QuoteLengthOverflow, 432),
        // certification_data.size = 0xFFFFFFF0 at 436 + 576 + 2 + 32 + 2.
        ["neg-cert-data-size-overflow"] = (ErrorCode.QuoteLengthOverflow, 1048),
        // A v3 quote relabelled 4 (tee type 0, so an SGX body): the v4 layout puts the outer certification
        // data type at 436 + 128, inside the QE report, where it reads 0x1010 instead of 6.
        ["neg-header-version-4"] = (ErrorCode.QuoteCertificationDataTypeUnsupported, 564),
        ["synth-qe-vendor-id-zero"] = (ErrorCode.QuoteVendorIdUnknown, 12),
    };

    public static TheoryData<string> Cases => QuoteVectors.CasesWithQuoteSection();

    [Fact]
    public static void Vectors_AreAllThere() =>
        Assert.True(Cases.Count >= 57, $"only {Cases.Count} DCAP vectors with a quote section");

    [Fact]
    public static void FormatFailureTable_ListsExactlyTheCasesQvlRejectsAsUnsupportedFormat()
    {
        var rejected = QuoteVectors.AllCases().Where(name =>
        {
            using var expected = QuoteVectors.Expected(name);
            return QuoteVectors.IsFormatFailure(expected);
        });
        Assert.Equal(FormatFailures.Keys.Order(StringComparer.Ordinal), rejected);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public static void Vector_ParsesOrFailsAsIntelQvl(string caseName)
    {
        var bytes = QuoteVectors.Bytes(caseName);
        using var expected = QuoteVectors.Expected(caseName);
        if (QuoteVectors.IsFormatFailure(expected))
        {
            var error = QuoteVectors.Reject(bytes);
            var (code, offset) = FormatFailures[caseName];
            Assert.Equal(code, error.Code);
            Assert.Equal(offset, error.Offset);
            return;
        }

        var quote = QuoteVectors.Parse(bytes);
        var facts = expected.RootElement.GetProperty("quote");
        foreach (var fact in facts.EnumerateObject())
        {
            AssertFact(quote, fact.Name, fact.Value, caseName);
        }
    }

    [Fact]
    public static void IntelSample_HasCertificationDataType1AndEmptyQeAuthData()
    {
        var quote = QuoteVectors.Parse(QuoteVectors.Bytes(QuoteVectors.SgxV3IntelSample));
        Assert.Equal(CertificationData.PlainPpid, quote.Signature.CertificationData.Type);
        Assert.Equal(CertificationData.PlainPpid, quote.Signature.OuterCertificationDataType);
        Assert.Equal(0, quote.Signature.QeAuthData.Length);
        Assert.Equal(0, quote.IgnoredTrailingBytes);
    }

    [Theory]
    [InlineData("synth-qe-auth-data-empty", 0)]
    [InlineData("synth-qe-auth-data-64", 64)]
    [InlineData("synth-baseline-uptodate", 32)]
    public static void QeAuthData_AnyLength_Parses(string caseName, int length)
    {
        var quote = QuoteVectors.Parse(QuoteVectors.Bytes(caseName));
        Assert.Equal(length, quote.Signature.QeAuthData.Length);
    }

    [Fact]
    public static void TrailingZeroBytes_AreIgnoredAndCounted()
    {
        var quote = QuoteVectors.Parse(QuoteVectors.Bytes("edge-trailing-zero-bytes"));
        Assert.Equal(64, quote.IgnoredTrailingBytes);

        // The same quote without the padding parses to the same content.
        var original = QuoteVectors.Parse(QuoteVectors.Bytes(QuoteVectors.SgxV3));
        Assert.Equal(0, original.IgnoredTrailingBytes);
        Assert.True(original.SignedRegion.Span.SequenceEqual(quote.SignedRegion.Span));
        Assert.Equal(original.Signature, quote.Signature);
    }

    [Theory]
    [InlineData(QuoteVectors.TdxV4)]
    [InlineData("near-tdx-v4-uptodate")]
    public static void TdxV4_HasTdReport10AndNestedPckChain(string caseName)
    {
        var quote = QuoteVectors.Parse(QuoteVectors.Bytes(caseName));
        Assert.Equal(QuoteBodyType.TdReport10, quote.BodyType);
        Assert.Null(quote.SgxBody);
        Assert.NotNull(quote.TdBody);
        Assert.Equal(632, quote.SignedRegion.Length);
        Assert.Equal(CertificationData.QeReportCertificationData, quote.Signature.OuterCertificationDataType);
        Assert.Equal(CertificationData.PckCertificateChain, quote.Signature.CertificationData.Type);
        Assert.Equal(70, quote.IgnoredTrailingBytes);
        Assert.Equal(0, quote.TdBody.TeeTcbSvn2.Length);
        Assert.Equal(0, quote.TdBody.MrServiceTd.Length);
        Assert.True(quote.ReportData.Span.SequenceEqual(quote.TdBody.ReportData.Span));
        Assert.EndsWith("-----END CERTIFICATE-----\n\0", System.Text.Encoding.ASCII.GetString(quote.Signature.CertificationData.Data.Span), StringComparison.Ordinal);
    }

    [Fact]
    public static void TdxV5_HasTdReport15()
    {
        var bytes = QuoteVectors.Bytes(QuoteVectors.TdxV5);
        var quote = QuoteVectors.Parse(bytes);
        Assert.Equal(QuoteBodyType.TdReport15, quote.BodyType);
        Assert.NotNull(quote.TdBody);
        Assert.Equal(QuoteBodyType.TdReport15, quote.TdBody.Type);
        Assert.Equal(54 + 648, quote.SignedRegion.Length);
        Assert.True(quote.TdBody.TeeTcbSvn2.Span.SequenceEqual(bytes.AsSpan(54 + 584, 16)));
        Assert.True(quote.TdBody.MrServiceTd.Span.SequenceEqual(bytes.AsSpan(54 + 600, 48)));
        Assert.Equal(0, quote.IgnoredTrailingBytes);
    }

    [Fact]
    public static void SgxV3_SlicesTheInputAndSignsHeaderPlusBody()
    {
        var bytes = QuoteVectors.Bytes(QuoteVectors.SgxV3);
        var quote = QuoteVectors.Parse(bytes);
        Assert.Equal(QuoteBodyType.SgxEnclave, quote.BodyType);
        Assert.NotNull(quote.SgxBody);
        Assert.Null(quote.TdBody);
        Assert.True(quote.SignedRegion.Span.SequenceEqual(bytes.AsSpan(0, 432)));
        Assert.True(quote.Header.Raw.Span.SequenceEqual(bytes.AsSpan(0, 48)));
        Assert.True(quote.SgxBody.Raw.Span.SequenceEqual(bytes.AsSpan(48, 384)));
        Assert.True(quote.Signature.IsvSignature.Span.SequenceEqual(bytes.AsSpan(436, 64)));
        Assert.True(quote.Signature.AttestationKey.Span.SequenceEqual(bytes.AsSpan(500, 64)));
        Assert.True(quote.Signature.QeReport.Raw.Span.SequenceEqual(bytes.AsSpan(564, 384)));
        Assert.True(quote.Signature.QeReportSignature.Span.SequenceEqual(bytes.AsSpan(948, 64)));
        Assert.True(quote.ReportData.Span.SequenceEqual(quote.SgxBody.ReportData.Span));
        Assert.True(IntelQeVendorId.Matches(quote.Header.QeVendorId.Span));
        Assert.Equal(TeeType.Sgx, quote.Header.TeeType);
    }

    private static void AssertFact(Quote quote, string name, JsonElement value, string caseName)
    {
        var sgx = quote.SgxBody;
        var td = quote.TdBody;
        var signature = quote.Signature;
        object actual = name switch
        {
            "quote_version" => (long)quote.Header.Version,
            "att_key_type" => (long)quote.Header.AttestationKeyType,
            "tee_type" => "0x" + ((uint)quote.Header.TeeType).ToString("x", CultureInfo.InvariantCulture),
            "quote_len" => (long)quote.Raw.Length,
            "qe_svn" => (long)quote.Header.QeSvn,
            "pce_svn" => (long)quote.Header.PceSvn,
            "cpusvn" => Hex.ToLower(Sgx(sgx).CpuSvn.Span),
            "miscselect" => Hex.ToLower(Sgx(sgx).MiscSelectBytes.Span),
            "attributes" => Hex.ToLower(Sgx(sgx).Attributes.Span),
            "debug" => Sgx(sgx).IsDebug,
            "mrenclave" => Hex.ToLower(Sgx(sgx).MrEnclave.Span),
            "mrsigner" => Hex.ToLower(Sgx(sgx).MrSigner.Span),
            "isvprodid" => (long)Sgx(sgx).IsvProdId,
            "isvsvn" => (long)Sgx(sgx).IsvSvn,
            "config_svn" => (long)Sgx(sgx).ConfigSvn,
            "report_data" => Hex.ToLower(quote.ReportData.Span),
            "qe_auth_data_len" => (long)signature.QeAuthData.Length,
            "cert_data_type" => (long)signature.CertificationData.Type,
            "cert_data_len" => (long)signature.CertificationData.Data.Length,
            "qe_isvsvn" => (long)signature.QeReport.IsvSvn,
            "tee_tcb_svn" => Hex.ToLower(Td(td).TeeTcbSvn.Span),
            "td_attributes" => Hex.ToLower(Td(td).TdAttributes.Span),
            "mrtd" => Hex.ToLower(Td(td).MrTd.Span),
            _ => throw new Xunit.Sdk.XunitException($"{caseName}: expected.json quote.{name} has no comparison"),
        };
        object wanted = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.ToLowerInvariant(),
            JsonValueKind.Number => value.GetInt64(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new Xunit.Sdk.XunitException($"{caseName}: quote.{name} is {value.ValueKind}"),
        };
        Assert.True(Equals(wanted, actual), $"{caseName}: quote.{name} expected {wanted}, parsed {actual}");

        static SgxReportBody Sgx(SgxReportBody? body) => body ?? throw new Xunit.Sdk.XunitException("no SGX body");
        static TdReportBody Td(TdReportBody? body) => body ?? throw new Xunit.Sdk.XunitException("no TD body");
    }
}
