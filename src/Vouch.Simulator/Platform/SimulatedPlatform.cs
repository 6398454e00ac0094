using System.Security.Cryptography;
using System.Text.Json;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Platform;

/// <summary>
/// A simulated SGX platform: its secrets (base keys and owner epoch), its TCB (CPUSVN, PCE SVN) and launch
/// policy. Enclaves launched on it report, derive keys and seal with its secrets, so reports and sealed
/// data from another platform do not verify or open, exactly as on hardware.
/// </summary>
/// <remarks>
/// A directory-backed platform keeps <c>platform.json</c> (public settings) and <c>platform.secrets</c>
/// (base keys and owner epoch, created from the system CSPRNG with owner-only permissions). A directory
/// that does not exist yet is created with fresh secrets; an existing one is never re-keyed silently.
/// </remarks>
public sealed class SimulatedPlatform
{
    /// <summary>File name of the public settings.</summary>
    public const string SettingsFileName = "platform.json";

    /// <summary>File name of the secrets.</summary>
    public const string SecretsFileName = "platform.secrets";

    internal const string SettingsFormat = "vouch-sim-platform/1";
    internal const string SecretsFormat = "vouch-sim-platform-secrets/1";

    private PlatformKeys _keys;

    private SimulatedPlatform(PlatformMode mode, PlatformSettings settings, PlatformKeys keys, byte[] reportKeyId, string? directory, LaunchPolicy launchPolicy)
    {
        settings.Validate();
        Mode = mode;
        Settings = settings;
        _keys = keys;
        ReportKeyId = reportKeyId;
        Directory = directory;
        LaunchPolicy = launchPolicy;
    }

    /// <summary>The key hierarchy in use.</summary>
    public PlatformMode Mode { get; }

    /// <summary>Public settings (TCB and PCK certificate contents).</summary>
    public PlatformSettings Settings { get; private set; }

    /// <summary>The directory the platform persists to, or null for an in-memory platform.</summary>
    public string? Directory { get; }

    /// <summary>Who may launch enclaves with privileged attributes.</summary>
    public LaunchPolicy LaunchPolicy { get; }

    /// <summary>Current CPUSVN (a copy).</summary>
    public byte[] CpuSvn => (byte[])Settings.CpuSvn.Clone();

    /// <summary>CR_REPORT_KEYID: the KEYID every EREPORT on this platform carries until the next "reset".</summary>
    internal byte[] ReportKeyId { get; }

    internal PlatformKeys Keys => _keys;

    /// <summary>The QE3's sealed attestation key of an in-memory platform (directory platforms keep it in <c>qe3.sealed</c>).</summary>
    internal byte[]? QeSealedKey { get; set; }

    /// <summary>A platform with fresh random secrets that lives only in memory.</summary>
    public static SimulatedPlatform CreateInMemory(PlatformSettings? settings = null, LaunchPolicy? launchPolicy = null) =>
        new(PlatformMode.PerPlatform, WithInstanceId(settings ?? new PlatformSettings()), PlatformKeys.Random(), RandomNumberGenerator.GetBytes(32), null, launchPolicy ?? LaunchPolicy.Default);

    /// <summary>
    /// The Intel SDK simulation mode: the SDK's constant base keys, owner epoch and report KEYID, and one of
    /// its three CPUSVNs, so MACs and seal keys are byte-identical to an SDK enclave built with
    /// <c>SGX_MODE=SIM</c>. Every instance shares the same keys, like every SDK simulation machine.
    /// </summary>
    public static SimulatedPlatform IntelSdkSimulation(IntelSdkCpuSvn cpuSvn = IntelSdkCpuSvn.Default, LaunchPolicy? launchPolicy = null)
    {
        // KEYID = the first 16 bytes of the REPORT base key followed by 16 zero bytes (t_instructions.cpp).
        var keyId = new byte[32];
        PlatformKeys.IntelSdk.Report.CopyTo(keyId, 0);
        var settings = new PlatformSettings { CpuSvn = PlatformSettings.IntelSdkCpuSvnBytes(cpuSvn) };
        return new SimulatedPlatform(PlatformMode.IntelSdkSimulation, settings, PlatformKeys.IntelSdk, keyId, null, launchPolicy ?? LaunchPolicy.Default);
    }

