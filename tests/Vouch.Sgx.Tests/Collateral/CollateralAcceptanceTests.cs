using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;
using static Vouch.Sgx.Tests.Collateral.CollateralMalformedTests;

namespace Vouch.Sgx.Tests.Collateral;

/// <summary>Unusual but valid documents that must parse, and the signed-bytes rules (dcap-verification §3.4).</summary>
public sealed class CollateralAcceptanceTests
{
    private static readonly byte[] GenuineBody = Encoding.UTF8.GetBytes(SgxBody);

    private static TcbInfo ParseTcb(byte[] document)
    {
        Assert.True(TcbInfo.TryParse(document, out var tcbInfo, out var error), error?.ToString());
        return tcbInfo;
    }

    private static EnclaveIdentity ParseQe(byte[] document)
    {
        Assert.True(EnclaveIdentity.TryParse(document, out var identity, out var error), error?.ToString());
        return identity;
    }

    // Alibaba's PCCS serves "signature" first (openenclave issue #4308).
    [Fact]
    public void TcbInfo_SignatureBeforeBody_Parses()
    {
        var tcbInfo = ParseTcb(Utf8("{\"signature\":\"" + SgxSignature + "\",\"tcbInfo\":" + SgxBody + "}"));

        Assert.Equal(GenuineBody, tcbInfo.SignedBodyRaw.ToArray());
        Assert.Equal(GenuineBody, tcbInfo.SignedBody.ToArray());
        Assert.Equal(Convert.FromHexString(SgxSignature), tcbInfo.Signature.ToArray());
    }

    [Fact]
    public void TcbInfo_WhitespaceAroundTopLevelTokens_KeepsBodyExact()
    {
        var tcbInfo = ParseTcb(Utf8(" \r\n{ \"tcbInfo\" :\t" + SgxBody + " ,\n \"signature\" : \"" + SgxSignature + "\" }\n"));

        Assert.Equal(GenuineBody, tcbInfo.SignedBodyRaw.ToArray());
        Assert.Equal(GenuineBody, tcbInfo.SignedBody.ToArray());
    }

    // The body re-indented everywhere: QVL's compact re-serialization gives back the signed bytes, so the
    // genuine signature verifies over SignedBody.
    [Fact]
    public void TcbInfo_IndentedBody_CanonicalFormIsTheSignedBytes()
    {
        var indented = JsonNode.Parse(SgxBody)!.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        var tcbInfo = ParseTcb(Utf8("{\"tcbInfo\":" + indented + ",\"signature\":\"" + SgxSignature + "\"}"));
        using var key = DcapCases.LeafKey(DcapCases.Genuine, "tcb_info_issuer_chain.pem");

        Assert.NotEqual(GenuineBody.Length, tcbInfo.SignedBodyRaw.Length);
        Assert.Equal(GenuineBody, tcbInfo.SignedBody.ToArray());
        Assert.True(DcapCases.Verifies(key, tcbInfo.SignedBody, tcbInfo.Signature));
    }

    [Theory]
    [InlineData("no whitespace", "{\"a\":\"x y\",\"b\":[1,2]}", "{\"a\":\"x y\",\"b\":[1,2]}")]
    [InlineData("around tokens", " { \"a\" : \"x y\" ,\n\t\"b\" : [ 1 , 2 ] } ", "{\"a\":\"x y\",\"b\":[1,2]}")]
    [InlineData("escaped quote in string", "{ \"a\" : \"x \\\" y\" }", "{\"a\":\"x \\\" y\"}")]
    [InlineData("escaped backslash before quote", "{ \"a\" : \"x \\\\\" , \"b\" : \" \" }", "{\"a\":\"x \\\\\",\"b\":\" \"}")]
    [InlineData("space in key", "{ \"a b\" : 1 }", "{\"a b\":1}")]
    public void Compact_RemovesOnlyInsignificantWhitespace(string label, string json, string expected)
    {
        Assert.NotEmpty(label);
        Assert.Equal(expected, Encoding.UTF8.GetString(SignedEnvelope.Compact(Encoding.UTF8.GetBytes(json)).Span));
    }

    [Fact]
    public void Compact_NoWhitespace_ReturnsSameMemory()
    {
        ReadOnlyMemory<byte> body = GenuineBody;

        var compact = SignedEnvelope.Compact(body);

        Assert.True(MemoryMarshal.TryGetArray(compact, out var segment));
        Assert.Same(GenuineBody, segment.Array);
        Assert.Equal(body.Length, compact.Length);
    }

    [Fact]
    public void TcbInfo_EscapedMemberName_IsTheSameMember()
    {
        var tcbInfo = ParseTcb(Edit(SgxDoc, "\"id\":\"SGX\"", "\"\\u0069d\":\"S\\u0047X\""));

        Assert.Equal(TcbInfoId.Sgx, tcbInfo.Id);
    }

