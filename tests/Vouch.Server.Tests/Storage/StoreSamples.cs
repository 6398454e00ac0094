using System.Collections.Immutable;
using System.Security.Cryptography;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Server.Storage;

namespace Vouch.Server.Tests.Storage;

/// <summary>Values for the store tests: every field set, instants with sub-second ticks, bytes random.</summary>
internal static class StoreSamples
{
    /// <summary>An instant with all seven fractional digits in use.</summary>
    public static readonly DateTimeOffset At = new DateTimeOffset(2026, 5, 1, 12, 34, 56, TimeSpan.Zero).AddTicks(1_234_567);

    public static ImmutableArray<byte> Bytes(int length) => [.. RandomNumberGenerator.GetBytes(length)];

    /// <summary>A signed policy; <paramref name="tag"/> makes it distinct.</summary>
    public static StoredPolicy SignedPolicy(string tag, DateTimeOffset? at = null) => new(
        $"eyJhbGciOiJSUzI1NiJ9.{tag}.c2lnbmF0dXJl",
        $"version= 1.0;\nauthorizationrules {{ => permit(); }};\n// {tag} — ünïcödé ✓ \u0001\r\n",
        Bytes(733),
        at ?? At);

    public static StoredPolicy UnsignedPolicy(string tag, DateTimeOffset? at = null) => new(
        $"eyJhbGciOiJub25lIn0.{tag}.",
        $"version= 1.0; authorizationrules {{ => deny(); }}; // {tag}",
        [],
        at ?? At);

    /// <summary>A key record with random contents (the store neither parses nor decrypts them).</summary>
    public static SigningKey Key(SigningAlgorithm algorithm = SigningAlgorithm.RS256, DateTimeOffset? createdAt = null)
    {
        var created = createdAt ?? At;
        return new SigningKey(
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            algorithm,
            created,
            created.AddDays(1).AddTicks(7),
            created.AddDays(90).AddTicks(-3),
            Bytes(812),
            Bytes(1_219));
    }