    /// <summary>
    /// Opens the platform persisted in <paramref name="directory"/>, or creates it there with fresh random
    /// secrets (and <paramref name="settingsIfNew"/>, default <see cref="PlatformSettings"/>) when the
    /// directory holds no platform yet.
    /// </summary>
    /// <exception cref="FormatException">The directory holds a damaged platform.</exception>
    /// <exception cref="IOException">The files cannot be read or written.</exception>
    public static SimulatedPlatform OpenOrCreate(string directory, PlatformSettings? settingsIfNew = null, LaunchPolicy? launchPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var full = Path.GetFullPath(directory);
        if (File.Exists(Path.Combine(full, SettingsFileName)) || File.Exists(Path.Combine(full, SecretsFileName)))
        {
            return Open(full, launchPolicy);
        }

        PrivateFiles.CreateDirectory(full);
        var settings = WithInstanceId(settingsIfNew ?? new PlatformSettings());
        settings.Validate();
        var keys = PlatformKeys.Random();
        // Secrets first, with CreateNew: two processes racing to create the same platform cannot both
        // write keys, and an existing secrets file is never overwritten.
        PrivateFiles.WriteNew(Path.Combine(full, SecretsFileName), SerializeSecrets(keys));
        PrivateFiles.WriteNew(Path.Combine(full, SettingsFileName), SerializeSettings(settings));
        return new SimulatedPlatform(PlatformMode.PerPlatform, settings, keys, RandomNumberGenerator.GetBytes(32), full, launchPolicy ?? LaunchPolicy.Default);
    }

    /// <summary>Opens a persisted platform. Each open is a "reset": the report KEYID is drawn afresh.</summary>
    /// <exception cref="FormatException">The directory holds a damaged platform.</exception>
    /// <exception cref="IOException">The files cannot be read.</exception>
    public static SimulatedPlatform Open(string directory, LaunchPolicy? launchPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var full = Path.GetFullPath(directory);
        var settings = ParseSettings(File.ReadAllText(Path.Combine(full, SettingsFileName)));
        var keys = ParseSecrets(File.ReadAllText(Path.Combine(full, SecretsFileName)));
        return new SimulatedPlatform(PlatformMode.PerPlatform, settings, keys, RandomNumberGenerator.GetBytes(32), full, launchPolicy ?? LaunchPolicy.Default);
    }

