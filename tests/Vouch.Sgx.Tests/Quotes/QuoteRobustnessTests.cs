using System.Buffers.Binary;
using FsCheck;
using FsCheck.Xunit;
using Vouch.Sgx.Quotes;

namespace Vouch.Sgx.Tests.Quotes;

/// <summary>Truncation, mutation and garbage: <see cref="Quote.TryParse"/> returns an answer and never throws.</summary>
public sealed class QuoteRobustnessTests
{
    private static readonly string[] GenuineCases =
        [QuoteVectors.SgxV3, QuoteVectors.SgxV3IntelSample, QuoteVectors.TdxV4, QuoteVectors.TdxV5];

    private static readonly Lazy<byte[][]> Genuine = new(() => [.. GenuineCases.Select(QuoteVectors.Bytes)]);

    public static TheoryData<string> Cases => new(GenuineCases);

    /// <summary>
    /// Every prefix of a genuine quote fails, except those that still hold the whole signature data: those parse,
    /// with the bytes of the padding that survived counted as ignored.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public static void Truncation_AtEveryLength_FailsUnlessOnlyPaddingIsLost(string caseName)
    {
        var bytes = QuoteVectors.Bytes(caseName);
        var full = QuoteVectors.Parse(bytes);
        var signatureDataEnd = bytes.Length - full.IgnoredTrailingBytes;

        for (var length = 0; length < bytes.Length; length++)
        {
            var ok = Quote.TryParse(bytes.AsMemory(0, length), out var quote, out var error);
            if (length >= signatureDataEnd)
            {
                Assert.True(ok, $"length {length}: {error}");
                Assert.Equal(length - signatureDataEnd, quote!.IgnoredTrailingBytes);
            }
            else
            {
                Assert.False(ok, $"length {length} parsed");
                Assert.True(
                    error!.Code is ErrorCode.QuoteTruncated or ErrorCode.QuoteLengthOverflow,
                    $"length {length}: {error}");
            }
        }
    }

    /// <summary>
    /// Cuts the quote at every length inside its signature data and rewrites the enclosing length fields to
    /// match the cut, so the failure has to come from the fixed-size and declared-size checks inside the
    /// signature data (and, for v4/v5, inside the QE report certification data).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public static void Truncation_WithConsistentOuterLengths_FailsInsideSignatureData(string caseName)
    {
        var bytes = QuoteVectors.Bytes(caseName);
        var full = QuoteVectors.Parse(bytes);
        var lengthOffset = full.SignedRegion.Length;
        var dataStart = lengthOffset + 4;
        var signatureDataEnd = bytes.Length - full.IgnoredTrailingBytes;
        var outerSizeOffset = dataStart + 128 + 2;
        var nestedStart = outerSizeOffset + 4;
        var nested = full.Header.Version != 3;

        var seen = new HashSet<ErrorCode>();
        for (var length = dataStart; length < signatureDataEnd; length++)
        {
            var cut = bytes[..length];
            BinaryPrimitives.WriteUInt32LittleEndian(cut.AsSpan(lengthOffset), (uint)(length - dataStart));
            if (nested && length >= nestedStart)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(cut.AsSpan(outerSizeOffset), (uint)(length - nestedStart));
            }

            var ok = Quote.TryParse(cut, out _, out var error);
            Assert.False(ok, $"length {length} parsed");
            Assert.True(error!.Code is ErrorCode.QuoteTruncated or ErrorCode.QuoteLengthOverflow, $"length {length}: {error}");
            Assert.InRange(error.Offset, lengthOffset, length);
            seen.Add(error.Code);
        }

        Assert.Contains(ErrorCode.QuoteTruncated, seen);
        Assert.Contains(ErrorCode.QuoteLengthOverflow, seen);
    }

    /// <summary>Every byte of every genuine quote, set to 0x00, 0xFF and its complement: an answer, never an exception.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public static void EveryByte_SetToExtremes_NeverThrows(string caseName)
    {
        var bytes = QuoteVectors.Bytes(caseName);
        var copy = (byte[])bytes.Clone();
        for (var i = 0; i < bytes.Length; i++)
        {
            foreach (var value in new[] { (byte)0x00, (byte)0xFF, (byte)(bytes[i] ^ 0xFF) })
            {
                copy[i] = value;
                AssertAnswers(copy);
            }

            copy[i] = bytes[i];
        }
    }

    [Property(MaxTest = 500)]
    public void ArbitraryBytes_NeverThrow(byte[] bytes) => AssertAnswers(bytes);

    /// <summary>Garbage long enough to get past the minimum size, behind a genuine header.</summary>
    [Property(MaxTest = 500)]
    public void GenuinePrefixThenGarbage_NeverThrows(NonNegativeInt which, NonNegativeInt cut, byte[] tail)
    {
        var genuine = Genuine.Value[which.Get % Genuine.Value.Length];
        var keep = cut.Get % (genuine.Length + 1);
        var bytes = new byte[Math.Max(keep + tail.Length, Quote.MinSize)];
        genuine.AsSpan(0, keep).CopyTo(bytes);
        tail.CopyTo(bytes, keep);
        AssertAnswers(bytes);
    }

    [Property(MaxTest = 2000)]
    public void SingleByteMutationOfGenuineQuote_NeverThrows(NonNegativeInt which, NonNegativeInt position, byte value)
    {
        var bytes = (byte[])Genuine.Value[which.Get % Genuine.Value.Length].Clone();
        bytes[position.Get % bytes.Length] = value;
        AssertAnswers(bytes);
    }

    /// <summary>Overwrites four bytes at a time, which reaches the length fields with large values far more often.</summary>
    [Property(MaxTest = 2000)]
    public void UInt32OverwriteOfGenuineQuote_NeverThrows(NonNegativeInt which, NonNegativeInt position, uint value)
    {
        var bytes = (byte[])Genuine.Value[which.Get % Genuine.Value.Length].Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(position.Get % (bytes.Length - 3)), value);
        AssertAnswers(bytes);
    }

    private static void AssertAnswers(byte[] bytes)
    {
        var ok = Quote.TryParse(bytes, out var quote, out var error);
        if (ok)
        {
            Assert.NotNull(quote);
            Assert.Null(error);
            Assert.Equal(bytes.Length, quote.Raw.Length);
        }
        else
        {
            Assert.Null(quote);
            Assert.NotNull(error);
            Assert.True(Enum.IsDefined(error.Code) && (int)error.Code is > 1000 and < 2000, error.ToString());
            Assert.InRange(error.Offset, 0, Math.Max(bytes.Length, Quote.MaxSize));
        }
    }
}
