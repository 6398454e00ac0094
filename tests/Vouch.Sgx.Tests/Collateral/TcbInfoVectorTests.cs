using System.Text;
using Vouch.Sgx.Collateral;

namespace Vouch.Sgx.Tests.Collateral;

/// <summary>Every vector's tcb_info.json against expected.json and collateral.json (dcap-verification §3.2, §3.4).</summary>
public sealed class TcbInfoVectorTests
{
    public static TheoryData<string> Cases => DcapCases.All();

    private static TcbInfo Parse(string caseName)
    {
        var ok = TcbInfo.TryParse(DcapCases.Bytes(caseName, "tcb_info.json"), out var tcbInfo, out var error);
        Assert.True(ok, $"{caseName}: {error}");
        return tcbInfo!;
    }

    [Fact]
    public void Vectors_ArePresent() => Assert.True(DcapCases.Names().Count() >= 57);

    // No vector is designed to carry malformed TCB Info JSON: the neg-tcbinfo-* cases tamper with
    // signed bytes or pair the wrong collateral, so every document must parse.
    [Theory]
    [MemberData(nameof(Cases))]
    public void TryParse_Vector_MatchesExpectedMeta(string caseName)
    {
        var tcbInfo = Parse(caseName);
        var meta = DcapCases.Expected(caseName)["tcb_info_meta"]!;

        var id = (string?)meta["id"];
        Assert.Equal(id == "TDX" ? TcbInfoId.Tdx : TcbInfoId.Sgx, tcbInfo.Id);
        Assert.Equal((int)meta["version"]!, tcbInfo.Version);
        if (id is null)
        {
            Assert.Equal(2, tcbInfo.Version);
        }

        Assert.Equal(DcapCases.Date(meta["issueDate"]), tcbInfo.IssueDate);
        Assert.Equal(DcapCases.Date(meta["nextUpdate"]), tcbInfo.NextUpdate);
        Assert.Equal(TimeSpan.Zero, tcbInfo.IssueDate.Offset);
        Assert.Equal(DcapCases.HexBytes(meta["fmspc"]), tcbInfo.Fmspc.ToArray());
        Assert.Equal(DcapCases.HexBytes(meta["pceId"]), tcbInfo.PceId.ToArray());
        Assert.Equal((int)meta["tcbType"]!, tcbInfo.TcbType);
        Assert.Equal((int)meta["tcbEvaluationDataNumber"]!, tcbInfo.TcbEvaluationDataNumber);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryParse_Vector_StructureFitsTheTee(string caseName)
    {
        var tcbInfo = Parse(caseName);

        Assert.NotEmpty(tcbInfo.TcbLevels);
        Assert.Equal(tcbInfo.TcbLevelsAsReceived.Count, tcbInfo.TcbLevels.Count);
        Assert.All(tcbInfo.TcbLevelsAsReceived, l => Assert.Contains(l, tcbInfo.TcbLevels));
        Assert.All(tcbInfo.TcbLevels, l => Assert.Equal(16, l.SgxComponents.Count));
        if (tcbInfo.Id == TcbInfoId.Tdx)
        {
            Assert.NotNull(tcbInfo.TdxModule);
            Assert.Equal(48, tcbInfo.TdxModule.MrSigner.Length);
            Assert.Equal(8, tcbInfo.TdxModule.Attributes.Length);
            Assert.Equal(8, tcbInfo.TdxModule.AttributesMask.Length);
            Assert.All(tcbInfo.TcbLevels, l => Assert.Equal(16, l.TdxComponents!.Count));
        }
        else
        {
            Assert.Null(tcbInfo.TdxModule);
            Assert.Empty(tcbInfo.TdxModuleIdentities);
            Assert.All(tcbInfo.TcbLevels, l => Assert.Null(l.TdxComponents));
        }

        if (tcbInfo.Version == 2)
        {
            Assert.All(tcbInfo.TcbLevels, l => Assert.All(l.SgxComponents, c => Assert.Null(c.Category)));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryParse_Vector_KeepsExactSignedBodyAndSignature(string caseName)
    {
        var tcbInfo = Parse(caseName);
        var collateral = DcapCases.Collateral(caseName);

        Assert.Equal(Encoding.UTF8.GetBytes((string)collateral["tcb_info"]!), tcbInfo.SignedBodyRaw.ToArray());
        Assert.Equal(DcapCases.HexBytes(collateral["tcb_info_signature"]), tcbInfo.Signature.ToArray());
        Assert.Equal(DcapCases.Bytes(caseName, "tcb_info.json"), tcbInfo.Document.ToArray());
        if (caseName is not (DcapCases.WhitespaceAdded or DcapCases.PrettyPrinted))
        {
            Assert.Equal(tcbInfo.SignedBodyRaw.ToArray(), tcbInfo.SignedBody.ToArray());
        }
    }

    [Fact]
    public void SignedBody_WhitespaceAdded_EqualsGenuineCompactBody()
    {
        var edited = Parse(DcapCases.WhitespaceAdded);
        var genuine = Parse(DcapCases.Genuine);

        Assert.Equal(genuine.SignedBodyRaw.ToArray(), edited.SignedBody.ToArray());
        Assert.NotEqual(edited.SignedBodyRaw.ToArray(), edited.SignedBody.ToArray());
        Assert.Equal(edited.SignedBodyRaw.Length - 1, edited.SignedBody.Length);
    }

    // The signature check the verifier will do: the TCB Signing leaf's key, SHA-256, raw r‖s, over SignedBody.
    // Intel QVL's "TCB info" stage says which vectors carry a bad signature.
    [Theory]
    [MemberData(nameof(Cases))]
    public void Signature_OverSignedBody_VerifiesExactlyWhereIntelDoes(string caseName)
    {
        var tcbInfo = Parse(caseName);
        var stage = (string)DcapCases.Expected(caseName)["intel_qvl"]!["stages"]!["TCB info"]!;
        using var key = DcapCases.LeafKey(caseName, "tcb_info_issuer_chain.pem");

        Assert.Equal(!stage.Contains("INVALID_SIGNATURE", StringComparison.Ordinal), DcapCases.Verifies(key, tcbInfo.SignedBody, tcbInfo.Signature));
    }

    [Fact]
    public void Signature_PrettyPrinted_VerifiesOnlyOverRawBytes()
    {
        var tcbInfo = Parse(DcapCases.PrettyPrinted);
        using var key = DcapCases.LeafKey(DcapCases.PrettyPrinted, "tcb_info_issuer_chain.pem");

        Assert.True(DcapCases.Verifies(key, tcbInfo.SignedBodyRaw, tcbInfo.Signature));
        Assert.False(DcapCases.Verifies(key, tcbInfo.SignedBody, tcbInfo.Signature));
    }

    [Fact]
    public void Signature_WhitespaceAdded_VerifiesOnlyOverCanonicalBytes()
    {
        var tcbInfo = Parse(DcapCases.WhitespaceAdded);
        using var key = DcapCases.LeafKey(DcapCases.WhitespaceAdded, "tcb_info_issuer_chain.pem");

        Assert.True(DcapCases.Verifies(key, tcbInfo.SignedBody, tcbInfo.Signature));
        Assert.False(DcapCases.Verifies(key, tcbInfo.SignedBodyRaw, tcbInfo.Signature));
    }

    [Fact]
    public void TryParse_TdxVector_ReadsModuleAndIdentities()
    {
        var tcbInfo = Parse("phala-tdx-v4-uptodate");

        Assert.Equal(new byte[48], tcbInfo.TdxModule!.MrSigner.ToArray());
        Assert.Equal(new byte[8], tcbInfo.TdxModule.Attributes.ToArray());
        Assert.Equal(Enumerable.Repeat((byte)0xFF, 8).ToArray(), tcbInfo.TdxModule.AttributesMask.ToArray());
        Assert.Equal(["TDX_03", "TDX_01"], tcbInfo.TdxModuleIdentities.Select(m => m.Id));
        var tdx01 = tcbInfo.TdxModuleIdentities[1];
        Assert.Equal([4, 2], tdx01.TcbLevels.Select(l => l.IsvSvn));
        Assert.Equal(Verification.TcbStatus.OutOfDate, tdx01.TcbLevels[1].Status);
        Assert.Equal(new TcbComponent(5, "OS/VMM", "TDX Module"), tcbInfo.TcbLevels[0].TdxComponents![0]);
        Assert.Equal(new TcbComponent(2, "BIOS", "Early Microcode Update"), tcbInfo.TcbLevels[0].SgxComponents[0]);
        Assert.Equal(new TcbComponent(0, null, null), tcbInfo.TcbLevels[0].SgxComponents[6]);
    }

    [Fact]
    public void TryParse_SameDocumentTwice_GivesEqualValues()
    {
        var a = Parse(DcapCases.Genuine);
        var b = Parse(DcapCases.Genuine);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, Parse("signal-dcap-sgx-v3-2023"));
        Assert.NotEqual(a, a with { TcbEvaluationDataNumber = a.TcbEvaluationDataNumber + 1 });
        Assert.NotEqual(a, a with { Fmspc = new byte[6] });
    }

    [Fact]
    public void TryParse_CallerBufferReused_ResultUnchanged()
    {
        var bytes = DcapCases.Bytes(DcapCases.Genuine, "tcb_info.json");
        Assert.True(TcbInfo.TryParse(bytes, out var tcbInfo, out _));
        var before = tcbInfo.SignedBodyRaw.ToArray();

        Array.Clear(bytes);

        Assert.Equal(before, tcbInfo.SignedBodyRaw.ToArray());
    }
}
