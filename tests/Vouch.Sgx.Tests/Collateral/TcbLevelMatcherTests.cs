using System.Text.Json.Nodes;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;

namespace Vouch.Sgx.Tests.Collateral;

/// <summary>TCB level ordering and matching against Intel QVL's choices in expected.json (dcap-verification §2.7).</summary>
public sealed class TcbLevelMatcherTests
{
    // Every case records matched_tcb_level_qvl_order (null = QVL found none). TDX cases need the quote's
    // TEE_TCB_SVN, which expected.json gives as quote.tee_tcb_svn; a TDX case without it is left out.
    private static IEnumerable<string> PlatformCaseNames() => DcapCases.Names().Where(c =>
    {
        var e = DcapCases.Expected(c);
        return e.AsObject().ContainsKey("matched_tcb_level_qvl_order")
            && ((string?)e["quote"]!["tee_type"] != "0x81" || e["quote"]!["tee_tcb_svn"] is not null);
    });

    public static TheoryData<string> PlatformCases => new(PlatformCaseNames());

    // MatchQe needs the QE report's ISVSVN (quote.qe_isvsvn); expected.json gives it for the SGX cases.
    public static TheoryData<string> QeCases => new(DcapCases.Names().Where(c =>
    {
        var e = DcapCases.Expected(c);
        return e.AsObject().ContainsKey("matched_qe_tcb_level") && e["quote"]!["qe_isvsvn"] is not null;
    }));

    private static TcbInfo TcbInfoOf(string caseName)
    {
        Assert.True(TcbInfo.TryParse(DcapCases.Bytes(caseName, "tcb_info.json"), out var tcbInfo, out var error), error?.ToString());
        return tcbInfo;
    }

    private static EnclaveIdentity IdentityOf(string caseName)
    {
        Assert.True(EnclaveIdentity.TryParse(DcapCases.Bytes(caseName, "qe_identity.json"), out var identity, out var error), error?.ToString());
        return identity;
    }

    private static TcbLevel? MatchCase(string caseName)
    {
        var expected = DcapCases.Expected(caseName);
        var pck = expected["pck"]!;
        var tee = (string?)expected["quote"]!["tee_tcb_svn"];
        var teeTcbSvn = tee is null ? [] : Convert.FromHexString(tee);
        return TcbLevelMatcher.MatchPlatform(TcbInfoOf(caseName), DcapCases.Ints(pck["sgx_tcb_comp_svn"]), (int)pck["pcesvn"]!, teeTcbSvn);
    }

    private static void AssertLevel(JsonNode expected, TcbLevel? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal((string)expected["tcbStatus"]!, actual.Status.ToIntelString());
        Assert.Equal(DcapCases.Date(expected["tcbDate"]), actual.TcbDate);
        Assert.Equal(DcapCases.Strings(expected["advisoryIDs"]), actual.AdvisoryIds);
    }

    [Fact]
    public void PlatformCases_CoverSgxAndTdx()
    {
        var cases = PlatformCaseNames().ToList();
        Assert.Contains("phala-tdx-v4-uptodate", cases);
        Assert.Contains("phala-tdx-v5-tcb-not-supported", cases);
        Assert.True(cases.Count >= 57);
    }

    [Theory]
    [MemberData(nameof(PlatformCases))]
    public void MatchPlatform_Vector_SelectsIntelsLevel(string caseName)
    {
        var expected = DcapCases.Expected(caseName)["matched_tcb_level_qvl_order"];

        var level = MatchCase(caseName);

        if (expected is null)
        {
            Assert.Null(level);
        }
        else
        {
            AssertLevel(expected, level);
        }
    }

    [Theory]
    [MemberData(nameof(QeCases))]
    public void MatchQe_Vector_SelectsIntelsLevel(string caseName)
    {
        var expected = DcapCases.Expected(caseName);
        var wanted = expected["matched_qe_tcb_level"];

        var level = TcbLevelMatcher.MatchQe(IdentityOf(caseName), (int)expected["quote"]!["qe_isvsvn"]!);

        if (wanted is null)
        {
            Assert.Null(level);
        }
        else
        {
            Assert.NotNull(level);
            Assert.Equal((int)wanted["isvsvn"]!, level.IsvSvn);
            Assert.Equal((string)wanted["tcbStatus"]!, level.Status.ToIntelString());
            Assert.Equal(DcapCases.Date(wanted["tcbDate"]), level.TcbDate);
            Assert.Equal(DcapCases.Strings(wanted["advisoryIDs"]), level.AdvisoryIds);
        }
    }