    public static PolicySignerCertificate Signer(DateTimeOffset? addedAt = null, string? thumbprint = null)
    {
        // The store neither parses the DER nor checks the thumbprint: random ones of the right shape do.
        return new PolicySignerCertificate(thumbprint ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(20)), Bytes(640), addedAt ?? At);
    }

    public static ProviderRecord Provider(string name, DateTimeOffset? createdAt = null) =>
        new(name, TrustMode.Isolated, SigningAlgorithm.ES256, true, true, createdAt ?? At);

    public static void AssertSame(StoredPolicy expected, StoredPolicy? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Jws, actual.Jws, StringComparer.Ordinal);
        Assert.Equal(expected.Text, actual.Text, StringComparer.Ordinal);
        Assert.Equal(expected.SignerCertificate.AsSpan().ToArray(), actual.SignerCertificate.AsSpan().ToArray());
        Assert.Equal(expected.IsSigned, actual.IsSigned);
        Assert.Equal(expected.StoredAt.UtcTicks, actual.StoredAt.UtcTicks);
    }

    public static void AssertSame(SigningKey expected, SigningKey actual)
    {
        Assert.Equal(expected.KeyId, actual.KeyId, StringComparer.Ordinal);
        Assert.Equal(expected.Algorithm, actual.Algorithm);
        Assert.Equal(expected.CreatedAt.UtcTicks, actual.CreatedAt.UtcTicks);
        Assert.Equal(expected.ActivatesAt.UtcTicks, actual.ActivatesAt.UtcTicks);
        Assert.Equal(expected.RetiresAt.UtcTicks, actual.RetiresAt.UtcTicks);
        Assert.Equal(expected.Certificate.AsSpan().ToArray(), actual.Certificate.AsSpan().ToArray());
        Assert.Equal(expected.ProtectedPrivateKey.AsSpan().ToArray(), actual.ProtectedPrivateKey.AsSpan().ToArray());
    }

    public static void AssertSame(PolicySignerCertificate expected, PolicySignerCertificate actual)
    {
        Assert.Equal(expected.Thumbprint, actual.Thumbprint, StringComparer.Ordinal);
        Assert.Equal(expected.Certificate.AsSpan().ToArray(), actual.Certificate.AsSpan().ToArray());
        Assert.Equal(expected.AddedAt.UtcTicks, actual.AddedAt.UtcTicks);
    }

    public static void AssertSame(IReadOnlyList<PolicySignerCertificate> expected, ImmutableArray<PolicySignerCertificate> actual)
    {
        Assert.Equal(expected.Count, actual.Length);
        for (var i = 0; i < expected.Count; i++)
        {
            AssertSame(expected[i], actual[i]);
        }
    }

    public static void AssertSame(ProviderRecord expected, ProviderRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Name, actual.Name, StringComparer.Ordinal);
        Assert.Equal(expected.TrustMode, actual.TrustMode);
        Assert.Equal(expected.SigningAlgorithm, actual.SigningAlgorithm);
        Assert.Equal(expected.TrustSimulatedAuthority, actual.TrustSimulatedAuthority);
        Assert.Equal(expected.AllowExpiredCollateral, actual.AllowExpiredCollateral);
        Assert.Equal(expected.CreatedAt.UtcTicks, actual.CreatedAt.UtcTicks);
        Assert.Equal(expected.Collateral, actual.Collateral);
    }

    /// <summary>A cached copy whose artefact bytes are distinct per <paramref name="seed"/> (the store keeps bytes, it does not parse them).</summary>
    public static CachedCollateral Collateral(string key, int tcbNumber, int qeNumber, byte seed = 1) => new(
        key,
        new Uri("https://pccs.example:8081/"),
        At,
        new Vouch.Sgx.Verification.QuoteCollateral(
            TcbInfo: new byte[] { seed, 1 },
            TcbInfoIssuerChain: new byte[] { seed, 2 },
            QeIdentity: new byte[] { seed, 3 },
            QeIdentityIssuerChain: new byte[] { seed, 4 },
            PckCrl: new byte[] { seed, 5 },
            RootCaCrl: new byte[] { seed, 6 },
            PckCrlIssuerChain: new byte[] { seed, 7 }),
        tcbNumber,
        qeNumber,
        At.AddDays(-1),
        At.AddDays(29));

    public static void AssertSame(CachedCollateral expected, CachedCollateral actual)
    {
        Assert.Equal(expected.Key, actual.Key, StringComparer.Ordinal);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.FetchedAt.UtcTicks, actual.FetchedAt.UtcTicks);
        Assert.Equal(expected.Collateral.TcbInfo.ToArray(), actual.Collateral.TcbInfo.ToArray());
        Assert.Equal(expected.Collateral.TcbInfoIssuerChain.ToArray(), actual.Collateral.TcbInfoIssuerChain.ToArray());
        Assert.Equal(expected.Collateral.QeIdentity.ToArray(), actual.Collateral.QeIdentity.ToArray());
        Assert.Equal(expected.Collateral.QeIdentityIssuerChain.ToArray(), actual.Collateral.QeIdentityIssuerChain.ToArray());
        Assert.Equal(expected.Collateral.PckCrl.ToArray(), actual.Collateral.PckCrl.ToArray());
        Assert.Equal(expected.Collateral.PckCrlIssuerChain.ToArray(), actual.Collateral.PckCrlIssuerChain.ToArray());
        Assert.Equal(expected.Collateral.RootCaCrl.ToArray(), actual.Collateral.RootCaCrl.ToArray());
        Assert.Equal(expected.TcbEvaluationDataNumber, actual.TcbEvaluationDataNumber);
        Assert.Equal(expected.QeEvaluationDataNumber, actual.QeEvaluationDataNumber);
        Assert.Equal(expected.ValidFrom.UtcTicks, actual.ValidFrom.UtcTicks);
        Assert.Equal(expected.ValidUntil.UtcTicks, actual.ValidUntil.UtcTicks);
        Assert.Equal(expected.PckCrlNumber, actual.PckCrlNumber);
        Assert.Equal(expected.RootCaCrlNumber, actual.RootCaCrlNumber);
    }
}

/// <summary>A fresh folder under the temp directory for database files, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vouch-store-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        // Pooled connections keep files open; close idle ones so the folder can go (required on Windows).
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A connection of a test still running elsewhere may hold a file: the OS temp cleaner takes it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
