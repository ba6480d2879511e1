using System.Buffers.Binary;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// Walks a Parquet footer (Thrift compact protocol) with strict bounds before Parquet.Net parses it: a
/// corrupt footer can otherwise send a parser into a loop that never ends (seen with Parquet.Net 6.1 on a
/// footer with flipped bytes). Checks the trailing length and magic, that every varint, string, list, set
/// and map fits in the footer, a nesting limit, and that the struct ends exactly at the footer's end.
/// Returns the footer's bytes, which <see cref="ParquetFooter"/> then reads.
/// </summary>
internal static class ThriftFooterCheck
{
    private const int MaxDepth = 64;

    public static byte[] Check(Stream stream)
    {
        var length = stream.Length;
        if (length < 12)
        {
            throw new UserErrorException($"not a valid Parquet file ({length} bytes; a Parquet file takes at least 12)");
        }

        Span<byte> tail = stackalloc byte[8];
        stream.Seek(-8, SeekOrigin.End);
        stream.ReadExactly(tail);
        if (!tail[4..].SequenceEqual("PAR1"u8))
        {
            throw new UserErrorException("not a valid Parquet file (no PAR1 magic at the end: truncated?)");
        }

        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > length - 12)
        {
            throw new UserErrorException($"not a valid Parquet file (footer length {footerLength} does not fit in {length} bytes)");
        }

        var footer = new byte[footerLength];
        stream.Seek(-8 - footerLength, SeekOrigin.End);
        stream.ReadExactly(footer);
        stream.Seek(0, SeekOrigin.Begin);
        var position = 0;
        try
        {
            SkipStruct(footer, ref position, 0);
        }
        catch (IndexOutOfRangeException)
        {
            throw new UserErrorException("not a valid Parquet file (corrupt footer: it ends inside a value)");
        }

        if (position != footer.Length)
        {
            throw new UserErrorException("not a valid Parquet file (corrupt footer: bytes after its end)");
        }

        return footer;
    }

    private static void SkipStruct(ReadOnlySpan<byte> data, ref int position, int depth)
    {
        if (depth > MaxDepth)
        {
            throw Corrupt("nested too deeply");
        }

        while (true)
        {
            var header = data[position++];
            if (header == 0)
            {
                return; // STOP
            }

            if ((header >> 4) == 0)
            {
                Varint(data, ref position); // explicit field id
            }

            SkipValue(data, ref position, header & 0x0F, depth, inStruct: true);
        }
    }

    internal static void SkipValue(ReadOnlySpan<byte> data, ref int position, int type, int depth, bool inStruct)
    {
        switch (type)
        {
            case 1 or 2:
                if (!inStruct)
                {
                    position++; // booleans in collections take a byte
                }

                break;
            case 3:
                position++;
                break;
            case 4 or 5 or 6:
                Varint(data, ref position);
                break;
            case 7:
                Need(data, position, 8);
                position += 8;
                break;
            case 8:
                var size = Size(data, ref position);
                Need(data, position, size);
                position += size;
                break;
            case 9 or 10:
                var list = data[position++];
                var count = list >> 4 == 15 ? Size(data, ref position) : list >> 4;
                Need(data, position, count); // every element takes at least one byte
                for (var i = 0; i < count; i++)
                {
                    SkipValue(data, ref position, list & 0x0F, depth + 1, inStruct: false);
                }

                break;
            case 11:
                var entries = Size(data, ref position);
                if (entries > 0)
                {
                    var types = data[position++];
                    Need(data, position, entries * 2);
                    for (var i = 0; i < entries; i++)
                    {
                        SkipValue(data, ref position, types >> 4, depth + 1, inStruct: false);
                        SkipValue(data, ref position, types & 0x0F, depth + 1, inStruct: false);
                    }
                }

                break;
            case 12:
                SkipStruct(data, ref position, depth + 1);
                break;
            default:
                throw Corrupt($"unknown value type {type}");
        }

        if (position > data.Length)
        {
            throw Corrupt("it ends inside a value");
        }
    }

    internal static ulong Varint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw Corrupt("a varint longer than 10 bytes");
    }

    internal static int Size(ReadOnlySpan<byte> data, ref int position)
    {
        var size = Varint(data, ref position);
        return size > int.MaxValue ? throw Corrupt("a size beyond the footer") : (int)size;
    }

    private static void Need(ReadOnlySpan<byte> data, int position, long bytes)
    {
        if (bytes < 0 || position + bytes > data.Length)
        {
            throw Corrupt("a value longer than the footer");
        }
    }

    internal static UserErrorException Corrupt(string what) => new($"not a valid Parquet file (corrupt footer: {what})");
}