    // Level A [15,17,…] sorts above the PCK [16,16,…] only lexicographically; component-wise it is not
    // satisfied (17 > 16), so Intel takes level B [15,15,…] OutOfDate.
    [Fact]
    public void MatchPlatform_LexicographicTrap_ComparesComponentWise()
    {
        var tcbInfo = TcbInfoOf("synth-lexicographic-trap");

        var level = MatchCase("synth-lexicographic-trap");

        Assert.Equal(TcbStatus.UpToDate, tcbInfo.TcbLevels[0].Status);
        Assert.Equal(17, tcbInfo.TcbLevels[0].SgxComponents[1].Svn);
        Assert.Equal(tcbInfo.TcbLevels[1], level);
        Assert.Equal(TcbStatus.OutOfDate, level!.Status);
    }

    // The JSON lists an older OutOfDate level first; Intel's order puts the UpToDate level first.
    [Fact]
    public void MatchPlatform_UnsortedLevels_UsesIntelsOrder()
    {
        var tcbInfo = TcbInfoOf("synth-tcb-levels-unsorted");

        Assert.Equal(TcbStatus.OutOfDate, tcbInfo.TcbLevelsAsReceived[0].Status);
        Assert.Equal(TcbStatus.UpToDate, tcbInfo.TcbLevels[0].Status);
        Assert.Same(tcbInfo.TcbLevelsAsReceived[1], tcbInfo.TcbLevels[0]);
        Assert.Equal(tcbInfo.TcbLevels[0], MatchCase("synth-tcb-levels-unsorted"));
    }

    [Fact]
    public void MatchPlatform_PceSvnBelowEveryLevel_ReturnsNull() =>
        Assert.Null(MatchCase("synth-no-matching-tcb-level"));

    // The PCK's COMP01 INTEGER is 1 while its CPUSVN octets still say 0x10: Intel matches the INTEGERs
    // (OutOfDate); the octets would have matched the UpToDate level.
    [Fact]
    public void MatchPlatform_CpuSvnOctetsDisagree_UsesComponentIntegers()
    {
        var expected = DcapCases.Expected("synth-cpusvn-octets-disagree");
        var tcbInfo = TcbInfoOf("synth-cpusvn-octets-disagree");
        var pcesvn = (int)expected["pck"]!["pcesvn"]!;
        var octets = DcapCases.HexBytes(expected["pck"]!["cpusvn"]).Select(b => (int)b).ToArray();

        Assert.Equal(TcbStatus.OutOfDate, MatchCase("synth-cpusvn-octets-disagree")!.Status);
        Assert.Equal(TcbStatus.UpToDate, TcbLevelMatcher.MatchPlatform(tcbInfo, octets, pcesvn)!.Status);
    }

    [Fact]
    public void MatchPlatform_ExactlyAtLevel_Matches_OneBelow_DoesNot()
    {
        var tcbInfo = TcbInfoOf("synth-baseline-uptodate");
        var top = tcbInfo.TcbLevels[0];
        var components = top.SgxComponents.Select(c => c.Svn).ToArray();

        Assert.Same(top, TcbLevelMatcher.MatchPlatform(tcbInfo, components, top.PceSvn));
        Assert.NotSame(top, TcbLevelMatcher.MatchPlatform(tcbInfo, components, top.PceSvn - 1));
        var lowered = components.ToArray();
        lowered[0]--;
        Assert.NotSame(top, TcbLevelMatcher.MatchPlatform(tcbInfo, lowered, top.PceSvn));
    }

    // security-checklist C19: each of the 16 components one below the top level drops the platform below it.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    public void MatchPlatform_OneComponentBelowTopLevel_FallsBelowIt(int index)
    {
        var tcbInfo = TcbInfoOf("signal-cdsi-sgx-v3-2026");
        var top = tcbInfo.TcbLevels[0];
        var components = top.SgxComponents.Select(c => c.Svn + 1).ToArray();
        Assert.Same(top, TcbLevelMatcher.MatchPlatform(tcbInfo, components, top.PceSvn));

        components[index] = top.SgxComponents[index].Svn - 1;
        var matched = TcbLevelMatcher.MatchPlatform(tcbInfo, components, top.PceSvn);
        Assert.NotSame(top, matched);
        if (matched is not null)
        {
            Assert.True(matched.SgxComponents[index].Svn <= components[index]);
        }
    }

