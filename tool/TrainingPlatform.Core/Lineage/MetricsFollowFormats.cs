using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// What a metrics format provides so that <see cref="MetricsFollow"/> can read a file while a trainer appends to it:
/// where the complete records in the bytes written so far end, what every later piece needs in front of it to be read
/// alone, and how a piece is read. The follower hands each format only bytes it has not recorded yet, starting at a
/// record boundary; it never hands a record the format did not call complete.
/// </summary>
public interface IMetricsFollowFormat
{
    /// <summary>
    /// The length of the longest prefix of <paramref name="data"/> that holds whole records only (0 when none is complete
    /// yet). <paramref name="data"/> starts at a record boundary; <paramref name="atStart"/> when it is the file's start.
    /// A line format ends a record at a <c>\n</c>; a record whose end is not written yet is left for the next look.
    /// </summary>
    int CompleteLength(ReadOnlySpan<byte> data, bool atStart);

    /// <summary>
    /// The length of the file's first bytes that every later piece needs in front of it to be read on its own (a CSV
    /// header line with its <c>\n</c>); 0 when a piece needs nothing; -1 while those bytes are not all written yet.
    /// </summary>
    int PreambleLength(ReadOnlySpan<byte> fileStart);

    /// <summary>
    /// Reads one piece: the preamble (when the piece does not start the file) and then complete records. Problems are
    /// numbered by line within the piece, the preamble's lines included (the follower turns them into the file's lines).
    /// </summary>
    /// <exception cref="UserErrorException">The piece is not this format at all.</exception>
    MetricsFileResult Read(ReadOnlyMemory<byte> piece, DateTimeOffset importTime);
}

/// <summary>The formats <c>--follow</c> can read: JSON Lines, CSV and TSV, one record per line.</summary>
public static class MetricsFollowFormats
{
    /// <summary>The follow reader of a format, or null when the format cannot be followed.</summary>
    public static IMetricsFollowFormat? For(MetricsFileFormat format) => format switch
    {
        MetricsFileFormat.JsonLines => new JsonLinesFollow(),
        MetricsFileFormat.Csv or MetricsFileFormat.Tsv => new DelimitedFollow(format),
        _ => null,
    };

    /// <summary>The follow reader for a file by its name (the extensions of <see cref="MetricsFile.FormatOf"/>), or null.</summary>
    public static IMetricsFollowFormat? ForFile(string path)
    {
        try
        {
            return For(MetricsFile.FormatOf(path));
        }
        catch (UserErrorException)
        {
            return null;
        }
    }

    /// <summary>One JSON object per line: a record ends at its <c>\n</c>; a piece needs nothing in front of it.</summary>
    private sealed class JsonLinesFollow : IMetricsFollowFormat
    {
        public int CompleteLength(ReadOnlySpan<byte> data, bool atStart) => data.LastIndexOf((byte)'\n') + 1;

        public int PreambleLength(ReadOnlySpan<byte> fileStart) => 0;

        public MetricsFileResult Read(ReadOnlyMemory<byte> piece, DateTimeOffset importTime) =>
            MetricsFile.Parse(piece, MetricsFileFormat.JsonLines, importTime);
    }

    /// <summary>
    /// CSV/TSV: a record ends at a <c>\n</c> outside quotes (a quoted field may hold line breaks); every piece after the
    /// first needs the header line in front of it, and the first piece needs a row besides the header.
    /// </summary>
    private sealed class DelimitedFollow(MetricsFileFormat format) : IMetricsFollowFormat
    {
        public int CompleteLength(ReadOnlySpan<byte> data, bool atStart)
        {
            var complete = 0;
            var lines = 0;
            var quoted = false;
            for (var i = 0; i < data.Length; i++)
            {
                var b = data[i];
                if (b == '"')
                {
                    quoted = !quoted; // "" inside quotes flips twice
                }
                else if (b == '\n' && !quoted)
                {
                    complete = i + 1;
                    lines++;
                }
            }

            // The header alone is not a piece: its file has no rows yet.
            return atStart && lines < 2 ? 0 : complete;
        }

        public int PreambleLength(ReadOnlySpan<byte> fileStart) => fileStart.IndexOf((byte)'\n') is >= 0 and var end ? end + 1 : -1;

        public MetricsFileResult Read(ReadOnlyMemory<byte> piece, DateTimeOffset importTime) =>
            MetricsFile.Parse(piece, format, importTime);
    }
}
