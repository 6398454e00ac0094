using System.Text;
using Vouch.Sgx.Collateral;

namespace Vouch.Sgx.Tests.Collateral;

/// <summary>Every vector's qe_identity.json against expected.json and collateral.json (dcap-verification §3.3, §3.4).</summary>
public sealed class EnclaveIdentityVectorTests
{
    public static TheoryData<string> Cases => DcapCases.All();

    private static EnclaveIdentity Parse(string caseName)
    {
        var ok = EnclaveIdentity.TryParse(DcapCases.Bytes(caseName, "qe_identity.json"), out var identity, out var error);
        Assert.True(ok, $"{caseName}: {error}");
        return identity!;
    }

    // No vector is designed to carry malformed QE Identity JSON (neg-qeidentity-* tamper with signed
    // bytes or supply the TD_QE identity), so every document must parse.
    [Theory]
    [MemberData(nameof(Cases))]
    public void TryParse_Vector_MatchesExpectedMeta(string caseName)
    {
        var identity = Parse(caseName);
        var meta = DcapCases.Expected(caseName)["qe_identity_meta"]!;

        var expectedId = (string)meta["id"]! switch
        {
            "QE" => EnclaveIdentityId.Qe,
            "TD_QE" => EnclaveIdentityId.TdQe,
            "QVE" => EnclaveIdentityId.Qve,
            "QAE" => EnclaveIdentityId.Qae,
            var other => throw new InvalidOperationException(other),
        };
        Assert.Equal(expectedId, identity.Id);
        Assert.Equal((int)meta["version"]!, identity.Version);
        Assert.Equal(DcapCases.Date(meta["issueDate"]), identity.IssueDate);
        Assert.Equal(DcapCases.Date(meta["nextUpdate"]), identity.NextUpdate);
        Assert.Equal((int)meta["tcbEvaluationDataNumber"]!, identity.TcbEvaluationDataNumber);
        Assert.Equal(DcapCases.HexBytes(meta["mrsigner"]), identity.MrSigner.ToArray());
        Assert.Equal((int)meta["isvprodid"]!, identity.IsvProdId);
        Assert.Equal(DcapCases.HexBytes(meta["miscselect"]), identity.MiscSelect.ToArray());
        Assert.Equal(DcapCases.HexBytes(meta["miscselectMask"]), identity.MiscSelectMask.ToArray());
        Assert.Equal(DcapCases.HexBytes(meta["attributes"]), identity.Attributes.ToArray());
        Assert.Equal(DcapCases.HexBytes(meta["attributesMask"]), identity.AttributesMask.ToArray());
        Assert.NotEmpty(identity.TcbLevels);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TryParse_Vector_KeepsExactSignedBodyAndSignature(string caseName)
    {
        var identity = Parse(caseName);
        var collateral = DcapCases.Collateral(caseName);

        Assert.Equal(Encoding.UTF8.GetBytes((string)collateral["qe_identity"]!), identity.SignedBodyRaw.ToArray());
        Assert.Equal(DcapCases.HexBytes(collateral["qe_identity_signature"]), identity.Signature.ToArray());
        Assert.Equal(identity.SignedBodyRaw.ToArray(), identity.SignedBody.ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Signature_OverSignedBody_VerifiesExactlyWhereIntelDoes(string caseName)
    {
        var identity = Parse(caseName);
        var stage = (string)DcapCases.Expected(caseName)["intel_qvl"]!["stages"]!["QeIdentity"]!;
        using var key = DcapCases.LeafKey(caseName, "qe_identity_issuer_chain.pem");

        Assert.Equal(!stage.Contains("INVALID_SIGNATURE", StringComparison.Ordinal), DcapCases.Verifies(key, identity.SignedBody, identity.Signature));
    }

    [Fact]
    public void TryParse_GenuineQe_ReadsLevelsInJsonOrder()
    {
        var identity = Parse(DcapCases.Genuine);

        Assert.Equal(8, identity.TcbLevels[0].IsvSvn);
        Assert.Equal(Verification.TcbStatus.UpToDate, identity.TcbLevels[0].Status);
        Assert.Equal(identity.TcbLevels.Select(l => l.IsvSvn).OrderDescending(), identity.TcbLevels.Select(l => l.IsvSvn));
        Assert.Equal(Parse(DcapCases.Genuine), identity);
    }
}
