using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vouch.Simulator.Enclaves;

/// <summary>
/// Computes MRENCLAVE the way the CPU does: one running SHA-256 over 64-byte ECREATE, EADD and EEXTEND
/// records (sgx-enclave-model §2.1), finalized at EINIT. It also enforces the ordering rules hardware
/// enforces: ECREATE first and once, page-aligned EADD inside the enclave and at most once per page,
/// 256-byte-aligned EEXTEND inside an added page, nothing after <see cref="Finish"/>.
/// </summary>
public sealed class MeasurementBuilder : IDisposable
{
    /// <summary>Size of one measurement record.</summary>
    public const int RecordSize = 64;
    /// <summary>Size of the data measured by one EEXTEND.</summary>
    public const int ChunkSize = 256;
    /// <summary>Size of an enclave page.</summary>
    public const int PageSize = 4096;

    // Record layouts (§2.1). ECREATE: tag 0, SSAFRAMESIZE u32 @8, SIZE u64 @12, zeros to 64.
    private const int TagOffset = 0;
    private const int ECreateSsaFrameSizeOffset = 8;
    private const int ECreateSizeOffset = 12;
    // EADD: tag, page offset u64 @8, SECINFO[0:48] @16 (FLAGS u64 then zeros).
    // EEXTEND: tag, chunk offset u64 @8, zeros to 64, then the 256 data bytes.
    private const int OffsetOffset = 8;
    private const int SecInfoOffset = 16;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly HashSet<ulong> _addedPages = [];
    private ulong _size;
    private bool _created;
    private bool _finished;

    /// <summary>The ECREATE tag, <c>"ECREATE\0"</c>.</summary>
    public static ReadOnlySpan<byte> ECreateTag => "ECREATE\0"u8;
    /// <summary>The EADD tag, <c>"EADD\0\0\0\0"</c>.</summary>
    public static ReadOnlySpan<byte> EAddTag => "EADD\0\0\0\0"u8;
    /// <summary>The EEXTEND tag, <c>"EEXTEND\0"</c>.</summary>
    public static ReadOnlySpan<byte> EExtendTag => "EEXTEND\0"u8;

    /// <summary>Number of EADD records so far.</summary>
    public int PagesAdded => _addedPages.Count;

    /// <summary>Number of EEXTEND records so far.</summary>
    public int ChunksExtended { get; private set; }

    /// <summary>Hashes the ECREATE record.</summary>
    /// <exception cref="InvalidOperationException">ECREATE was already hashed.</exception>
    /// <exception cref="ArgumentException">SIZE is not a power of two of at least two pages, or SSAFRAMESIZE is 0.</exception>
    public void ECreate(uint ssaFrameSize, ulong size)
    {
        if (_created)
        {
            throw new InvalidOperationException("ECREATE may run only once, first.");
        }

        if (size < 2 * PageSize || !ulong.IsPow2(size))
        {
            throw new ArgumentException("SECS.SIZE must be a power of two of at least two pages.", nameof(size));
        }

        if (ssaFrameSize == 0)
        {
            throw new ArgumentException("SECS.SSAFRAMESIZE must be at least one page.", nameof(ssaFrameSize));
        }

        Span<byte> record = stackalloc byte[RecordSize];
        record.Clear();
        ECreateTag.CopyTo(record[TagOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(record[ECreateSsaFrameSizeOffset..], ssaFrameSize);
        BinaryPrimitives.WriteUInt64LittleEndian(record[ECreateSizeOffset..], size);
        _hash.AppendData(record);
        _size = size;
        _created = true;
    }

    /// <summary>Hashes the EADD record of the page at <paramref name="offset"/> with SECINFO.FLAGS <paramref name="secInfoFlags"/>.</summary>
    /// <exception cref="InvalidOperationException">No ECREATE yet, or already finished.</exception>
    /// <exception cref="ArgumentException">The offset is unaligned, outside the enclave, or the page was already added.</exception>
    public void EAdd(ulong offset, ulong secInfoFlags)
    {
        EnsureOpen();
        if (offset % PageSize != 0 || offset >= _size)
        {
            throw new ArgumentException("EADD needs a page-aligned offset inside the enclave.", nameof(offset));
        }

        if (!_addedPages.Add(offset))
        {
            throw new ArgumentException("The page was already added.", nameof(offset));
        }

        Span<byte> record = stackalloc byte[RecordSize];
        record.Clear();
        EAddTag.CopyTo(record[TagOffset..]);
        BinaryPrimitives.WriteUInt64LittleEndian(record[OffsetOffset..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(record[SecInfoOffset..], secInfoFlags);
        _hash.AppendData(record);
    }

    /// <summary>Hashes the EEXTEND record of the 256-byte chunk at <paramref name="offset"/> followed by its data.</summary>
    /// <exception cref="InvalidOperationException">No ECREATE yet, or already finished.</exception>
    /// <exception cref="ArgumentException">The offset is not 256-aligned, its page was not added, or the chunk is not 256 bytes.</exception>
    public void EExtend(ulong offset, ReadOnlySpan<byte> chunk)
    {
        EnsureOpen();
        if (offset % ChunkSize != 0 || !_addedPages.Contains(offset - (offset % PageSize)))
        {
            throw new ArgumentException("EEXTEND needs a 256-aligned offset in an added page.", nameof(offset));
        }

        if (chunk.Length != ChunkSize)
        {
            throw new ArgumentException("EEXTEND measures exactly 256 bytes.", nameof(chunk));
        }

        Span<byte> record = stackalloc byte[RecordSize];
        record.Clear();
        EExtendTag.CopyTo(record[TagOffset..]);
        BinaryPrimitives.WriteUInt64LittleEndian(record[OffsetOffset..], offset);
        _hash.AppendData(record);
        _hash.AppendData(chunk);
        ChunksExtended++;
    }

    /// <summary>EADD of a page, then EEXTEND of the chunks whose bit is set in <paramref name="measuredChunks"/> (bit i = bytes 256·i…).</summary>
    public void AddPage(ulong offset, ulong secInfoFlags, ReadOnlySpan<byte> content, ushort measuredChunks)
    {
        if (content.Length != PageSize)
        {
            throw new ArgumentException("A page has 4096 bytes.", nameof(content));
        }

        EAdd(offset, secInfoFlags);
        for (var i = 0; i < PageSize / ChunkSize; i++)
        {
            if ((measuredChunks & (1 << i)) != 0)
            {
                EExtend(offset + (ulong)(i * ChunkSize), content.Slice(i * ChunkSize, ChunkSize));
            }
        }
    }

    /// <summary>Finalizes and returns MRENCLAVE (32 bytes). No record may follow.</summary>
    /// <exception cref="InvalidOperationException">No ECREATE yet, or already finished.</exception>
    public byte[] Finish()
    {
        EnsureOpen();
        _finished = true;
        return _hash.GetHashAndReset();
    }

    /// <inheritdoc/>
    public void Dispose() => _hash.Dispose();

    private void EnsureOpen()
    {
        if (!_created)
        {
            throw new InvalidOperationException("ECREATE must come first.");
        }

        if (_finished)
        {
            throw new InvalidOperationException("The measurement is already finalized.");
        }
    }
}
