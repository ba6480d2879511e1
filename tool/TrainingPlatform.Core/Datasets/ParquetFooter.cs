using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// Rows and top-level fields from a Parquet file's footer: no data page is read. The footer (Thrift compact
/// protocol, already bounds-checked by <see cref="ThriftFooterCheck"/>) is read by hand: FileMetaData's
/// <c>schema</c> (2), <c>num_rows</c> (3) and <c>row_groups</c> (4, each RowGroup's <c>num_rows</c> 3). A
/// parser of our own rather than Parquet.Net's reader, whose schema model builds CLR types by reflection
/// (<c>MakeGenericType</c>), which a Native AOT build cannot promise for every column type.
/// </summary>
internal static class ParquetFooter
{
    public static SampleCount Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.RandomAccess);
            return ReadFooter(stream);
        }
        catch (Exception ex) when (ex is not (UserErrorException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw Invalid(ex);
        }
    }

    /// <summary>
    /// The same from a seekable stream over the whole file (an SFTP file's ranged reads): only its first 4 bytes, its
    /// last 8 and the footer are read. The caller owns (and disposes) the stream.
    /// </summary>
    public static SampleCount Read(Stream seekable)
    {
        ArgumentNullException.ThrowIfNull(seekable);
        try
        {
            return ReadFooter(seekable);
        }
        catch (Exception ex) when (ex is not (UserErrorException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw Invalid(ex);
        }
    }

    private static SampleCount ReadFooter(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(head);
        if (!head.SequenceEqual("PAR1"u8))
        {
            throw new UserErrorException("not a valid Parquet file (no PAR1 magic at the start)");
        }

        return FromFooter(ThriftFooterCheck.Check(stream));
    }

    private static UserErrorException Invalid(Exception ex) => new($"not a valid Parquet file ({ex.Message.TrimEnd('.')})", ex);

    /// <summary>
    /// The rows are the row groups' <c>num_rows</c> summed: what every reader returns, as it reads row group by row
    /// group. The file's own <c>num_rows</c> is used only when the footer lists no row groups; it can disagree
    /// (parquet-rs 0.3.0 wrote 0 for a file of 6 rows, apache/parquet-testing's repeated_no_annotation.parquet,
    /// which Arrow reads as 6), and a count that readers do not see would be wrong, not a problem of the file.
    /// </summary>
    private static SampleCount FromFooter(byte[] footer)
    {
        var metadata = FileMetaData.Parse(footer);
        var rows = metadata.RowGroupRows is { } groups ? Sum(groups)
            : metadata.Rows ?? throw new UserErrorException("not a valid Parquet file (the footer has no row count)");
        if (rows < 0)
        {
            throw new UserErrorException($"not a valid Parquet file (footer says {rows} rows)");
        }

        return new SampleCount(rows, TopLevelFields(metadata.Schema), [], 0);
    }

    private static long Sum(List<long> groups)
    {
        long sum = 0;
        foreach (var rows in groups)
        {
            sum = rows >= 0 && sum <= long.MaxValue - rows ? sum + rows : throw ThriftFooterCheck.Corrupt($"a row group of {rows} rows");
        }

        return sum;
    }

    /// <summary>The root's children, in order: the schema is a depth-first list, each element with its child count.</summary>
    private static string[] TopLevelFields(List<(string Name, int Children)> schema)
    {
        if (schema.Count == 0)
        {
            throw new UserErrorException("not a valid Parquet file (the footer has no schema)");
        }

        var fields = new List<string>(schema[0].Children);
        var i = 1;
        for (var field = 0; field < schema[0].Children; field++)
        {
            if (i >= schema.Count)
            {
                throw ThriftFooterCheck.Corrupt("the schema's fields run past its end");
            }

            fields.Add(schema[i].Name);
            long pending = 1; // this field and, as they are met, its descendants
            while (pending > 0)
            {
                if (i >= schema.Count)
                {
                    throw ThriftFooterCheck.Corrupt("the schema's fields run past its end");
                }

                pending += schema[i].Children - 1;
                i++;
            }
        }

        return [.. fields];
    }

    private sealed class FileMetaData
    {
        public List<(string Name, int Children)> Schema { get; } = [];

        public long? Rows { get; private set; }

        /// <summary>Each row group's rows; null when the footer has no <c>row_groups</c> field.</summary>
        public List<long>? RowGroupRows { get; private set; }

        public static FileMetaData Parse(ReadOnlySpan<byte> data)
        {
            var result = new FileMetaData();
            var position = 0;
            var id = 0;
            while (NextField(data, ref position, ref id) is var type and not 0)
            {
                switch (id, type)
                {
                    case (2, 9):
                        var elements = ListHeader(data, ref position, 12);
                        for (var e = 0; e < elements; e++)
                        {
                            result.Schema.Add(SchemaElement(data, ref position));
                        }

                        break;
                    case (3, 6):
                        result.Rows = ZigZag(ThriftFooterCheck.Varint(data, ref position));
                        break;
                    case (4, 9):
                        var groups = ListHeader(data, ref position, 12);
                        result.RowGroupRows = new List<long>(Math.Min(groups, 1024));
                        for (var g = 0; g < groups; g++)
                        {
                            result.RowGroupRows.Add(RowGroupRowCount(data, ref position));
                        }

                        break;
                    default:
                        ThriftFooterCheck.SkipValue(data, ref position, type, 0, inStruct: true);
                        break;
                }
            }

            return result;
        }

        private static (string Name, int Children) SchemaElement(ReadOnlySpan<byte> data, ref int position)
        {
            string? name = null;
            var children = 0;
            var id = 0;
            while (NextField(data, ref position, ref id) is var type and not 0)
            {
                switch (id, type)
                {
                    case (4, 8):
                        var length = ThriftFooterCheck.Size(data, ref position);
                        name = Encoding.UTF8.GetString(data.Slice(position, length));
                        position += length;
                        break;
                    case (5, 5):
                        var count = ZigZag(ThriftFooterCheck.Varint(data, ref position));
                        children = count is >= 0 and <= int.MaxValue ? (int)count : throw ThriftFooterCheck.Corrupt($"a schema element with {count} children");
                        break;
                    default:
                        ThriftFooterCheck.SkipValue(data, ref position, type, 1, inStruct: true);
                        break;
                }
            }

            return (name ?? throw ThriftFooterCheck.Corrupt("a schema element without a name"), children);
        }

        private static long RowGroupRowCount(ReadOnlySpan<byte> data, ref int position)
        {
            long? rows = null;
            var id = 0;
            while (NextField(data, ref position, ref id) is var type and not 0)
            {
                if ((id, type) == (3, 6))
                {
                    rows = ZigZag(ThriftFooterCheck.Varint(data, ref position));
                }
                else
                {
                    ThriftFooterCheck.SkipValue(data, ref position, type, 1, inStruct: true);
                }
            }

            return rows ?? throw ThriftFooterCheck.Corrupt("a row group without a row count");
        }

        /// <summary>The next field's type (0 at the struct's end), with its id in <paramref name="id"/> (a delta from the last, or explicit).</summary>
        private static int NextField(ReadOnlySpan<byte> data, ref int position, ref int id)
        {
            var header = data[position++];
            if (header == 0)
            {
                return 0;
            }

            id = (header >> 4) == 0 ? (int)ZigZag(ThriftFooterCheck.Varint(data, ref position)) : id + (header >> 4);
            return header & 0x0F;
        }

        /// <summary>A list's element count, after checking its elements are of <paramref name="elementType"/>.</summary>
        private static int ListHeader(ReadOnlySpan<byte> data, ref int position, int elementType)
        {
            var header = data[position++];
            if ((header & 0x0F) != elementType)
            {
                throw ThriftFooterCheck.Corrupt($"a list of value type {header & 0x0F} where structs belong");
            }

            return header >> 4 == 15 ? ThriftFooterCheck.Size(data, ref position) : header >> 4;
        }

        private static long ZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
    }
}
