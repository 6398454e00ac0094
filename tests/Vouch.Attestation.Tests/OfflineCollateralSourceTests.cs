using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vouch.Attestation.Collateral;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;
using Vouch.Tests.Shared;

namespace Vouch.Attestation.Tests;

/// <summary>
/// <see cref="OfflineCollateralSource"/> over copies of the DCAP vector folders (made in a temp folder per test)
/// and, read in place, over the whole <c>dcap/</c> tree.
/// </summary>
public sealed class OfflineCollateralSourceTests : IDisposable
{
    // FMSPC 00606a000000, SGX, genuine Intel PCK Platform CA.
    private const string Cdsi = "signal-cdsi-sgx-v3-2026";
    // FMSPC 00a067110000, SGX, genuine Intel PCK Processor CA.
    private const string PhalaSgx = "phala-sgx-v3-config-swhardening";
    // FMSPC b0c06f000000, TDX, Platform CA.
    private const string PhalaTdx = "phala-tdx-v4-uptodate";
    // FMSPC 20a06f000000, TDX.
    private const string NearTdx = "near-tdx-v4-uptodate";
    // Certification data type 1 (clear PPID, no chain); the folder's pck_cert_chain.pem carries the PCK leaf.
    private const string IntelSample = "intel-qvl-sample-sgx-v3-testroot";
    // Genuine TDX TCB Info of FMSPC b0c06f000000 beside a Processor CA CRL (its quote is Phala's SGX one).
    private const string WrongFmspcAndTee = "neg-tcbinfo-wrong-fmspc-and-tee";

    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1785432688);

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vouch-offline-collateral");
    private readonly FakeTimeProvider _clock = new(At);

    public void Dispose() => _temp.Delete(recursive: true);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string NewRoot(params string[] cases)
    {
        var root = Path.Combine(_temp.FullName, "root-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        foreach (var name in cases)
        {
            CopyCase(name, Path.Combine(root, name));
        }

        return root;
    }

    private static void CopyCase(string name, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(TestVectors.Path("dcap", name)))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }
    }

    private static Quote QuoteOf(string name)
    {
        Assert.True(Quote.TryParse(File.ReadAllBytes(TestVectors.Path("dcap", name, "quote.bin")), out var quote, out var error), error?.ToString());
        return quote;
    }

    /// <summary>SHA-256 of every collateral field, so two collaterals compare by content.</summary>
    private static string Digest(QuoteCollateral collateral) => string.Join(
        ' ',
        new[]
        {
            collateral.TcbInfo, collateral.TcbInfoIssuerChain, collateral.QeIdentity, collateral.QeIdentityIssuerChain,
            collateral.PckCrl, collateral.RootCaCrl, collateral.PckCrlIssuerChain, collateral.PckCertificateChain ?? ReadOnlyMemory<byte>.Empty,
        }.Select(b => Convert.ToHexStringLower(SHA256.HashData(b.Span))));

    private static string DigestOfFolder(string folder)
    {
        Assert.True(DirectoryCollateralSource.TryLoad(folder, out var collateral, out var error), error);
        return Digest(collateral);
    }

    private static string DigestOfCase(string name) => DigestOfFolder(TestVectors.Path("dcap", name));

    private static string? TcbFmspc(QuoteCollateral collateral) =>
        JsonNode.Parse(collateral.TcbInfo.Span)!["tcbInfo"]!["fmspc"]!.GetValue<string>().ToLowerInvariant();

    private static async Task<string?> DigestFor(OfflineCollateralSource source, string caseName) =>
        await source.GetCollateralAsync(QuoteOf(caseName), At, Cancel) is { } collateral ? Digest(collateral) : null;

    [Fact]
    public async Task RootOfSeveralCases_EachQuoteGetsItsOwnCasesCollateral()
    {
        // WrongFmspcAndTee shares PhalaTdx's FMSPC and TEE but carries a Processor CA CRL: PhalaTdx's quote, whose
        // PCK leaf is from the Platform CA, must still get its own folder (CA preference), whatever the order.
        var source = new OfflineCollateralSource(NewRoot(Cdsi, PhalaSgx, PhalaTdx, NearTdx, IntelSample, WrongFmspcAndTee), _clock);

        Assert.Empty(source.Problems);
        Assert.Equal(6, source.Folders.Count);
        foreach (var name in new[] { Cdsi, PhalaSgx, PhalaTdx, NearTdx, IntelSample })
        {
            Assert.Equal(DigestOfCase(name), await DigestFor(source, name));
        }
    }

    [Fact]
    public async Task OnlyAFolderOfTheOtherCa_IsUsedAsFmspcOnlyFallback()
    {
        // PhalaTdx's quote is from the Platform CA; the only b0c06f000000 TDX folder has a Processor CA CRL.
        var source = new OfflineCollateralSource(NewRoot(WrongFmspcAndTee), _clock);

        Assert.Equal(DigestOfCase(WrongFmspcAndTee), await DigestFor(source, PhalaTdx));
    }

    [Fact]
    public async Task UnknownFmspc_ReturnsNull()
    {
        var source = new OfflineCollateralSource(NewRoot(Cdsi, NearTdx), _clock);

        Assert.Null(await DigestFor(source, PhalaSgx));
        Assert.Null(await DigestFor(source, PhalaTdx));
        // The SGX quote of this case has FMSPC 00a067110000; its own folder holds TDX TCB Info of b0c06f000000.
        Assert.Null(await DigestFor(new OfflineCollateralSource(NewRoot(WrongFmspcAndTee), _clock), WrongFmspcAndTee));
    }

    [Fact]
    public async Task TcbInfoForAnotherTee_IsNotServed()
    {
        var root = NewRoot(PhalaSgx);
        var tcbInfo = Path.Combine(root, PhalaSgx, "tcb_info.json");
        var text = File.ReadAllText(tcbInfo);
        Assert.Contains("\"id\":\"SGX\"", text, StringComparison.Ordinal);
        File.WriteAllText(tcbInfo, text.Replace("\"id\":\"SGX\"", "\"id\":\"TDX\"", StringComparison.Ordinal));

        var source = new OfflineCollateralSource(root, _clock);

        Assert.Single(source.Folders);
        Assert.Null(await DigestFor(source, PhalaSgx));
    }

    [Fact]
    public async Task QuoteWithoutUsableCertificationData_ReturnsNull()
    {
        var source = new OfflineCollateralSource(NewRoot(Cdsi), _clock);
        var quote = QuoteOf(Cdsi);
        var garbled = quote.Signature.CertificationData with { Data = Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n") };
        var ppidOnly = quote.Signature.CertificationData with { Type = CertificationData.EncryptedPpid2048, Data = new byte[384 + 36] };

        Assert.NotNull(await source.GetCollateralAsync(quote, At, Cancel));
        Assert.Null(await source.GetCollateralAsync(WithCertificationData(quote, garbled), At, Cancel));
        Assert.Null(await source.GetCollateralAsync(WithCertificationData(quote, ppidOnly), At, Cancel));
    }

    private static Quote WithCertificationData(Quote quote, CertificationData certification)
    {
        var s = quote.Signature;
        var signature = new QuoteSignatureData(s.IsvSignature, s.AttestationKey, s.QeReport, s.QeReportSignature, s.QeAuthData, certification, s.OuterCertificationDataType);
        return new Quote(quote.Raw, quote.Header, quote.BodyType, quote.SgxBody, quote.TdBody, quote.SignedRegion, signature, quote.IgnoredTrailingBytes);
    }

    [Fact]
    public async Task CorruptFolders_AreSkippedAndListedInProblems_OthersStillServed()
    {
        var root = NewRoot(Cdsi, PhalaSgx);
        var notJson = Path.Combine(root, "not-json");
        CopyCase(NearTdx, notJson);
        File.WriteAllText(Path.Combine(notJson, "tcb_info.json"), "{ this is not json");
        var incomplete = Path.Combine(root, "incomplete");
        CopyCase(PhalaTdx, incomplete);
        File.Delete(Path.Combine(incomplete, "qe_identity.json"));
        var noFmspc = Path.Combine(root, "no-fmspc");
        CopyCase(PhalaTdx, noFmspc);
        File.WriteAllText(Path.Combine(noFmspc, "tcb_info.json"), "{\"tcbInfo\":{\"id\":\"TDX\"},\"signature\":\"00\"}");
        // Neither a collateral folder nor a problem: no collateral file at all.
        Directory.CreateDirectory(Path.Combine(root, "notes")).CreateSubdirectory("x");
        File.WriteAllText(Path.Combine(root, "README.txt"), "not a folder");

        var source = new OfflineCollateralSource(root, _clock);

        Assert.Equal([incomplete, noFmspc, notJson], source.Problems.Keys);
        Assert.Contains("qe_identity.json", source.Problems[incomplete], StringComparison.Ordinal);
        Assert.Contains("fmspc", source.Problems[noFmspc], StringComparison.Ordinal);
        Assert.Contains("not JSON", source.Problems[notJson], StringComparison.Ordinal);
        Assert.All(source.Problems.Values, reason => Assert.DoesNotContain('\n', reason));
        Assert.Equal([Path.Combine(root, PhalaSgx), Path.Combine(root, Cdsi)], source.Folders);
        Assert.Equal(DigestOfCase(Cdsi), await DigestFor(source, Cdsi));
        Assert.Equal(DigestOfCase(PhalaSgx), await DigestFor(source, PhalaSgx));
        Assert.Null(await DigestFor(source, NearTdx));
        Assert.Null(await DigestFor(source, PhalaTdx));
    }

    [Fact]
    public async Task MissingRoot_IsAProblemUntilItAppears()
    {
        var root = Path.Combine(_temp.FullName, "later");
        var source = new OfflineCollateralSource(root, _clock);
        Assert.Equal([root], source.Problems.Keys);
        Assert.Null(await DigestFor(source, Cdsi));

        CopyCase(Cdsi, Path.Combine(root, Cdsi));
        _clock.Advance(OfflineCollateralSource.DefaultRescanInterval);

        Assert.Equal(DigestOfCase(Cdsi), await DigestFor(source, Cdsi));
        Assert.Empty(source.Problems);
    }

    [Fact]
    public async Task FolderAddedAfterConstruction_IsPickedUpOnceTheRescanIntervalHasPassed()
    {
        var root = NewRoot(Cdsi);
        var source = new OfflineCollateralSource(root, _clock, TimeSpan.FromSeconds(5));
        Assert.Null(await DigestFor(source, PhalaSgx));

        CopyCase(PhalaSgx, Path.Combine(root, PhalaSgx));
        // Folders whose name starts with '.' are work in progress and never read.
        CopyCase(NearTdx, Path.Combine(root, "." + NearTdx + ".tmp"));

        Assert.Null(await DigestFor(source, PhalaSgx));
        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Null(await DigestFor(source, PhalaSgx));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DigestOfCase(PhalaSgx), await DigestFor(source, PhalaSgx));
        Assert.Null(await DigestFor(source, NearTdx));
        Assert.Equal(2, source.Folders.Count);
    }

    [Fact]
    public async Task FolderRemoved_IsDroppedAtTheNextScan()
    {
        var root = NewRoot(Cdsi, PhalaSgx);
        var source = new OfflineCollateralSource(root, _clock);
        Assert.NotNull(await DigestFor(source, PhalaSgx));

        Directory.Delete(Path.Combine(root, PhalaSgx), recursive: true);
        _clock.Advance(OfflineCollateralSource.DefaultRescanInterval);

        Assert.Null(await DigestFor(source, PhalaSgx));
        Assert.NotNull(await DigestFor(source, Cdsi));
    }

    [Fact]
    public async Task ReplacedTcbInfo_IsReloaded()
    {
        var root = NewRoot(Cdsi);
        var source = new OfflineCollateralSource(root, _clock);
        var first = await source.GetCollateralAsync(QuoteOf(Cdsi), At, Cancel);
        Assert.Equal(File.ReadAllBytes(TestVectors.Path("dcap", Cdsi, "tcb_info.json")), first!.TcbInfo.ToArray());

        // Same FMSPC, different bytes: the tampered TCB Info of a derived case.
        var replacement = File.ReadAllBytes(TestVectors.Path("dcap", "neg-tcbinfo-body-tampered", "tcb_info.json"));
        Assert.NotEqual(first.TcbInfo.ToArray(), replacement);
        var path = Path.Combine(root, Cdsi, "tcb_info.json");
        var written = File.GetLastWriteTimeUtc(path);
        File.WriteAllBytes(path, replacement);
        // On a file system with coarse timestamps the rewrite could keep the time (and the size is the same here).
        File.SetLastWriteTimeUtc(path, written.AddSeconds(10));

        // Cached until the interval has passed, then reloaded.
        Assert.Same(first, await source.GetCollateralAsync(QuoteOf(Cdsi), At, Cancel));
        _clock.Advance(OfflineCollateralSource.DefaultRescanInterval);
        var second = await source.GetCollateralAsync(QuoteOf(Cdsi), At, Cancel);
        Assert.Equal(replacement, second!.TcbInfo.ToArray());
        Assert.Equal(first.QeIdentity.ToArray(), second.QeIdentity.ToArray());

        // An unchanged folder is not read again.
        _clock.Advance(OfflineCollateralSource.DefaultRescanInterval);
        Assert.Same(second, await source.GetCollateralAsync(QuoteOf(Cdsi), At, Cancel));
    }

    [Fact]
    public async Task RootThatIsItselfACaseFolder_IsServed()
    {
        var inPlace = new OfflineCollateralSource(TestVectors.Path("dcap", Cdsi), _clock);
        var copy = Path.Combine(_temp.FullName, "single");
        CopyCase(PhalaSgx, copy);
        var both = new OfflineCollateralSource([TestVectors.Path("dcap", Cdsi), copy], _clock);

        Assert.Equal([TestVectors.Path("dcap", Cdsi)], inPlace.Folders);
        Assert.Equal(DigestOfCase(Cdsi), await DigestFor(inPlace, Cdsi));
        Assert.Null(await DigestFor(inPlace, PhalaSgx));
        Assert.Equal(DigestOfCase(Cdsi), await DigestFor(both, Cdsi));
        Assert.Equal(DigestOfCase(PhalaSgx), await DigestFor(both, PhalaSgx));
    }

    [Fact]
    public async Task ConcurrentCalls_WhileFoldersChange_AlwaysGetACompleteMatchingCollateral()
    {
        string[] cases = [Cdsi, PhalaSgx, PhalaTdx, NearTdx];
        var root = NewRoot(cases);
        var expected = cases.ToDictionary(c => c, DigestOfCase);
        var quotes = cases.ToDictionary(c => c, QuoteOf);
        // A zero interval rescans on every call, so scans race with lookups and with each other.
        var source = new OfflineCollateralSource(root, _clock, TimeSpan.Zero);
        var touched = Path.Combine(root, NearTdx, "root_ca_crl.der");

        using var stop = new CancellationTokenSource();
        var toucher = Task.Run(
            async () =>
            {
                var time = File.GetLastWriteTimeUtc(touched);
                while (!stop.IsCancellationRequested)
                {
                    time = time.AddSeconds(1);
                    File.SetLastWriteTimeUtc(touched, time);
                    await Task.Delay(1, Cancel);
                }
            },
            Cancel);

        await Parallel.ForAsync(0, 400, Cancel, async (i, token) =>
        {
            var name = cases[i % cases.Length];
            var collateral = await source.GetCollateralAsync(quotes[name], At, token);
            Assert.NotNull(collateral);
            Assert.Equal(expected[name], Digest(collateral));
            Assert.Empty(source.Problems);
        });
        await stop.CancelAsync();
        await toucher;
    }

    [Fact]
    public void Constructor_RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => new OfflineCollateralSource(Array.Empty<string>(), _clock));
        Assert.Throws<ArgumentException>(() => new OfflineCollateralSource([" "], _clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineCollateralSource(_temp.FullName, _clock, TimeSpan.FromSeconds(-1)));
        Assert.Equal(Timeout.InfiniteTimeSpan, new OfflineCollateralSource(_temp.FullName, _clock, Timeout.InfiniteTimeSpan).RescanInterval);
    }

    /// <summary>
    /// The whole <c>dcap/</c> tree as one root, read in place. Every case folder has <c>tcb_info.json</c> and all 57
    /// load, but many cases share an FMSPC (the <c>signal-*</c>, <c>neg-*</c>, <c>edge-*</c> and <c>synth-*</c>
    /// cases are all FMSPC 00606a000000), so a quote does not in general get its own folder back: it gets one of
    /// the folders of its FMSPC and TEE. What is asserted is what holds for every case:
    /// <list type="bullet">
    /// <item>a quote that parses gets collateral whose TCB Info FMSPC is its PCK FMSPC (<c>expected.json</c>
    /// <c>pck.fmspc</c>) and whose TCB Info is for its TEE;</item>
    /// <item>synthetic quotes (a test PKI that copies Intel's names) get synthetic collateral, and genuine quotes
    /// genuine collateral, because the PCK CRL's authority key identifier is matched to the PCK leaf's;</item>
    /// <item>where a case's folder is the only best one, the quote gets exactly that folder's collateral;</item>
    /// <item>the four quotes that do not parse never reach a collateral source (the engine rejects them first).</item>
    /// </list>
    /// </summary>
    [Fact]
    public async Task WholeDcapTree_EveryParsableQuoteGetsCollateralOfItsFmspc()
    {
        var source = new OfflineCollateralSource(TestVectors.Path("dcap"), _clock);
        var cases = Directory.GetDirectories(TestVectors.Path("dcap")).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(57, cases.Count);
        Assert.All(cases, c => Assert.True(File.Exists(TestVectors.Path("dcap", c, "tcb_info.json"))));
        Assert.Empty(source.Problems);
        Assert.Equal(57, source.Folders.Count);

        // Folders by content: some cases hold identical collateral (e.g. the two phala-sgx-v3 cases).
        var foldersByDigest = cases.GroupBy(c => DigestOfCase(c)).ToDictionary(g => g.Key, g => g.ToList());

        // A certification data size beyond the quote, header version 4 on an SGX body with v3 certification data,
        // a quote cut inside its PEM chain, and a QE vendor id other than Intel's: rejected by the parser.
        string[] unparsable = ["neg-cert-data-size-overflow", "neg-header-version-4", "neg-truncated-quote", "synth-qe-vendor-id-zero"];
        // Their own folder is the single best for their quote: a unique FMSPC and TEE, the only folder of the right
        // CA among two (phala-tdx-v4), or the only pck_cert_chain.pem with the quote's PPID (the type-1 sample).
        string[] ownFolder = [NearTdx, PhalaTdx, "phala-tdx-v5-tcb-not-supported", IntelSample];

        foreach (var name in cases)
        {
            var bytes = File.ReadAllBytes(TestVectors.Path("dcap", name, "quote.bin"));
            if (!Quote.TryParse(bytes, out var quote, out _))
            {
                Assert.Contains(name, unparsable);
                continue;
            }

            Assert.DoesNotContain(name, unparsable);
            var expected = JsonNode.Parse(File.ReadAllText(TestVectors.Path("dcap", name, "expected.json")))!;
            var fmspc = expected["pck"]!["fmspc"]!.GetValue<string>().ToLowerInvariant();

            var collateral = await source.GetCollateralAsync(quote, At, Cancel);

            Assert.True(collateral is not null, name);
            Assert.Equal(fmspc, TcbFmspc(collateral));
            var tee = JsonNode.Parse(collateral.TcbInfo.Span)!["tcbInfo"]!["id"]?.GetValue<string>() ?? "SGX";
            Assert.Equal(quote.Header.TeeType == TeeType.Tdx ? "TDX" : "SGX", tee);
            var servedFrom = foldersByDigest[Digest(collateral)];
            Assert.All(servedFrom, folder => Assert.Equal(name.StartsWith("synth-", StringComparison.Ordinal), folder.StartsWith("synth-", StringComparison.Ordinal)));
            if (ownFolder.Contains(name))
            {
                Assert.Contains(name, servedFrom);
            }
        }

        // This case pairs Phala's SGX quote (00a067110000) with TDX TCB Info of b0c06f000000: its quote is served
        // from a folder of its real FMSPC, never its own.
        var wrong = await source.GetCollateralAsync(QuoteOf(WrongFmspcAndTee), At, Cancel);
        Assert.DoesNotContain(WrongFmspcAndTee, foldersByDigest[Digest(wrong!)]);
    }
}
