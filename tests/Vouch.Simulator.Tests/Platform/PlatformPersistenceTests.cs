using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Tests.Platform;

public static class PlatformPersistenceTests
{
    [Fact]
    public static void OpenOrCreate_NewDirectory_WritesSettingsAndOwnerOnlySecrets()
    {
        var directory = TempDirectory.Create();

        var platform = SimulatedPlatform.OpenOrCreate(directory.Path);

        Assert.Equal(PlatformMode.PerPlatform, platform.Mode);
        Assert.True(File.Exists(Path.Combine(directory.Path, SimulatedPlatform.SettingsFileName)));
        var secrets = Path.Combine(directory.Path, SimulatedPlatform.SecretsFileName);
        Assert.True(File.Exists(secrets));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secrets));
        }

        Assert.True(platform.Settings.PlatformInstanceId.AsSpan().ContainsAnyExcept((byte)0));
    }

    [Fact]
    public static void OpenOrCreate_ExistingDirectory_KeepsSecretsAndSettings()
    {
        var directory = TempDirectory.Create();
        var first = SimulatedPlatform.OpenOrCreate(directory.Path, new PlatformSettings { QeIsvSvn = 9, PckCa = PckCaType.Processor });
        var enclave = first.Launch(TestEnclaves.Sample);
        var blob = enclave.Seal("kept"u8);

        var second = SimulatedPlatform.OpenOrCreate(directory.Path);

        Assert.Equal(9, second.Settings.QeIsvSvn);
        Assert.Equal(PckCaType.Processor, second.Settings.PckCa);
        Assert.Equal(first.Settings.PlatformInstanceId, second.Settings.PlatformInstanceId);
        Assert.Equal(first.Settings.Fmspc, second.Settings.Fmspc);
        Assert.Equal(UnsealStatus.Success, second.Launch(TestEnclaves.Sample).Unseal(blob).Status);
    }

    [Fact]
    public static void OpenOrCreate_TwoDirectories_NeverShareSecrets()
    {
        var one = SimulatedPlatform.OpenOrCreate(TempDirectory.Create().Path);
        var two = SimulatedPlatform.OpenOrCreate(TempDirectory.Create().Path);
        Assert.NotEqual(one.Keys.Seal, two.Keys.Seal);
        Assert.NotEqual(one.Keys.Report, two.Keys.Report);
        Assert.NotEqual(one.Keys.Provision, two.Keys.Provision);
        Assert.NotEqual(one.Keys.OwnerEpoch, two.Keys.OwnerEpoch);
    }

    [Fact]
    public static void UpdateTcb_DirectoryPlatform_Persists()
    {
        var directory = TempDirectory.Create();
        var platform = SimulatedPlatform.OpenOrCreate(directory.Path);
        var cpuSvn = platform.CpuSvn;
        cpuSvn[0] = 42;
        platform.UpdateTcb(cpuSvn, 20);

        var reopened = SimulatedPlatform.Open(directory.Path);

        Assert.Equal(cpuSvn, reopened.CpuSvn);
        Assert.Equal(20, reopened.Settings.PceSvn);
    }

    [Fact]
    public static void ResetOwnerEpoch_DirectoryPlatform_Persists()
    {
        var directory = TempDirectory.Create();
        var platform = SimulatedPlatform.OpenOrCreate(directory.Path);
        var before = platform.Keys.OwnerEpoch;
        platform.ResetOwnerEpoch();
        Assert.NotEqual(before, SimulatedPlatform.Open(directory.Path).Keys.OwnerEpoch);
        Assert.Equal(platform.Keys.Seal, SimulatedPlatform.Open(directory.Path).Keys.Seal);
    }

    [Fact]
    public static void Open_DamagedSettings_ThrowsFormatException()
    {
        var directory = TempDirectory.Create();
        SimulatedPlatform.OpenOrCreate(directory.Path);
        File.WriteAllText(Path.Combine(directory.Path, SimulatedPlatform.SettingsFileName), "{\"format\":\"vouch-sim-platform/1\"}");
        Assert.Throws<FormatException>(() => SimulatedPlatform.Open(directory.Path));
    }

    [Fact]
    public static void OpenOrCreate_SecretsWithoutSettings_DoesNotRekey()
    {
        var directory = TempDirectory.Create();
        SimulatedPlatform.OpenOrCreate(directory.Path);
        var secrets = File.ReadAllText(Path.Combine(directory.Path, SimulatedPlatform.SecretsFileName));
        File.Delete(Path.Combine(directory.Path, SimulatedPlatform.SettingsFileName));

        Assert.Throws<FileNotFoundException>(() => SimulatedPlatform.OpenOrCreate(directory.Path));
        Assert.Equal(secrets, File.ReadAllText(Path.Combine(directory.Path, SimulatedPlatform.SecretsFileName)));
    }

    [Fact]
    public static void IntelSdkSimulation_UpdateTcb_Throws() =>
        Assert.Throws<InvalidOperationException>(() => SimulatedPlatform.IntelSdkSimulation().UpdateTcb(new byte[16], 1));
}
