using Vouch.Attestation.Collateral;
using Vouch.Tests.Shared;

namespace Vouch.Attestation.Tests;

public sealed class DirectoryCollateralSourceTests
{
    [Fact]
    public void TryLoad_CaseFolder_ReadsEveryFileByteForByte()
    {
        var folder = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");
        Assert.True(DirectoryCollateralSource.TryLoad(folder, out var collateral, out var error), error);
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "tcb_info.json")), collateral.TcbInfo.ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "root_ca_crl.der")), collateral.RootCaCrl.ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "pck_crl_issuer_chain.pem")), collateral.PckCrlIssuerChain.ToArray());
        Assert.Null(collateral.PckCertificateChain);
    }

    [Fact]
    public void TryLoad_MissingFolderOrFile_FailsWithoutThrowing()
    {
        Assert.False(DirectoryCollateralSource.TryLoad("/nonexistent/collateral", out _, out var missingFolder));
        Assert.NotNull(missingFolder);

        var empty = Directory.CreateTempSubdirectory("vouch-attestation-test");
        try
        {
            Assert.False(DirectoryCollateralSource.TryLoad(empty.FullName, out _, out var missingFile));
            Assert.Contains("tcb_info.json", missingFile, StringComparison.Ordinal);
            Assert.Throws<IOException>(() => new DirectoryCollateralSource(empty.FullName));
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
