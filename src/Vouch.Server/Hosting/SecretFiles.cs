using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vouch.Attestation.Keys;

namespace Vouch.Server.Hosting;

/// <summary>
/// The secrets a server needs besides its database: the key-encryption key, the TLS certificate and the local
/// administrator token. Files are created with mode 0600 before anything is written into them, in directories
/// of mode 0700 (<see cref="CreatePrivateDirectory"/>), whatever the process's umask.
/// </summary>
public static class SecretFiles
{
    /// <summary>Mode 0600: every file Vouch writes into its data directory (database, keys, secrets, certificates).</summary>
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Mode 0700: the data directory and every directory Vouch makes in it.</summary>
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The generated key-encryption key's file name in the data directory.</summary>
    public const string KeyEncryptionKeyFileName = "key-encryption-key";

    /// <summary>The administrator token's file name in the data directory.</summary>
    public const string AdminTokenFileName = "admin-token";

    /// <summary>The generated TLS certificate (PEM, public) in the data directory.</summary>
    public static readonly string TlsCertificateFileName = Path.Combine("tls", "server.crt");

    /// <summary>The generated TLS certificate with its key (PKCS#12, encrypted under a key derived from the KEK).</summary>
    public static readonly string TlsPfxFileName = Path.Combine("tls", "server.pfx");

    /// <summary>
    /// The key-encryption key: <see cref="VouchOptions.KeyEncryptionKey"/>, else the file named by
    /// <see cref="VouchOptions.KeyEncryptionKeyFile"/>, else (development) <c>DATA/key-encryption-key</c>, created
    /// when <see cref="VouchOptions.CreateMissingSecrets"/> is on.
    /// </summary>
    /// <exception cref="InvalidOperationException">No key is configured, or it is not 32 bytes of base64.</exception>
    public static byte[] LoadKeyEncryptionKey(VouchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.KeyEncryptionKey is { Length: > 0 } inline)
        {
            return Decode(inline, "Vouch:KeyEncryptionKey");
        }

        var file = options.KeyEncryptionKeyFile ?? Path.Combine(options.DataDirectory, KeyEncryptionKeyFileName);
        if (!File.Exists(file))
        {
            if (!options.CreateMissingSecrets || options.KeyEncryptionKeyFile is not null)
            {
                throw new InvalidOperationException(
                    "no key-encryption key: set Vouch:KeyEncryptionKey (32 bytes, base64) or Vouch:KeyEncryptionKeyFile; signing keys are never stored unencrypted");
            }

            WritePrivateFile(file, Convert.ToBase64String(AesGcmKeyProtector.GenerateKey()) + "\n");
        }

        return Decode(File.ReadAllText(file).Trim(), file);
    }

    /// <summary>
    /// The HTTPS certificate: the configured one, else (development) a self-signed P-256 certificate for
    /// 127.0.0.1, ::1 and localhost kept in <c>DATA/tls/</c>, renewed 30 days before it expires. Null when none is
    /// configured and none may be created.
    /// </summary>
    public static X509Certificate2? LoadTlsCertificate(VouchOptions options, byte[] keyEncryptionKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Tls.CertificateFile is { } configured)
        {
            if (options.Tls.KeyFile is { } keyFile)
            {
                return options.Tls.Password is { } pemPassword
                    ? X509Certificate2.CreateFromEncryptedPemFile(configured, pemPassword, keyFile)
                    : X509Certificate2.CreateFromPemFile(configured, keyFile);
            }

            return X509CertificateLoader.LoadPkcs12FromFile(configured, options.Tls.Password);
        }

        if (!options.CreateMissingSecrets)
        {
            return null;
        }

        var pfxPath = Path.Combine(options.DataDirectory, TlsPfxFileName);
        var password = TlsPassword(keyEncryptionKey);
        if (File.Exists(pfxPath))
        {
            X509Certificate2 existing;
            try
            {
                existing = X509CertificateLoader.LoadPkcs12FromFile(pfxPath, password);
            }
            catch (CryptographicException e)
            {
                throw new InvalidOperationException(
                    $"the TLS certificate {pfxPath} cannot be decrypted: is the key-encryption key the one this data directory was created with?", e);
            }

            if (existing.NotAfter.ToUniversalTime() > now.AddDays(30))
            {
                return existing;
            }

            existing.Dispose();
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Vouch development server", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        var pfx = created.ExportPkcs12(new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000), password);
        WritePrivateFile(pfxPath, pfx);
        WritePrivateFile(Path.Combine(options.DataDirectory, TlsCertificateFileName), created.ExportCertificatePem() + "\n");
        return X509CertificateLoader.LoadPkcs12(pfx, password);
    }

    /// <summary>A new administrator token: 32 random bytes, base64url, prefixed <c>vouch_</c> so it is recognisable in a leak scan.</summary>
    public static string NewAdminToken() => "vouch_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>SHA-256 of the token's UTF-8 bytes: what the database keeps.</summary>
    public static byte[] HashAdminToken(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Writes <paramref name="content"/> to a file created with mode 0600 (owner read/write only), replacing it atomically.</summary>
    public static void WritePrivateFile(string path, string content) => WritePrivateFile(path, Encoding.UTF8.GetBytes(content));

    /// <summary>Writes <paramref name="content"/> to a file created with mode 0600 (owner read/write only), replacing it atomically.</summary>
    public static void WritePrivateFile(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(content);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            CreatePrivateDirectory(directory);
        }

        var temporary = path + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = OwnerOnlyFile;
        }

        using (var stream = new FileStream(temporary, create))
        {
            if (!OperatingSystem.IsWindows())
            {
                // The create mode passes through the umask; this makes the mode exact.
                File.SetUnixFileMode(stream.SafeFileHandle, OwnerOnlyFile);
            }

            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Creates <paramref name="path"/> (and missing parents) with mode 0700, or narrows an existing directory to 0700:
    /// the data directory holds the database, the keys and the administrator token, which no other user may list or
    /// read. The mode is set explicitly after creation, so the umask neither widens nor narrows it.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory exists but belongs to another user.</exception>
    public static void CreatePrivateDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, OwnerOnlyDirectory);
        File.SetUnixFileMode(path, OwnerOnlyDirectory);
    }

    // The PFX password is derived from the KEK, so the TLS private key is encrypted at rest under the same secret.
    private static string TlsPassword(byte[] keyEncryptionKey) =>
        Convert.ToBase64String(HMACSHA256.HashData(keyEncryptionKey, "vouch tls pkcs12 password"u8));

    private static byte[] Decode(string base64, string source)
    {
        Span<byte> key = stackalloc byte[64];
        if (!Convert.TryFromBase64String(base64, key, out var written) || written != AesGcmKeyProtector.KeySize)
        {
            throw new InvalidOperationException($"the key-encryption key from {source} is not {AesGcmKeyProtector.KeySize} bytes of base64");
        }

        return key[..written].ToArray();
    }
}