    /// <summary>Signs <paramref name="manifest"/> with its own signer and launches it (ECREATE, EADD/EEXTEND, EINIT).</summary>
    /// <exception cref="EnclaveLaunchException">EINIT refused the enclave.</exception>
    public Enclave Launch(EnclaveManifest manifest, bool debug = false)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return Launch(manifest, manifest.Sign(), debug);
    }

    /// <summary>Launches <paramref name="manifest"/> with a given SIGSTRUCT.</summary>
    /// <exception cref="EnclaveLaunchException">EINIT refused the enclave.</exception>
    /// <exception cref="SgxFaultException">ECREATE refused the SECS.</exception>
    public Enclave Launch(EnclaveManifest manifest, Sigstruct sigstruct, bool debug = false) =>
        Launch(Einit.Build(manifest, debug), sigstruct);

    /// <summary>Runs EINIT on an already measured SECS (for example one measured from an SGXS file).</summary>
    /// <exception cref="EnclaveLaunchException">EINIT refused the enclave.</exception>
    public Enclave Launch(SecsState secs, Sigstruct sigstruct)
    {
        var result = Einit.Run(secs, sigstruct, LaunchPolicy);
        return result.Succeeded ? new Enclave(this, result.Identity!) : throw new EnclaveLaunchException(result.Status);
    }

    /// <summary>
    /// Adopts an identity without EINIT. Used for Intel's architectural enclaves (QE3, PCE), whose Intel
    /// SIGSTRUCT nobody but Intel can produce; this is what the SDK simulator does for every enclave.
    /// </summary>
    internal Enclave Adopt(EnclaveIdentity identity) => new(this, identity);

    /// <summary>
    /// Applies a TCB update (microcode / PCE): new CPUSVN and PCE SVN. Data sealed before stays readable;
    /// data sealed after cannot be opened by a platform that is rolled back. Persisted for directory platforms.
    /// </summary>
    /// <exception cref="InvalidOperationException">The platform is in Intel SDK simulation mode, whose CPUSVN is one of three constants.</exception>
    public void UpdateTcb(ReadOnlySpan<byte> cpuSvn, ushort pceSvn)
    {
        if (Mode == PlatformMode.IntelSdkSimulation)
        {
            throw new InvalidOperationException("Intel SDK simulation mode has fixed CPUSVNs.");
        }

        var settings = Settings with { CpuSvn = cpuSvn.ToArray(), PceSvn = pceSvn };
        settings.Validate();
        Settings = settings;
        PersistSettings();
    }

    /// <summary>Changes the settings that describe the platform's PCK certificate and QE (not its TCB or secrets).</summary>
    public void UpdateSettings(PlatformSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;
        PersistSettings();
    }

    /// <summary>
    /// Draws a new owner epoch, as a change of platform owner would: every SEAL and REPORT key changes, so
    /// everything sealed before becomes unreadable. Persisted for directory platforms.
    /// </summary>
    /// <exception cref="InvalidOperationException">The platform is in Intel SDK simulation mode.</exception>
    public void ResetOwnerEpoch()
    {
        if (Mode == PlatformMode.IntelSdkSimulation)
        {
            throw new InvalidOperationException("Intel SDK simulation mode has a fixed owner epoch.");
        }

        _keys = _keys with { OwnerEpoch = RandomNumberGenerator.GetBytes(16) };
        if (Directory is not null)
        {
            PrivateFiles.WriteReplace(Path.Combine(Directory, SecretsFileName), SerializeSecrets(_keys));
        }
    }

    /// <summary>
    /// Resolves a requested CPUSVN: null when it is newer than the platform's. Per-platform mode compares the
    /// 16 component SVNs; Intel SDK mode accepts its three constants in order and replaces all-zero by the
    /// default value (an SDK quirk).
    /// </summary>
    internal byte[]? ResolveRequestedCpuSvn(ReadOnlySpan<byte> requested)
    {
        var current = Settings.CpuSvn;
        if (Mode == PlatformMode.PerPlatform)
        {
            for (var i = 0; i < 16; i++)
            {
                if (requested[i] > current[i])
                {
                    return null;
                }
            }

            return requested.ToArray();
        }

        var effective = requested.ContainsAnyExcept((byte)0) ? requested.ToArray() : PlatformSettings.IntelSdkCpuSvnBytes(IntelSdkCpuSvn.Default);
        var requestedRank = SdkRank(effective);
        return requestedRank >= 0 && requestedRank <= SdkRank(current) ? effective : null;
    }

    private static int SdkRank(ReadOnlySpan<byte> cpuSvn)
    {
        foreach (var which in Enum.GetValues<IntelSdkCpuSvn>())
        {
            if (cpuSvn.SequenceEqual(PlatformSettings.IntelSdkCpuSvnBytes(which)))
            {
                return (int)which;
            }
        }

        return -1;
    }

    private static PlatformSettings WithInstanceId(PlatformSettings settings) =>
        settings.PlatformInstanceId.AsSpan().ContainsAnyExcept((byte)0) ? settings : settings with { PlatformInstanceId = RandomNumberGenerator.GetBytes(16) };

    private void PersistSettings()
    {
        if (Directory is not null)
        {
            PrivateFiles.WriteReplace(Path.Combine(Directory, SettingsFileName), SerializeSettings(Settings));
        }
    }

    private static byte[] SerializeSettings(PlatformSettings s)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", SettingsFormat);
            w.WriteString("cpuSvn", Convert.ToHexStringLower(s.CpuSvn));
            w.WriteNumber("pceSvn", s.PceSvn);
            w.WriteString("pceId", Convert.ToHexString(s.PceId));
            w.WriteString("fmspc", Convert.ToHexString(s.Fmspc));
            w.WriteString("sgxType", s.SgxType.ToString());
            w.WriteString("pckCa", s.PckCa == PckCaType.Platform ? "platform" : "processor");
            w.WriteString("platformInstanceId", Convert.ToHexStringLower(s.PlatformInstanceId));
            w.WriteStartObject("configuration");
            w.WriteBoolean("dynamicPlatform", s.DynamicPlatform);
            w.WriteBoolean("cachedKeys", s.CachedKeys);
            w.WriteBoolean("smtEnabled", s.SmtEnabled);
            w.WriteEndObject();
            w.WriteNumber("qeIsvSvn", s.QeIsvSvn);
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    internal static PlatformSettings ParseSettings(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            Json.RequireObject(r, SettingsFileName, "format", "cpuSvn", "pceSvn", "pceId", "fmspc", "sgxType", "pckCa", "platformInstanceId", "configuration", "qeIsvSvn");
            if (Json.String(r, "format") != SettingsFormat)
            {
                throw new FormatException($"{SettingsFileName}: format must be {SettingsFormat}.");
            }

            var configuration = r.GetProperty("configuration");
            Json.RequireObject(configuration, "configuration", "dynamicPlatform", "cachedKeys", "smtEnabled");
            var settings = new PlatformSettings
            {
                CpuSvn = Json.Hex(r, "cpuSvn", 16),
                PceSvn = (ushort)Json.UInt64(r, "pceSvn", ushort.MaxValue),
                PceId = Json.Hex(r, "pceId", 2),
                Fmspc = Json.Hex(r, "fmspc", 6),
                SgxType = Enum.TryParse<SgxType>(Json.String(r, "sgxType"), out var type) && Enum.IsDefined(type) ? type : throw new FormatException("sgxType is unknown."),
                PckCa = Json.String(r, "pckCa") switch
                {
                    "platform" => PckCaType.Platform,
                    "processor" => PckCaType.Processor,
                    _ => throw new FormatException("pckCa must be platform or processor."),
                },
                PlatformInstanceId = Json.Hex(r, "platformInstanceId", 16),
                DynamicPlatform = Json.Boolean(configuration.GetProperty("dynamicPlatform"), "dynamicPlatform"),
                CachedKeys = Json.Boolean(configuration.GetProperty("cachedKeys"), "cachedKeys"),
                SmtEnabled = Json.Boolean(configuration.GetProperty("smtEnabled"), "smtEnabled"),
                QeIsvSvn = (ushort)Json.UInt64(r, "qeIsvSvn", ushort.MaxValue),
            };
            return settings;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{SettingsFileName} is damaged.", e);
        }
    }

    private static byte[] SerializeSecrets(PlatformKeys k)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", SecretsFormat);
            w.WriteString("note", "Simulated SGX platform secrets (base keys and owner epoch). Anyone who reads this file can forge this platform's reports and open its sealed data.");
            w.WriteString("sealBaseKey", Convert.ToHexStringLower(k.Seal));
            w.WriteString("reportBaseKey", Convert.ToHexStringLower(k.Report));
            w.WriteString("einitTokenBaseKey", Convert.ToHexStringLower(k.EinitToken));
            w.WriteString("provisionBaseKey", Convert.ToHexStringLower(k.Provision));
            w.WriteString("provisionSealBaseKey", Convert.ToHexStringLower(k.ProvisionSeal));
            w.WriteString("ownerEpoch", Convert.ToHexStringLower(k.OwnerEpoch));
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static PlatformKeys ParseSecrets(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            Json.RequireObject(r, SecretsFileName, "format", "note", "sealBaseKey", "reportBaseKey", "einitTokenBaseKey", "provisionBaseKey", "provisionSealBaseKey", "ownerEpoch");
            if (Json.String(r, "format") != SecretsFormat)
            {
                throw new FormatException($"{SecretsFileName}: format must be {SecretsFormat}.");
            }

            return new PlatformKeys(
                Json.Hex(r, "sealBaseKey", 16),
                Json.Hex(r, "reportBaseKey", 16),
                Json.Hex(r, "einitTokenBaseKey", 16),
                Json.Hex(r, "provisionBaseKey", 16),
                Json.Hex(r, "provisionSealBaseKey", 16),
                Json.Hex(r, "ownerEpoch", 16));
        }
        catch (JsonException e)
        {
            throw new FormatException($"{SecretsFileName} is damaged.", e);
        }
    }
}

/// <summary>EINIT refused an enclave; <see cref="Status"/> names the failed check.</summary>
public sealed class EnclaveLaunchException : Exception
{
    /// <summary>Creates the exception for a status.</summary>
    public EnclaveLaunchException(SgxStatus status)
        : base($"EINIT failed: {status.ArchitecturalName()}") => Status = status;

    /// <summary>Creates the exception.</summary>
    public EnclaveLaunchException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public EnclaveLaunchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public EnclaveLaunchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The architectural status EINIT returned.</summary>
    public SgxStatus Status { get; }
}
