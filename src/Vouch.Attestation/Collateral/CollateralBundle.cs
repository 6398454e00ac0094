using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Vouch.Attestation.Errors;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>Why a collateral bundle (or a platform in it) cannot be used: a stable code and a one-line reason.</summary>
/// <param name="Code">The stable code (ATT75xx).</param>
/// <param name="Message">The reason, for people (never to be parsed).</param>
public sealed record CollateralBundleError(AttestationErrorCode Code, string Message);

/// <summary>
/// The collateral of one platform in a bundle: the files of a PCS-file collateral folder (<c>tcb_info.json</c>,
/// …), byte for byte, keyed by the FMSPC, PCK CA and TEE they are for.
/// </summary>
/// <param name="Fmspc">The FMSPC, 12 lower-case hex digits.</param>
/// <param name="Ca">The PCK CA whose CRL the platform carries: <c>platform</c>, <c>processor</c> or <c>unknown</c>.</param>
/// <param name="Tee"><c>SGX</c> or <c>TDX</c>.</param>
/// <param name="TcbEvaluationDataNumber">The TCB Info's evaluation data number.</param>
/// <param name="Files">File name (one of the PCS-file layout) to its exact bytes.</param>
public sealed record CollateralBundlePlatform(string Fmspc, string Ca, string Tee, int TcbEvaluationDataNumber, IReadOnlyDictionary<string, byte[]> Files)
{
    /// <summary>The folder name this platform is stored under: <c>&lt;tee&gt;-&lt;fmspc&gt;-&lt;ca&gt;</c>, lower case.</summary>
    public string FolderName => $"{Tee.ToLowerInvariant()}-{Fmspc}-{Ca}";

    /// <summary>The files as collateral for the verifier.</summary>
    public QuoteCollateral ToCollateral() => new(
        TcbInfo: Bytes(PcsFileLayout.TcbInfo),
        TcbInfoIssuerChain: Bytes(PcsFileLayout.TcbInfoIssuerChain),
        QeIdentity: Bytes(PcsFileLayout.QeIdentity),
        QeIdentityIssuerChain: Bytes(PcsFileLayout.QeIdentityIssuerChain),
        PckCrl: Bytes(PcsFileLayout.PckCrl),
        RootCaCrl: Bytes(PcsFileLayout.RootCaCrl),
        PckCrlIssuerChain: Bytes(PcsFileLayout.PckCrlIssuerChain),
        PckCertificateChain: Files.TryGetValue(PcsFileLayout.PckCertificateChain, out var chain) ? chain : null);

    private ReadOnlyMemory<byte> Bytes(string name) => Files.TryGetValue(name, out var bytes) ? bytes : default;

    /// <summary>
    /// Reads a collateral folder in the PCS-file layout into a platform, keyed by what its files say (the TCB Info's
    /// FMSPC and TEE, the PCK CRL's issuer). Nothing is verified here.
    /// </summary>
    /// <param name="directory">The collateral folder.</param>
    /// <param name="platform">The platform; null on failure.</param>
    /// <param name="error">Why the folder cannot be bundled; null on success.</param>
    /// <returns>Whether the folder was read.</returns>
    public static bool TryReadFolder(string directory, [NotNullWhen(true)] out CollateralBundlePlatform? platform, [NotNullWhen(false)] out CollateralBundleError? error)
    {
        ArgumentNullException.ThrowIfNull(directory);
        platform = null;
        if (!PcsFileLayout.TryLoad(directory, out _, out var loadError))
        {
            error = new(AttestationErrorCode.BundleMalformed, loadError);
            return false;
        }

        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in PcsFileLayout.FileNames)
        {
            var path = Path.Combine(directory, name);
            try
            {
                if (System.IO.File.Exists(path))
                {
                    files[name] = System.IO.File.ReadAllBytes(path);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = new(AttestationErrorCode.BundleMalformed, $"collateral file '{path}' cannot be read");
                return false;
            }
        }

        return TryCreate(files, out platform, out error);
    }

    /// <summary>Keys a set of files by what they say (see <see cref="TryReadFolder"/>).</summary>
    internal static bool TryCreate(IReadOnlyDictionary<string, byte[]> files, [NotNullWhen(true)] out CollateralBundlePlatform? platform, [NotNullWhen(false)] out CollateralBundleError? error)
    {
        platform = null;
        var missing = PcsFileLayout.FileNames.Take(6).FirstOrDefault(n => !files.ContainsKey(n));
        if (missing is not null)
        {
            error = new(AttestationErrorCode.BundleMalformed, $"the required file {missing} is missing");
            return false;
        }

        if (!TcbInfo.TryParse(files[PcsFileLayout.TcbInfo], out var tcbInfo, out _))
        {
            error = new(AttestationErrorCode.BundleCollateralInvalid, $"{PcsFileLayout.TcbInfo} is not a TCB Info");
            return false;
        }

        var crl = Crl.NormalizeEncoding(files[PcsFileLayout.PckCrl]) is { } der && Crl.TryParse(der, out var parsed, out _) ? parsed : null;
        platform = new CollateralBundlePlatform(
            Convert.ToHexStringLower(tcbInfo.Fmspc.Span),
            CaName(crl is null ? PckCaKind.Unknown : QuotePlatform.CaFromIssuerName(crl.IssuerCommonName)),
            tcbInfo.Id == TcbInfoId.Tdx ? "TDX" : "SGX",
            tcbInfo.TcbEvaluationDataNumber,
            files);
        error = null;
        return true;
    }

