using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Vouch.Attestation.Keys;

/// <summary>
/// Encrypts private keys at rest under a key-encryption key (KEK). The associated data binds a blob to
/// what it belongs to (the key id), so a stored blob cannot be moved to another key's row.
/// </summary>
public interface IKeyProtector
{
    /// <summary>Encrypts <paramref name="plaintext"/>, authenticated together with <paramref name="associatedData"/>.</summary>
    byte[] Protect(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData);

    /// <summary>Decrypts a blob made by <see cref="Protect"/>; false when it was altered, was bound to other associated data, or was made under another KEK.</summary>
    bool TryUnprotect(ReadOnlySpan<byte> protectedData, ReadOnlySpan<byte> associatedData, [NotNullWhen(true)] out byte[]? plaintext);
}

/// <summary>
/// AES-256-GCM under a 32-byte KEK. Blob layout: version (1 byte, 1) ‖ nonce (12, random) ‖ tag (16) ‖
/// ciphertext. The version byte is authenticated as part of the associated data.
/// </summary>
/// <threadsafety>Safe for concurrent use.</threadsafety>
public sealed class AesGcmKeyProtector : IKeyProtector, IDisposable
{
    /// <summary>KEK size in bytes.</summary>
    public const int KeySize = 32;

    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + NonceSize + TagSize;

    private readonly byte[] _kek;

    /// <summary>Uses <paramref name="keyEncryptionKey"/> (copied) as the KEK.</summary>
    /// <exception cref="ArgumentException">The KEK is not 32 bytes.</exception>
    public AesGcmKeyProtector(ReadOnlySpan<byte> keyEncryptionKey)
    {
        if (keyEncryptionKey.Length != KeySize)
        {
            throw new ArgumentException($"the key-encryption key must be {KeySize} bytes", nameof(keyEncryptionKey));
        }

        _kek = keyEncryptionKey.ToArray();
    }

    /// <summary>A fresh random KEK.</summary>
    public static byte[] GenerateKey() => RandomNumberGenerator.GetBytes(KeySize);

    /// <inheritdoc />
    public byte[] Protect(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var blob = new byte[HeaderSize + plaintext.Length];
        blob[0] = Version;
        var nonce = blob.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_kek, TagSize);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(HeaderSize), blob.AsSpan(1 + NonceSize, TagSize), Aad(associatedData));
        return blob;
    }

    /// <inheritdoc />
    public bool TryUnprotect(ReadOnlySpan<byte> protectedData, ReadOnlySpan<byte> associatedData, [NotNullWhen(true)] out byte[]? plaintext)
    {
        plaintext = null;
        if (protectedData.Length < HeaderSize || protectedData[0] != Version)
        {
            return false;
        }

        var result = new byte[protectedData.Length - HeaderSize];
        try
        {
            using var aes = new AesGcm(_kek, TagSize);
            aes.Decrypt(protectedData.Slice(1, NonceSize), protectedData[HeaderSize..], protectedData.Slice(1 + NonceSize, TagSize), result, Aad(associatedData));
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(result);
            return false;
        }

        plaintext = result;
        return true;
    }

    /// <summary>Clears the KEK from memory.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_kek);

    private static byte[] Aad(ReadOnlySpan<byte> associatedData) => [Version, .. associatedData];
}