    [Fact]
    public void TcbInfo_UnknownMemberInBody_IsIgnoredButSigned()
    {
        var tcbInfo = ParseTcb(Edit(SgxDoc, "\"tcbType\":0,", "\"tcbType\":0,\"future\":{\"x\":[1,\"\\uD800\"]},"));

        Assert.Equal(21, tcbInfo.TcbEvaluationDataNumber);
        Assert.Contains("\"future\":{", Encoding.UTF8.GetString(tcbInfo.SignedBody.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void TcbInfo_LowerCaseFmspc_GivesTheSameBytes()
    {
        var tcbInfo = ParseTcb(Edit(SgxDoc, "\"00606A000000\"", "\"00606a000000\""));

        Assert.Equal(new byte[] { 0x00, 0x60, 0x6A, 0x00, 0x00, 0x00 }, tcbInfo.Fmspc.ToArray());
    }

    [Fact]
    public void TcbInfo_FractionalSeconds_AreRfc3339()
    {
        var tcbInfo = ParseTcb(Edit(SgxDoc, "2026-07-30T16:11:16Z", "2026-07-30T16:11:16.250Z"));

        Assert.Equal(new DateTimeOffset(2026, 7, 30, 16, 11, 16, 250, TimeSpan.Zero), tcbInfo.IssueDate);
    }

    [Fact]
    public void TcbInfo_Depth16_Parses() => ParseTcb(Nested(14));

    [Fact]
    public void TcbInfo_ExactlyOneMiB_Parses_OneMoreByte_DoesNot()
    {
        var limit = SignedEnvelope.MaxDocumentBytes;
        var atLimit = Utf8(SgxDoc + new string(' ', limit - Encoding.UTF8.GetByteCount(SgxDoc)));
        var over = Utf8(SgxDoc + new string(' ', limit + 1 - Encoding.UTF8.GetByteCount(SgxDoc)));

        Assert.Equal(limit, atLimit.Length);
        ParseTcb(atLimit);
        Assert.False(TcbInfo.TryParse(over, out _, out var error));
        Assert.Equal(ErrorCode.TcbInfoMalformed, error.Code);
    }

    // Version 2 has no id; QVL ignores one if present and treats the TCB Info as SGX.
    [Fact]
    public void TcbInfo_V2WithId_IsSgx()
    {
        var tcbInfo = ParseTcb(Edit(V2Doc, "{\"tcbInfo\":{", "{\"tcbInfo\":{\"id\":\"TDX\","));

        Assert.Equal(TcbInfoId.Sgx, tcbInfo.Id);
        Assert.Null(tcbInfo.TcbLevels[0].TdxComponents);
    }

    [Fact]
    public void TcbInfo_V2_ReadsFlatComponents()
    {
        var tcbInfo = ParseTcb(Utf8(V2Doc));

        Assert.Equal([4, 4, 3, 3, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], tcbInfo.TcbLevels[0].SgxComponents.Select(c => c.Svn));
        Assert.Equal(11, tcbInfo.TcbLevels[0].PceSvn);
        Assert.Empty(tcbInfo.TcbLevels[0].AdvisoryIds);
    }

    [Fact]
    public void EnclaveIdentity_EmptyMrSigner_MeansUnchecked()
    {
        var identity = ParseQe(Edit(QeDoc, "\"mrsigner\":\"8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF\"", "\"mrsigner\":\"\""));

        Assert.True(identity.MrSigner.IsEmpty);
    }

    [Theory]
    [InlineData("QVE", EnclaveIdentityId.Qve)]
    [InlineData("QAE", EnclaveIdentityId.Qae)]
    [InlineData("TD_QE", EnclaveIdentityId.TdQe)]
    public void EnclaveIdentity_OtherIds_Parse(string id, EnclaveIdentityId expected) =>
        Assert.Equal(expected, ParseQe(Edit(QeDoc, "\"id\":\"QE\"", "\"id\":\"" + id + "\"")).Id);

    [Fact]
    public void EnclaveIdentity_Version3_Parses() =>
        Assert.Equal(3, ParseQe(Edit(QeDoc, "\"version\":2", "\"version\":3")).Version);

    // QE levels in Intel data are UpToDate/OutOfDate/Revoked; any valid status string is accepted.
    [Fact]
    public void EnclaveIdentity_AnyValidStatus_Parses() =>
        Assert.Equal(TcbStatus.SWHardeningNeeded,
            ParseQe(Edit(QeDoc, "\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"SWHardeningNeeded\"")).TcbLevels[0].Status);

    // Intel walks QE levels in JSON order: with isvsvn 3 listed first, an ISVSVN of 7 matches it, not 6.
    [Fact]
    public void EnclaveIdentity_LevelsKeepJsonOrder()
    {
        var identity = ParseQe(Edit(QeDoc, "{\"isvsvn\":8}", "{\"isvsvn\":3}"));

        Assert.Equal([3, 6, 5, 4, 2, 1], identity.TcbLevels.Select(l => l.IsvSvn));
        Assert.Equal(3, TcbLevelMatcher.MatchQe(identity, 7)!.IsvSvn);
    }
}