    /// <summary>The PCS <c>ca</c> name of a PCK CA: <c>platform</c>, <c>processor</c> or <c>unknown</c>.</summary>
    public static string CaName(PckCaKind ca) => ca switch
    {
        PckCaKind.Platform => "platform",
        PckCaKind.Processor => "processor",
        _ => "unknown",
    };
}

/// <summary>
/// One file holding the collateral of any number of platforms, to carry collateral to a verifier without network
/// access (<c>docs/collateral.md</c>). A JSON object
/// <c>{"format":"vouch-collateral-bundle","version":1,"createdAt":…,"platforms":[{"fmspc","ca","tee","tcbEvaluationDataNumber","files":{name:base64}}]}</c>.
/// The artefacts are kept byte for byte, as they carry Intel's signatures; the bundle itself is not signed, because
/// its importer verifies every artefact against pinned roots (<see cref="Verify"/>).
/// </summary>
/// <param name="CreatedAt">When the bundle was made (information only).</param>
/// <param name="Platforms">The platforms, in the order written.</param>
public sealed record CollateralBundle(DateTimeOffset CreatedAt, IReadOnlyList<CollateralBundlePlatform> Platforms)
{
    /// <summary>The value of the <c>format</c> member.</summary>
    public const string FormatName = "vouch-collateral-bundle";

    /// <summary>The only version understood.</summary>
    public const int FormatVersion = 1;

    /// <summary>The largest bundle read, in bytes (64 MiB).</summary>
    public const int MaxBytes = 64 << 20;

