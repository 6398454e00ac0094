using System.Buffers.Binary;

namespace Vouch.Sgx.Primitives;

/// <summary>
/// A forward-only, little-endian reader over untrusted bytes. Every read checks the remaining length
/// before it touches the buffer: a read that does not fit returns <see langword="false"/>, leaves the
/// position where it was and records the absolute offset and name of the field that did not fit
/// (<see cref="FailedOffset"/>, <see cref="FailedField"/>, <see cref="FailedLength"/>). No read throws.
/// </summary>
/// <remarks>
/// Byte fields come back as slices of the input (<see cref="ReadOnlyMemory{T}"/>), never copies, so parsed
/// structures keep the exact bytes that were signed. A reader over a nested structure is given the
/// absolute offset of its first byte (<c>origin</c>) so that every offset it reports is relative to the
/// start of the outermost buffer.
/// </remarks>
internal ref struct SpanReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private readonly int _origin;
    private int _position;
    private int _failedOffset;
    private int _failedLength;
    private string? _failedField;

    /// <summary>Starts reading at the first byte of <paramref name="memory"/>.</summary>
    /// <param name="memory">The bytes to read.</param>
    /// <param name="origin">The absolute offset of <paramref name="memory"/>'s first byte, used in reported offsets.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="origin"/> is negative, or origin plus length exceeds <see cref="int.MaxValue"/>.</exception>
    public SpanReader(ReadOnlyMemory<byte> memory, int origin = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(origin);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(origin, int.MaxValue - memory.Length);
        _memory = memory;
        _span = memory.Span;
        _origin = origin;
        _position = 0;
        _failedOffset = -1;
        _failedLength = 0;
        _failedField = null;
    }

    /// <summary>Bytes consumed so far, relative to the start of this reader.</summary>
    public readonly int Position => _position;

    /// <summary>The absolute offset of the next byte to read.</summary>
    public readonly int Offset => _origin + _position;

    /// <summary>Bytes not yet consumed.</summary>
    public readonly int Remaining => _span.Length - _position;

    /// <summary>The absolute offset of the field that did not fit, or -1 while no read has failed.</summary>
    public readonly int FailedOffset => _failedOffset;

    /// <summary>The name of the field that did not fit, or <see langword="null"/> while no read has failed.</summary>
    public readonly string? FailedField => _failedField;

    /// <summary>The number of bytes the failed read needed.</summary>
    public readonly int FailedLength => _failedLength;

    /// <summary>Reads a little-endian <see cref="ushort"/>.</summary>
    public bool TryReadUInt16(string field, out ushort value)
    {
        if (!Fits(sizeof(ushort), field))
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16LittleEndian(_span.Slice(_position, sizeof(ushort)));
        _position += sizeof(ushort);
        return true;
    }

    /// <summary>Reads a little-endian <see cref="uint"/>.</summary>
    public bool TryReadUInt32(string field, out uint value)
    {
        if (!Fits(sizeof(uint), field))
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32LittleEndian(_span.Slice(_position, sizeof(uint)));
        _position += sizeof(uint);
        return true;
    }

    /// <summary>Reads <paramref name="count"/> bytes as a slice of the input. A negative count fails.</summary>
    public bool TryReadBytes(int count, string field, out ReadOnlyMemory<byte> value)
    {
        if (!Fits(count, field))
        {
            value = ReadOnlyMemory<byte>.Empty;
            return false;
        }

        value = _memory.Slice(_position, count);
        _position += count;
        return true;
    }

    /// <summary>
    /// Reads a field whose length the data itself declared (an unsigned length field). Fails when the
    /// declared length is more than the bytes remaining; the comparison is unsigned, so no value can wrap.
    /// </summary>
    public bool TryReadDeclaredBytes(uint declaredLength, string field, out ReadOnlyMemory<byte> value)
    {
        if (declaredLength > (uint)Remaining)
        {
            Fail(field, declaredLength > int.MaxValue ? int.MaxValue : (int)declaredLength);
            value = ReadOnlyMemory<byte>.Empty;
            return false;
        }

        return TryReadBytes((int)declaredLength, field, out value);
    }

    private bool Fits(int count, string field)
    {
        if (count >= 0 && count <= Remaining)
        {
            return true;
        }

        Fail(field, count);
        return false;
    }

    private void Fail(string field, int count)
    {
        _failedOffset = Offset;
        _failedField = field;
        _failedLength = count;
    }
}
