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

/// <summary>
/// The formats <c>--follow</c> can read, one record per line: JSON Lines (verl's file logger among them), verl's console
/// output, CSV/TSV (a W&amp;B history among them). Each piece is read as <c>metrics import</c> reads a file: its reader is
/// detected from the piece and the file's name (or named with <c>--as</c>), and <c>--only</c>, <c>--rename</c> and
/// <c>--prefix</c> apply, so a followed verl log stores <c>critic/score/mean</c>, as an import of the finished file does.
/// A <c>trainer_state.json</c> is rewritten whole on every save and a TensorBoard file is not line-framed: neither can be followed.
/// </summary>
public static class MetricsFollowFormats
{
    /// <summary>The follow reader for a file, from <c>--as</c> or its name, or null when it cannot be followed.</summary>
    /// <remarks>In a folder (<paramref name="inFolder"/>), text logs (.log, .txt, .out) are followed only when <c>--as verl-console</c> says they are verl's console output.</remarks>
    public static IMetricsFollowFormat? ForFile(string path, MetricsReadOptions? options = null, bool inFolder = false)
    {
        options ??= MetricsReadOptions.Default;
        if (Path.GetFileName(path).Equals("trainer_state.json", StringComparison.OrdinalIgnoreCase)
            || (options.Format ?? MetricsFile.NamedFormat(path)) is not { } format)
        {
            return null;
        }

        if (inFolder && format == MetricsFileFormat.VerlConsole && options.Format is null)
        {
            return null;
        }

        return format switch
        {
            MetricsFileFormat.JsonLines or MetricsFileFormat.Verl => new LinesFollow(path, options, console: false),
            MetricsFileFormat.VerlConsole => new LinesFollow(path, options, console: true),
            MetricsFileFormat.Csv or MetricsFileFormat.Tsv or MetricsFileFormat.Wandb => new DelimitedFollow(path, options),
            _ => null,
        };
    }

    /// <summary>Reads a piece as <c>metrics import</c> reads a file: the format from <c>--as</c>, else detected from the piece and the name.</summary>
    private static MetricsFileResult ReadPiece(ReadOnlyMemory<byte> piece, string path, MetricsReadOptions options, DateTimeOffset importTime) =>
        MetricsFile.Read(new MemoryStream(piece.ToArray(), writable: false), options.Format, importTime, path, options: options);

    /// <summary>
    /// One record per line (JSON Lines, verl's console output): a record ends at its <c>\n</c>; a piece needs nothing in
    /// front of it. Console output written before the first step (start-up messages) is a piece without metrics, not an error.
    /// </summary>
    private sealed class LinesFollow(string path, MetricsReadOptions options, bool console) : IMetricsFollowFormat
    {
        public int CompleteLength(ReadOnlySpan<byte> data, bool atStart) => data.LastIndexOf((byte)'\n') + 1;

        public int PreambleLength(ReadOnlySpan<byte> fileStart) => 0;

        public MetricsFileResult Read(ReadOnlyMemory<byte> piece, DateTimeOffset importTime) =>
            console && !MetricsFile.HasConsoleLine(piece.Span) ? new MetricsFileResult([], [], 0, "", 0) : ReadPiece(piece, path, options, importTime);
    }

    /// <summary>
    /// CSV/TSV: a record ends at a <c>\n</c> outside quotes (a quoted field may hold line breaks); every piece after the
    /// first needs the header line in front of it, and the first piece needs a row besides the header.
    /// </summary>
    private sealed class DelimitedFollow(string path, MetricsReadOptions options) : IMetricsFollowFormat
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

        public MetricsFileResult Read(ReadOnlyMemory<byte> piece, DateTimeOffset importTime) => ReadPiece(piece, path, options, importTime);
    }
}
