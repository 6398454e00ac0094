using System.Text.Json;
using Vouch.Simulator.Authority;
using Vouch.Simulator.Dcap;
using Vouch.Simulator.Platform;
using Vouch.Simulator.Tests.Authority;
using Vouch.Tests.Shared;

namespace Vouch.Simulator.Tests.Dcap;

public static class DcapCaseWriterTests
{
    private static readonly Lazy<(string Directory, DcapCase Case)> Written = new(() =>
    {
        var directory = TempDirectory.Create().Path;
        var c = new DcapScenario { At = SimulatedIntelTests.T0, PlatformTcbStatus = TcbLevelStatus.SWHardeningNeeded }
            .Build(SimulatedIntelTests.Authority, SimulatedPlatform.CreateInMemory());
        c.WriteTo(directory);
        return (directory, c);
    });

    private static string Real(string file) => TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026", file);

    private static string Synth(string file) => TestVectors.Path("dcap", "synth-baseline-uptodate", file);

    private static string Ours(string file) => Path.Combine(Written.Value.Directory, file);

    [Fact]
    public static void WriteTo_Folder_HasTheVectorLayoutPlusFacts()
    {
        var written = Directory.GetFiles(Written.Value.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(DcapCase.FileNames.Order(StringComparer.Ordinal), written);

        // Every PCS-native file of a synthetic vector folder is there (it has collateral.json and expected.json instead of facts.json).
        var synth = Directory.GetFiles(TestVectors.Path("dcap", "synth-baseline-uptodate")).Select(Path.GetFileName).Where(n => n is not "collateral.json" and not "expected.json");
        Assert.All(synth, name => Assert.True(File.Exists(Ours(name!)), name));
    }

    [Fact]
    public static void WriteTo_Quote_IsTheBuiltQuote() =>
        Assert.Equal(Written.Value.Case.Quote, File.ReadAllBytes(Ours("quote.bin")));

    [Theory]
    [InlineData("tcb_info.json")]
    [InlineData("qe_identity.json")]
    public static void WriteTo_CollateralJson_HasPcsMemberOrderCompactAndLowerHexSignature(string file)
    {
        var ours = File.ReadAllText(Ours(file));
        var real = File.ReadAllText(Real(file));

        Assert.Equal(MemberPaths(real), MemberPaths(ours));
        Assert.DoesNotContain('\n', ours);
        Assert.DoesNotContain(": ", ours, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(ours);
        var signature = doc.RootElement.GetProperty("signature").GetString()!;
        Assert.Equal(128, signature.Length);
        Assert.Equal(signature.ToLowerInvariant(), signature);
        var wrapper = file == "tcb_info.json" ? "tcbInfo" : "enclaveIdentity";
        Assert.Equal([wrapper, "signature"], doc.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public static void WriteTo_QeIdentity_HasIntelsQeValues()
    {
        using var ours = JsonDocument.Parse(File.ReadAllText(Ours("qe_identity.json")));
        using var real = JsonDocument.Parse(File.ReadAllText(Real("qe_identity.json")));
        foreach (var name in new[] { "id", "version", "miscselect", "miscselectMask", "attributes", "attributesMask", "mrsigner", "isvprodid" })
        {
            Assert.Equal(real.RootElement.GetProperty("enclaveIdentity").GetProperty(name).GetRawText(), ours.RootElement.GetProperty("enclaveIdentity").GetProperty(name).GetRawText());
        }
    }

    [Fact]
    public static void WriteTo_TcbInfo_HasPcsHeaderValues()
    {
        using var ours = JsonDocument.Parse(File.ReadAllText(Ours("tcb_info.json")));
        var body = ours.RootElement.GetProperty("tcbInfo");
        Assert.Equal("SGX", body.GetProperty("id").GetString());
        Assert.Equal(3, body.GetProperty("version").GetInt32());
        Assert.Equal("00606A000000", body.GetProperty("fmspc").GetString());
        Assert.Equal("0000", body.GetProperty("pceId").GetString());
        Assert.Equal(0, body.GetProperty("tcbType").GetInt32());
        Assert.Equal("2026-07-30T16:31:28Z", body.GetProperty("issueDate").GetString());
        Assert.Equal("2026-08-29T16:31:28Z", body.GetProperty("nextUpdate").GetString());
        Assert.All(body.GetProperty("tcbLevels").EnumerateArray(), l => Assert.Equal(16, l.GetProperty("tcb").GetProperty("sgxtcbcomponents").GetArrayLength()));
    }

    [Theory]
    [InlineData("tcb_info_issuer_chain.pem")]
    [InlineData("qe_identity_issuer_chain.pem")]
    [InlineData("pck_crl_issuer_chain.pem")]
    public static void WriteTo_IssuerChains_HaveTheRealChainsNamesAndLayout(string file)
    {
        var ours = File.ReadAllText(Ours(file));
        var real = File.ReadAllText(Real(file));
        Assert.Equal(
            Pki.ParsePemChain(real).Select(c => Convert.ToHexString(c.SubjectName.RawData)),
            Pki.ParsePemChain(ours).Select(c => Convert.ToHexString(c.SubjectName.RawData)));
        Assert.EndsWith("-----END CERTIFICATE-----\n", ours, StringComparison.Ordinal);
    }

    [Fact]
    public static void WriteTo_Crls_AreDerWithTheRealIssuerNames()
    {
        Assert.Equal(Pki.ParseCrl(File.ReadAllBytes(Real("pck_crl.der"))).IssuerRaw, Pki.ParseCrl(File.ReadAllBytes(Ours("pck_crl.der"))).IssuerRaw);
        Assert.Equal(Pki.ParseCrl(File.ReadAllBytes(Real("root_ca_crl.der"))).IssuerRaw, Pki.ParseCrl(File.ReadAllBytes(Ours("root_ca_crl.der"))).IssuerRaw);
    }

    [Fact]
    public static void WriteTo_TrustedRoot_IsTheTestRootLikeSyntheticVectors()
    {
        var ours = Pki.ParsePemChain(File.ReadAllText(Ours("trusted_root.pem")));
        var synth = Pki.ParsePemChain(File.ReadAllText(Synth("trusted_root.pem")));
        Assert.Single(ours);
        Assert.Equal(SimulatedIntelTests.Authority.RootCertificate.Thumbprint, ours[0].Thumbprint);
        Assert.Equal(synth[0].SubjectName.RawData, ours[0].SubjectName.RawData);
    }

    [Fact]
    public static void WriteTo_Facts_NameIdentityPlatformAndVerdict()
    {
        using var facts = JsonDocument.Parse(File.ReadAllText(Ours("facts.json")));
        var f = facts.RootElement;
        var c = Written.Value.Case;
        Assert.Equal(Convert.ToHexStringLower(c.Facts.MrEnclave), f.GetProperty("mrEnclave").GetString());
        Assert.Equal(Convert.ToHexStringLower(c.Facts.MrSigner), f.GetProperty("mrSigner").GetString());
        Assert.Equal(1, f.GetProperty("isvProdId").GetInt32());
        Assert.Equal(1, f.GetProperty("isvSvn").GetInt32());
        Assert.False(f.GetProperty("debug").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(DcapScenario.DefaultReportData), f.GetProperty("reportData").GetString());
        Assert.Equal("00606A000000", f.GetProperty("fmspc").GetString());
        Assert.Equal("SWHardeningNeeded", f.GetProperty("tcbStatus").GetString());
        Assert.Equal(["INTEL-SA-00615"], f.GetProperty("advisoryIds").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(JsonValueKind.Null, f.GetProperty("expectedError").ValueKind);
        Assert.Equal(1785432688, f.GetProperty("verificationTime").GetInt64());
        Assert.Equal(["PlatformTcbStatus=SWHardeningNeeded"], f.GetProperty("faults").EnumerateArray().Select(a => a.GetString()));
    }

    // Member names by JSON path, in document order, ignoring the optional "category"/"type" of real components.
    private static List<string> MemberPaths(string json)
    {
        var paths = new List<string>();
        using var doc = JsonDocument.Parse(json);
        Walk(doc.RootElement, "", paths);
        return [.. paths.Distinct()];
    }

    private static void Walk(JsonElement element, string path, List<string> paths)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in element.EnumerateObject())
            {
                if (member.Name is "category" or "type" || (member.Name == "advisoryIDs" && path.EndsWith("enclaveIdentity.tcbLevels[]", StringComparison.Ordinal)))
                {
                    continue;
                }

                paths.Add(path + "." + member.Name);
                Walk(member.Value, path + "." + member.Name, paths);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Walk(item, path + "[]", paths);
            }
        }
    }
}