    /// <summary>The most platforms a bundle may hold.</summary>
    public const int MaxPlatforms = 4096;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true };

    /// <summary>The bundle as JSON (UTF-8), members in a fixed order, files in name order.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("format", FormatName);
            writer.WriteNumber("version", FormatVersion);
            writer.WriteString("createdAt", CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            writer.WriteStartArray("platforms");
            foreach (var platform in Platforms)
            {
                writer.WriteStartObject();
                writer.WriteString("fmspc", platform.Fmspc);
                writer.WriteString("ca", platform.Ca);
                writer.WriteString("tee", platform.Tee);
                writer.WriteNumber("tcbEvaluationDataNumber", platform.TcbEvaluationDataNumber);
                writer.WriteStartObject("files");
                foreach (var (name, bytes) in platform.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    writer.WriteBase64String(name, bytes);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Reads a bundle strictly: the format name and version, no unknown members, every platform with its keys and the six
    /// required files (and only files of the PCS-file layout), base64 that decodes, and keys that agree with the files (the
    /// TCB Info's FMSPC, TEE and evaluation number, the PCK CRL's CA). Signatures are not checked here: see <see cref="Verify"/>.
    /// Never throws for bad input.
    /// </summary>
    /// <param name="json">The bundle file's bytes.</param>
    /// <param name="bundle">The bundle; null on failure.</param>
    /// <param name="error">Why it was rejected: ATT7501 (malformed), ATT7502 (format or version), ATT7503 (too large), ATT7505 (keys disagree with files); null on success.</param>
    /// <returns>Whether the bytes are such a bundle.</returns>
    public static bool TryRead(ReadOnlyMemory<byte> json, [NotNullWhen(true)] out CollateralBundle? bundle, [NotNullWhen(false)] out CollateralBundleError? error)
    {
        bundle = null;
        if (json.Length > MaxBytes)
        {
            error = new(AttestationErrorCode.BundleTooLarge, $"the bundle is larger than {MaxBytes} bytes");
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            error = Read(document.RootElement, out bundle);
            return error is null;
        }
        catch (JsonException)
        {
            error = new(AttestationErrorCode.BundleMalformed, "the bundle is not JSON");
            return false;
        }
    }

    /// <summary>
    /// Verifies every platform's collateral against <paramref name="trustAnchors"/> (<see cref="CollateralVerifier"/>:
    /// signatures, chains ending in a trust anchor, CRL issuers and signatures). Freshness is not required.
    /// </summary>
    /// <param name="trustAnchors">The roots the chains may end in.</param>
    /// <returns>Each platform with its report, in bundle order.</returns>
    public IReadOnlyList<(CollateralBundlePlatform Platform, CollateralReport Report)> Verify(IReadOnlyList<TrustAnchor> trustAnchors) =>
        [.. Platforms.Select(p => (p, CollateralVerifier.Verify(p.ToCollateral(), trustAnchors)))];

    private static CollateralBundleError? Read(JsonElement root, out CollateralBundle? bundle)
    {
        bundle = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Malformed("the bundle is not a JSON object");
        }

        if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
        {
            return new(AttestationErrorCode.BundleFormatUnsupported, $"the format member is not \"{FormatName}\"");
        }

        if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != FormatVersion)
        {
            return new(AttestationErrorCode.BundleFormatUnsupported, $"the version is not {FormatVersion}");
        }

        if (Unknown(root, "format", "version", "createdAt", "platforms") is { } unknown)
        {
            return Malformed($"unknown member \"{unknown}\"");
        }

        if (!root.TryGetProperty("createdAt", out var created) || created.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(created.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var createdAt))
        {
            return Malformed("createdAt is not an ISO-8601 instant");
        }

        if (!root.TryGetProperty("platforms", out var platforms) || platforms.ValueKind != JsonValueKind.Array)
        {
            return Malformed("platforms is not an array");
        }

        if (platforms.GetArrayLength() > MaxPlatforms)
        {
            return new(AttestationErrorCode.BundleTooLarge, $"more than {MaxPlatforms} platforms");
        }

        var list = new List<CollateralBundlePlatform>();
        var index = 0;
        foreach (var item in platforms.EnumerateArray())
        {
            if (ReadPlatform(item, index, out var platform) is { } error)
            {
                return error;
            }

            if (list.Any(p => p.FolderName == platform!.FolderName))
            {
                return Malformed($"platforms[{index}] repeats {platform!.FolderName}");
            }

            list.Add(platform!);
            index++;
        }

        bundle = new CollateralBundle(createdAt, list);
        return null;
    }

    private static CollateralBundleError? ReadPlatform(JsonElement item, int index, out CollateralBundlePlatform? platform)
    {
        platform = null;
        var at = $"platforms[{index}]";
        if (item.ValueKind != JsonValueKind.Object)
        {
            return Malformed($"{at} is not an object");
        }

        if (Unknown(item, "fmspc", "ca", "tee", "tcbEvaluationDataNumber", "files") is { } unknown)
        {
            return Malformed($"{at} has an unknown member \"{unknown}\"");
        }

        if (!TryString(item, "fmspc", out var fmspc) || !TryString(item, "ca", out var ca) || !TryString(item, "tee", out var tee)
            || !item.TryGetProperty("tcbEvaluationDataNumber", out var number) || number.ValueKind != JsonValueKind.Number || !number.TryGetInt32(out var evaluation))
        {
            return Malformed($"{at} lacks fmspc, ca, tee (strings) or tcbEvaluationDataNumber (integer)");
        }

        if (!item.TryGetProperty("files", out var filesElement) || filesElement.ValueKind != JsonValueKind.Object)
        {
            return Malformed($"{at}.files is not an object");
        }

        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in filesElement.EnumerateObject())
        {
            if (!PcsFileLayout.FileNames.Contains(file.Name, StringComparer.Ordinal))
            {
                return Malformed($"{at}.files has \"{file.Name}\", which is not a file of the collateral layout");
            }

            if (files.ContainsKey(file.Name))
            {
                return Malformed($"{at}.files repeats \"{file.Name}\"");
            }

            if (file.Value.ValueKind != JsonValueKind.String || !file.Value.TryGetBytesFromBase64(out var bytes))
            {
                return Malformed($"{at}.files[\"{file.Name}\"] is not base64");
            }

            if (bytes.Length > PcsFileLayout.MaxFileBytes)
            {
                return new(AttestationErrorCode.BundleTooLarge, $"{at}.files[\"{file.Name}\"] is larger than {PcsFileLayout.MaxFileBytes} bytes");
            }

            files[file.Name] = bytes;
        }

        if (!CollateralBundlePlatform.TryCreate(files, out var keyed, out var error))
        {
            return error with { Message = $"{at}: {error.Message}" };
        }

        // The keys only name the platform; they must agree with what its files say.
        if (keyed.Fmspc != fmspc || keyed.Ca != ca || keyed.Tee != tee || keyed.TcbEvaluationDataNumber != evaluation)
        {
            return new(AttestationErrorCode.BundlePlatformMismatch,
                $"{at} is keyed {tee}-{fmspc}-{ca} #{evaluation.ToString(CultureInfo.InvariantCulture)} but its files say {keyed.Tee}-{keyed.Fmspc}-{keyed.Ca} #{keyed.TcbEvaluationDataNumber.ToString(CultureInfo.InvariantCulture)}");
        }

        platform = keyed;
        return null;
    }

    private static bool TryString(JsonElement element, string name, [NotNullWhen(true)] out string? value)
    {
        value = element.TryGetProperty(name, out var member) && member.ValueKind == JsonValueKind.String ? member.GetString() : null;
        return value is not null;
    }

    private static string? Unknown(JsonElement element, params string[] known)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            if (!known.Contains(member.Name, StringComparer.Ordinal) || !seen.Add(member.Name))
            {
                return member.Name;
            }
        }

        return null;
    }

    private static CollateralBundleError Malformed(string message) => new(AttestationErrorCode.BundleMalformed, message);
}
