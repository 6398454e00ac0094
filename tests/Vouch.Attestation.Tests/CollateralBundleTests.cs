using System.Text;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Sgx.Verification;
using Vouch.Tests.Shared;

namespace Vouch.Attestation.Tests;

/// <summary><see cref="CollateralBundle"/>: the one-file format, read in place from the genuine vector folders.</summary>
public sealed class CollateralBundleTests
{
    private static CollateralBundlePlatform Platform(string name)
    {
        Assert.True(CollateralBundlePlatform.TryReadFolder(TestVectors.Path("dcap", name), out var platform, out var error), error?.Message);
        return platform;
    }

    [Fact]
    public void A_bundle_round_trips_byte_exact_and_its_genuine_collateral_verifies_against_intel_only()
    {
        var bundle = new CollateralBundle(DateTimeOffset.UnixEpoch, [Platform("signal-cdsi-sgx-v3-2026"), Platform("phala-sgx-v3-config-swhardening")]);
        var bytes = bundle.ToBytes();

        Assert.True(CollateralBundle.TryRead(bytes, out var read, out var error), error?.Message);
        Assert.Equal(DateTimeOffset.UnixEpoch, read.CreatedAt);
        Assert.Equal(bundle.Platforms.Select(p => p.FolderName), read.Platforms.Select(p => p.FolderName));
        foreach (var (original, copy) in bundle.Platforms.Zip(read.Platforms))
        {
            Assert.Equal(original.Files.Keys, copy.Files.Keys);
            Assert.All(original.Files, f => Assert.Equal(f.Value, copy.Files[f.Key]));
        }

        Assert.Equal(bytes, read.ToBytes());
        Assert.All(read.Verify([TrustAnchor.IntelSgxRootCa]), r => Assert.True(r.Report.Verified, string.Join("; ", r.Report.Failures)));
        Assert.All(read.Verify([]), r => Assert.False(r.Report.Verified));
    }

    [Fact]
    public void The_keys_come_from_the_files()
    {
        var platform = Platform("signal-cdsi-sgx-v3-2026");
        Assert.Equal(("00606a000000", "platform", "SGX", 21), (platform.Fmspc, platform.Ca, platform.Tee, platform.TcbEvaluationDataNumber));
        Assert.Equal("sgx-00606a000000-platform", platform.FolderName);
    }

    [Theory]
    [InlineData("", AttestationErrorCode.BundleMalformed)]
    [InlineData("[]", AttestationErrorCode.BundleMalformed)]
    [InlineData("{\"format\":\"other\",\"version\":1}", AttestationErrorCode.BundleFormatUnsupported)]
    [InlineData("{\"format\":\"vouch-collateral-bundle\",\"version\":9}", AttestationErrorCode.BundleFormatUnsupported)]
    [InlineData("{\"format\":\"vouch-collateral-bundle\",\"version\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"platforms\":[],\"extra\":1}", AttestationErrorCode.BundleMalformed)]
    [InlineData("{\"format\":\"vouch-collateral-bundle\",\"version\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"platforms\":[{\"fmspc\":\"00606a000000\",\"ca\":\"platform\",\"tee\":\"SGX\",\"tcbEvaluationDataNumber\":21,\"files\":{}}]}", AttestationErrorCode.BundleMalformed)]
    [InlineData("{\"format\":\"vouch-collateral-bundle\",\"version\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"platforms\":[{\"fmspc\":\"00606a000000\",\"ca\":\"platform\",\"tee\":\"SGX\",\"tcbEvaluationDataNumber\":21,\"files\":{\"../x\":\"AA==\"}}]}", AttestationErrorCode.BundleMalformed)]
    public void Bad_input_is_rejected_with_a_code_and_never_throws(string json, AttestationErrorCode code)
    {
        Assert.False(CollateralBundle.TryRead(Encoding.UTF8.GetBytes(json), out var bundle, out var error));
        Assert.Null(bundle);
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void A_bundle_over_the_bound_is_rejected_unread()
    {
        Assert.False(CollateralBundle.TryRead(new byte[CollateralBundle.MaxBytes + 1], out _, out var error));
        Assert.Equal(AttestationErrorCode.BundleTooLarge, error.Code);
    }

    [Fact]
    public void Every_byte_prefix_of_a_bundle_is_rejected_or_read_without_throwing()
    {
        var bytes = new CollateralBundle(DateTimeOffset.UnixEpoch, [Platform("signal-cdsi-sgx-v3-2026")]).ToBytes();
        for (var length = 0; length < bytes.Length; length += 97)
        {
            Assert.False(CollateralBundle.TryRead(bytes.AsMemory(0, length), out _, out var error));
            Assert.NotNull(error);
        }
    }
}
