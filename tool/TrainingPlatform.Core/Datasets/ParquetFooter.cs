using Parquet;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>Rows and top-level fields from a Parquet file's footer: no data page is read.</summary>
internal static class ParquetFooter
{
    public static SampleCount Read(string path, bool check)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.RandomAccess);
            ThriftFooterCheck.Check(stream);
            return ReadAsync(stream, check).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not (UserErrorException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException))
        {
            throw new UserErrorException($"not a valid Parquet file ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    private static async Task<SampleCount> ReadAsync(Stream stream, bool check)
    {
        await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true).ConfigureAwait(false);
        var metadata = reader.Metadata ?? throw new UserErrorException("not a valid Parquet file (no footer metadata)");
        var rows = metadata.NumRows;
        if (rows < 0)
        {
            throw new UserErrorException($"not a valid Parquet file (footer says {rows} rows)");
        }

        var problems = new ProblemList();
        if (check)
        {
            var sum = metadata.RowGroups?.Sum(g => g.NumRows) ?? 0;
            if (sum != rows)
            {
                problems.Add(0, $"the footer says {rows} rows but its row groups hold {sum}");
            }
        }

        return new SampleCount(rows, [.. reader.Schema.Fields.Select(f => f.Name)], problems.Items, problems.Count);
    }
}
