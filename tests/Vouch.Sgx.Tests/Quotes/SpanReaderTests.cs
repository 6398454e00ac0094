using Vouch.Sgx.Primitives;

namespace Vouch.Sgx.Tests.Quotes;

/// <summary><see cref="SpanReader"/>, the bounds-checked reader under the quote parser.</summary>
public static class SpanReaderTests
{
    private static readonly byte[] Data = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07];

    [Fact]
    public static void Reads_LittleEndianInOrder()
    {
        var reader = new SpanReader(Data);
        Assert.True(reader.TryReadUInt16("a", out var a));
        Assert.True(reader.TryReadUInt32("b", out var b));
        Assert.True(reader.TryReadBytes(1, "c", out var c));
        Assert.Equal(0x0201, a);
        Assert.Equal(0x06050403u, b);
        Assert.Equal(0x07, c.Span[0]);
        Assert.Equal(7, reader.Position);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(-1, reader.FailedOffset);
        Assert.Null(reader.FailedField);
    }

    [Fact]
    public static void TryReadBytes_ReturnsASliceOfTheInput()
    {
        var memory = new ReadOnlyMemory<byte>(Data);
        var reader = new SpanReader(memory);
        Assert.True(reader.TryReadBytes(2, "skip", out _));
        Assert.True(reader.TryReadBytes(3, "slice", out var slice));
        Assert.True(memory.Slice(2, 3).Equals(slice));
    }

    [Fact]
    public static void ReadPastEnd_FailsAndRecordsFieldAndAbsoluteOffset()
    {
        var reader = new SpanReader(Data, origin: 100);
        Assert.True(reader.TryReadBytes(6, "head", out _));
        Assert.False(reader.TryReadUInt16("tail", out var value));
        Assert.Equal(0, value);
        Assert.Equal(6, reader.Position);
        Assert.Equal(106, reader.Offset);
        Assert.Equal(106, reader.FailedOffset);
        Assert.Equal("tail", reader.FailedField);
        Assert.Equal(2, reader.FailedLength);
        Assert.Equal(1, reader.Remaining);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(8)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public static void TryReadBytes_CountOutOfRange_Fails(int count)
    {
        var reader = new SpanReader(Data);
        Assert.False(reader.TryReadBytes(count, "x", out var value));
        Assert.True(value.IsEmpty);
        Assert.Equal(0, reader.Position);
        Assert.Equal(0, reader.FailedOffset);
    }

    [Theory]
    [InlineData(8u)]
    [InlineData(0x80000000u)]
    [InlineData(uint.MaxValue)]
    public static void TryReadDeclaredBytes_LengthPastEnd_Fails(uint declared)
    {
        var reader = new SpanReader(Data);
        Assert.False(reader.TryReadDeclaredBytes(declared, "x", out _));
        Assert.Equal(0, reader.Position);
        Assert.Equal("x", reader.FailedField);
    }

    [Fact]
    public static void TryReadDeclaredBytes_ExactlyTheRest_Succeeds()
    {
        var reader = new SpanReader(Data);
        Assert.True(reader.TryReadDeclaredBytes(7u, "all", out var all));
        Assert.Equal(7, all.Length);
        Assert.True(reader.TryReadDeclaredBytes(0u, "none", out var none));
        Assert.True(none.IsEmpty);
    }

    [Fact]
    public static void TryReadUInt32_OnEmptyInput_Fails()
    {
        var reader = new SpanReader(ReadOnlyMemory<byte>.Empty);
        Assert.False(reader.TryReadUInt32("n", out _));
        Assert.Equal(0, reader.FailedOffset);
    }

    [Fact]
    public static void Constructor_OriginThatWouldOverflow_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpanReader(Data, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpanReader(Data, int.MaxValue - 3));
    }
}