    // phala-tdx-v4: every level needs TDX component 0 ≥ 5. With TEE_TCB_SVN[1] > 0 indices 0 and 1 are
    // left to the TDX module identity check (§2.7 step 3); with TEE_TCB_SVN[1] = 0 they count.
    [Fact]
    public void MatchPlatform_Tdx_SkipsIndices0And1OnlyWhenTeeTcbSvn1IsSet()
    {
        var expected = DcapCases.Expected("phala-tdx-v4-uptodate");
        var tcbInfo = TcbInfoOf("phala-tdx-v4-uptodate");
        var components = DcapCases.Ints(expected["pck"]!["sgx_tcb_comp_svn"]);
        var pcesvn = (int)expected["pck"]!["pcesvn"]!;
        byte[] moduleVersioned = [0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] legacy = [0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] lateMicrocodeTooLow = [6, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.Equal(TcbStatus.UpToDate, TcbLevelMatcher.MatchPlatform(tcbInfo, components, pcesvn, moduleVersioned)!.Status);
        Assert.Null(TcbLevelMatcher.MatchPlatform(tcbInfo, components, pcesvn, legacy));
        Assert.Null(TcbLevelMatcher.MatchPlatform(tcbInfo, components, pcesvn, lateMicrocodeTooLow));
        Assert.NotNull(TcbLevelMatcher.MatchPlatform(tcbInfo, components, pcesvn));
    }

    [Fact]
    public void MatchQe_IsvSvnBetweenLevels_TakesFirstLowerOrEqualInJsonOrder()
    {
        var identity = IdentityOf(DcapCases.Genuine);

        Assert.Equal(8, TcbLevelMatcher.MatchQe(identity, 8)!.IsvSvn);
        Assert.Equal(8, TcbLevelMatcher.MatchQe(identity, 100)!.IsvSvn);
        Assert.Equal(6, TcbLevelMatcher.MatchQe(identity, 7)!.IsvSvn);
        Assert.Equal(TcbStatus.OutOfDate, TcbLevelMatcher.MatchQe(identity, 7)!.Status);
        Assert.Null(TcbLevelMatcher.MatchQe(identity, 0));
    }

    [Fact]
    public void MatchPlatform_BadArguments_Throw()
    {
        var tcbInfo = TcbInfoOf(DcapCases.Genuine);

        Assert.Throws<ArgumentNullException>(() => TcbLevelMatcher.MatchPlatform(null!, new int[16], 0));
        Assert.Throws<ArgumentNullException>(() => TcbLevelMatcher.MatchPlatform(tcbInfo, null!, 0));
        Assert.Throws<ArgumentException>(() => TcbLevelMatcher.MatchPlatform(tcbInfo, new int[15], 0));
        Assert.Throws<ArgumentException>(() => TcbLevelMatcher.MatchPlatform(tcbInfo, new int[16], 0, new byte[15]));
        Assert.Throws<ArgumentNullException>(() => TcbLevelMatcher.MatchQe(null!, 0));
        var shortLevel = tcbInfo.TcbLevels[0] with { SgxComponents = tcbInfo.TcbLevels[0].SgxComponents.Take(15).ToArray() };
        Assert.Throws<ArgumentException>(() => TcbLevelMatcher.MatchPlatform(tcbInfo with { TcbLevels = [shortLevel] }, new int[16], 0));
    }

    // Intel's operator>: SGX SVNs lexicographically, then pcesvn; checked on every vector.
    [Theory]
    [MemberData(nameof(TcbInfoVectorTests.Cases), MemberType = typeof(TcbInfoVectorTests))]
    public void TcbLevels_Vector_AreStrictlyDescending(string caseName)
    {
        var levels = TcbInfoOf(caseName).TcbLevels;

        for (int i = 1; i < levels.Count; i++)
        {
            var a = levels[i - 1].SgxComponents.Select(c => c.Svn).Append(levels[i - 1].PceSvn)
                .Concat(levels[i - 1].TdxComponents?.Select(c => c.Svn) ?? []).ToArray();
            var b = levels[i].SgxComponents.Select(c => c.Svn).Append(levels[i].PceSvn)
                .Concat(levels[i].TdxComponents?.Select(c => c.Svn) ?? []).ToArray();
            Assert.True(LexicographicallyGreater(a, b), $"{caseName}: level {i - 1} does not rank above level {i}");
        }
    }

    private static bool LexicographicallyGreater(int[] a, int[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i])
            {
                return a[i] > b[i];
            }
        }

        return false;
    }
}
