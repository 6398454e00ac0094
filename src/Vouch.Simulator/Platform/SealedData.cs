using System.Buffers.Binary;

namespace Vouch.Simulator.Platform;

/// <summary>
/// The Intel SDK's sealed-data blob, <c>sgx_sealed_data_t</c> (sgx-enclave-model §1.10): KEYREQUEST (512) @0;
/// plain_text_offset u32 @512 (= ciphertext length); 12 reserved; payload_size u32 @528 (ciphertext +
/// additional MAC text); 12 reserved; AES-GCM tag (16) @544; payload @560 = ciphertext ‖ additional text in
/// clear. (The header comments in <c>sgx_tseal.h</c> give wrong offsets; these are the real ones.)
/// </summary>
public sealed record SealedData(KeyRequest KeyRequest, byte[] Ciphertext, byte[] AdditionalText, byte[] Tag)
{
    /// <summary>Size of the header before the payload.</summary>
    public const int HeaderSize = 560;
    internal const int PlainTextOffsetOffset = 512;
    internal const int Reserved1Offset = 516, Reserved1Size = 12;
    internal const int PayloadSizeOffset = 528;
    internal const int Reserved2Offset = 532, Reserved2Size = 12;
    internal const int TagOffset = 544, TagSize = 16;

    /// <summary>The blob bytes.</summary>
    public byte[] ToBytes()
    {
        var blob = new byte[HeaderSize + Ciphertext.Length + AdditionalText.Length];
        var s = blob.AsSpan();
        KeyRequest.ToBytes().CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[PlainTextOffsetOffset..], (uint)Ciphertext.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(s[PayloadSizeOffset..], (uint)(Ciphertext.Length + AdditionalText.Length));
        Tag.CopyTo(s[TagOffset..]);
        Ciphertext.CopyTo(s[HeaderSize..]);
        AdditionalText.CopyTo(s[(HeaderSize + Ciphertext.Length)..]);
        return blob;
    }

    /// <summary>Parses a blob; sizes must consume it exactly.</summary>
    public static bool TryRead(ReadOnlySpan<byte> blob, out SealedData? sealedData)
    {
        sealedData = null;
        if (blob.Length < HeaderSize
            || blob.Slice(Reserved1Offset, Reserved1Size).ContainsAnyExcept((byte)0)
            || blob.Slice(Reserved2Offset, Reserved2Size).ContainsAnyExcept((byte)0))
        {
            return false;
        }

        var plainTextOffset = BinaryPrimitives.ReadUInt32LittleEndian(blob[PlainTextOffsetOffset..]);
        var payloadSize = BinaryPrimitives.ReadUInt32LittleEndian(blob[PayloadSizeOffset..]);
        if (payloadSize != (uint)(blob.Length - HeaderSize) || plainTextOffset > payloadSize)
        {
            return false;
        }

        KeyRequest request;
        try
        {
            request = KeyRequest.Read(blob[..KeyRequest.Size]);
        }
        catch (Enclaves.SgxFaultException)
        {
            return false;
        }

        var payload = blob[HeaderSize..];
        sealedData = new SealedData(
            request,
            payload[..(int)plainTextOffset].ToArray(),
            payload[(int)plainTextOffset..].ToArray(),
            blob.Slice(TagOffset, TagSize).ToArray());
        return true;
    }
}

/// <summary>Which identity a sealing key is bound to.</summary>
public enum SealPolicy
{
    /// <summary>"Unique": only the identical enclave build (same MRENCLAVE) can unseal.</summary>
    MrEnclave,
    /// <summary>"Product": any enclave of the same signer and ISVPRODID with ISVSVN at least the sealer's.</summary>
    MrSigner,
}

/// <summary>Why an unseal failed.</summary>
public enum UnsealStatus
{
    /// <summary>The blob opened.</summary>
    Success,
    /// <summary>The blob is not a well-formed sealed-data blob.</summary>
    Malformed,
    /// <summary>The blob was sealed at a CPUSVN newer than the platform's.</summary>
    InvalidCpuSvn,
    /// <summary>The blob was sealed at an ISVSVN (or CONFIGSVN) newer than the enclave's.</summary>
    InvalidIsvSvn,
    /// <summary>The key request names a key this enclave may not have.</summary>
    InvalidAttribute,
    /// <summary>The AES-GCM tag does not verify: another enclave, another platform, or a changed blob.</summary>
    MacMismatch,
}

/// <summary>The outcome of an unseal.</summary>
/// <param name="Status">Success or the reason.</param>
/// <param name="Plaintext">The decrypted text on success.</param>
/// <param name="AdditionalText">The authenticated clear text on success.</param>
public sealed record UnsealResult(UnsealStatus Status, byte[]? Plaintext, byte[]? AdditionalText);
