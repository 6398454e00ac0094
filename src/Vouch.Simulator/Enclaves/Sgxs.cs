using System.Buffers.Binary;

namespace Vouch.Simulator.Enclaves;

/// <summary>
/// Reader of Fortanix SGXS measurement streams (sgx-enclave-model §2.2): the literal sequence of 64-byte
/// ECREATE/EADD/EEXTEND records (EEXTEND followed by its 256 data bytes), plus <c>UNMEASRD</c> blocks
/// (64-byte header and 256 data bytes that are loaded but not hashed).
/// </summary>
/// <remarks>
/// The reader does not hash the file. It decodes each record and replays it through
/// <see cref="MeasurementBuilder"/>, which re-encodes the record, so a known-answer SGXS file tests the
/// record encoder and the ordering rules rather than SHA-256.
/// </remarks>
public static class Sgxs
{
    private static ReadOnlySpan<byte> UnmeasuredTag => "UNMEASRD"u8;

    /// <summary>Result of replaying an SGXS stream.</summary>
    /// <param name="MrEnclave">The finalized measurement.</param>
    /// <param name="SsaFrameSize">SECS.SSAFRAMESIZE from ECREATE.</param>
    /// <param name="Size">SECS.SIZE from ECREATE.</param>
    /// <param name="Pages">Number of EADD records.</param>
    /// <param name="ExtendedChunks">Number of EEXTEND records.</param>
    public sealed record Result(byte[] MrEnclave, uint SsaFrameSize, ulong Size, int Pages, int ExtendedChunks);

    /// <summary>Replays an SGXS stream and returns MRENCLAVE.</summary>
    /// <exception cref="FormatException">The stream is truncated, has an unknown tag, or a record with non-zero reserved bytes.</exception>
    /// <exception cref="ArgumentException">A record breaks the ordering rules (see <see cref="MeasurementBuilder"/>).</exception>
    public static Result Measure(ReadOnlySpan<byte> sgxs)
    {
        using var builder = new MeasurementBuilder();
        uint ssaFrameSize = 0;
        ulong size = 0;
        var position = 0;
        while (position < sgxs.Length)
        {
            if (sgxs.Length - position < MeasurementBuilder.RecordSize)
            {
                throw new FormatException($"Truncated record at offset {position}.");
            }

            var record = sgxs.Slice(position, MeasurementBuilder.RecordSize);
            var tag = record[..8];
            position += MeasurementBuilder.RecordSize;
            if (tag.SequenceEqual(MeasurementBuilder.ECreateTag))
            {
                RequireZero(record[20..], position);
                ssaFrameSize = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
                size = BinaryPrimitives.ReadUInt64LittleEndian(record[12..]);
                builder.ECreate(ssaFrameSize, size);
            }
            else if (tag.SequenceEqual(MeasurementBuilder.EAddTag))
            {
                RequireZero(record[24..], position);
                builder.EAdd(BinaryPrimitives.ReadUInt64LittleEndian(record[8..]), BinaryPrimitives.ReadUInt64LittleEndian(record[16..]));
            }
            else if (tag.SequenceEqual(MeasurementBuilder.EExtendTag) || tag.SequenceEqual(UnmeasuredTag))
            {
                RequireZero(record[16..], position);
                if (sgxs.Length - position < MeasurementBuilder.ChunkSize)
                {
                    throw new FormatException($"Truncated chunk data at offset {position}.");
                }

                var data = sgxs.Slice(position, MeasurementBuilder.ChunkSize);
                position += MeasurementBuilder.ChunkSize;
                if (tag.SequenceEqual(MeasurementBuilder.EExtendTag))
                {
                    builder.EExtend(BinaryPrimitives.ReadUInt64LittleEndian(record[8..]), data);
                }
            }
            else
            {
                throw new FormatException($"Unknown SGXS tag at offset {position - MeasurementBuilder.RecordSize}.");
            }
        }

        return new Result(builder.Finish(), ssaFrameSize, size, builder.PagesAdded, builder.ChunksExtended);
    }

    private static void RequireZero(ReadOnlySpan<byte> reserved, int recordEnd)
    {
        if (reserved.ContainsAnyExcept((byte)0))
        {
            throw new FormatException($"Non-zero reserved bytes in the record ending at offset {recordEnd}.");
        }
    }
}
