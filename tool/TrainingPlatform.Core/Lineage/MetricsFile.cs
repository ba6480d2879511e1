using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CsvHelper;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// How a metrics file is laid out: detected from its content and name (<see cref="MetricsFile.Detect"/>), or named
/// with <c>metrics import --as NAME</c> (<see cref="MetricsFile.FormatNames"/>).
/// </summary>
public enum MetricsFileFormat
{
    JsonLines,
    Csv,
    Tsv,

    /// <summary>verl's file logger: JSON Lines <c>{"step": N, "data": {...}}</c>; names are the keys of <c>data</c>.</summary>
    Verl,

    /// <summary>verl's console logger: lines <c>step:N - key:value - …</c> among other output.</summary>
    VerlConsole,

    /// <summary>A transformers (and TRL) <c>trainer_state.json</c>: the entries of its <c>log_history</c>.</summary>
    TrainerState,

    /// <summary>A W&amp;B run history exported as CSV (<c>_step</c>, <c>_runtime</c>, <c>_timestamp</c> columns).</summary>
    Wandb,

    /// <summary>A TensorBoard event file (<c>events.out.tfevents.*</c>) or a log folder of them.</summary>
    TensorBoard,
}

/// <summary>A line of a metrics file that cannot be imported (1-based; a CSV header is line 1), and why.</summary>
public sealed record MetricsFileProblem(long Line, string Message)
{
    /// <summary>Where the problem is when a line number cannot say it (a TensorBoard record: its file and byte offset).</summary>
    public string? Where { get; init; }
}

/// <summary>
/// What a metrics file holds: the points of its good lines in file order, the first <see cref="MetricsFile.MaxProblems"/>
/// problems (<see cref="ProblemCount"/> counts them all), the SHA-256 of the file's bytes (lowercase hex), and how many
/// data lines it has (non-blank JSON lines, or CSV records without the header).
/// </summary>
public sealed record MetricsFileResult(
    IReadOnlyList<MetricPoint> Points,
    IReadOnlyList<MetricsFileProblem> Problems,
    long ProblemCount,
    string Sha256,
    long Lines)
{
    /// <summary>The format the file was read as.</summary>
    public MetricsFileFormat Format { get; init; }

    /// <summary>
    /// What the store keeps to know the import again: the SHA-256, and with --as/--only/--rename/--prefix also those
    /// (the same file read into other names is another import).
    /// </summary>
    public string Source { get; init; } = "";

    /// <summary>Names the file has that the name rule refuses, each with the name it was stored as (<see cref="MetricNames.Map"/>), in first-seen order.</summary>
    public IReadOnlyList<(string Written, string Stored)> Mapped { get; init; } = [];

    /// <summary>Problems counted but not listed: the "… and N more".</summary>
    public long MoreProblems => ProblemCount - Problems.Count;
}

/// <summary>
/// Reads the metrics trainers write into <see cref="MetricPoint"/>s. The format comes from the extension:
/// <c>.jsonl</c>, <c>.ndjson</c> and <c>.json</c> are JSON Lines, <c>.csv</c> is comma- and <c>.tsv</c> tab-separated.
/// <para>
/// The step is the first of the fields (or columns) <c>step</c>, <c>global_step</c>, <c>_step</c> (W&amp;B exports) and
/// <c>iteration</c> that is present, matched ignoring case; it must be a whole number ≥ 0 (<c>10.0</c> is fine, <c>10.5</c>
/// is not). The time is the first of <c>time</c>, <c>timestamp</c>, <c>_timestamp</c>, <c>wall_time</c> and
/// <c>Wall time</c> (TensorBoard's CSV export): unix seconds, or an ISO-8601 date and time (UTC when it has no offset);
/// without one a point gets the import time. These fields are never metrics, used or not.
/// </para>
/// <para>
/// JSON Lines: every non-blank line is an object; every other numeric field is a metric named after the field, nested
/// objects are flattened with <c>/</c> (<c>{"eval": {"loss": 1}}</c> is <c>eval/loss</c>); strings, booleans, null and
/// arrays are ignored. <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>, bare (as Python's <c>json</c> writes them) or
/// as strings (as .NET writes them), are values.
/// CSV/TSV: a header row; every other column is a metric, an empty cell is no value at that step, a column with an
/// empty header (the index pandas writes) is ignored; <c>nan</c>, <c>inf</c> and <c>-inf</c> are values.
/// </para>
/// Metric names are 1–200 characters without control characters. A line with any problem gives no points; all
/// problems are collected, so the caller can report every one or import the good lines.
/// </summary>
public static partial class MetricsFile
{
    /// <summary>How many problems are listed at most; <see cref="MetricsFileResult.ProblemCount"/> counts them all.</summary>
    public const int MaxProblems = 1000;

    public const int MaxNameLength = MetricNames.MaxLength;

    /// <summary>The step fields, in order of preference.</summary>
    public static IReadOnlyList<string> StepFields { get; } = ["step", "global_step", "_step", "iteration"];

    /// <summary>The time fields, in order of preference.</summary>
    public static IReadOnlyList<string> TimeFields { get; } = ["time", "timestamp", "_timestamp", "wall_time", "Wall time"];

    private static readonly SearchValues<byte> Blank = SearchValues.Create(" \t\r\n"u8);

    /// <summary>The format a file's extension says (ignoring case); <see cref="Detect"/> refines it from the content.</summary>
    /// <exception cref="UserErrorException">The extension is none of those above.</exception>
    public static MetricsFileFormat FormatOf(string path) => NamedFormat(path) ?? throw UnknownFormat(path);

    /// <summary>The format the path says, or null: a folder or an event file name is TensorBoard, else the extension.</summary>
    internal static MetricsFileFormat? NamedFormat(string path) =>
        Directory.Exists(path) ? MetricsFileFormat.TensorBoard
        : FormatOfName(path) ?? (TensorBoardEvents.IsEventFile(path) ? MetricsFileFormat.TensorBoard : null);

    /// <summary>
    /// Reads a metrics file; its format is <paramref name="options"/>' or detected (<see cref="Detect"/>). The file is
    /// read in chunks: any size reads.
    /// </summary>
    /// <exception cref="UserErrorException">The file cannot be read or is not a metrics file at all.</exception>
    public static MetricsFileResult Read(string path, DateTimeOffset importTime, MetricsReadOptions? options = null)
    {
        var named = options?.Format ?? NamedFormat(path);
        if (named == MetricsFileFormat.TensorBoard)
        {
            return TensorBoardEvents.Read(path, importTime, options ?? MetricsReadOptions.Default);
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            if (named is null && !TextAtStart(stream))
            {
                throw UnknownFormat(path); // a binary file of a name no reader claims: say how to name its format, not "save it as UTF-8"
            }

            return Read(stream, options?.Format, importTime, path, options: options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot read the metrics file: {ex.Message}", ex) { FilePath = path };
        }
    }

    /// <summary>Reads metrics from the bytes of a file (UTF-8, a byte order mark is allowed).</summary>
    /// <exception cref="UserErrorException">The content is not UTF-8, is empty, or is a CSV file without a step column.</exception>
    public static MetricsFileResult Parse(ReadOnlyMemory<byte> content, MetricsFileFormat format, DateTimeOffset importTime, MetricsReadOptions? options = null) =>
        Read(new MemoryStream(content.ToArray(), writable: false), format, importTime, null, options: options);

    /// <summary>True when the first 4 KiB of the stream are UTF-8 (an unfinished character at the cut allowed); the stream is rewound.</summary>
    private static bool TextAtStart(Stream stream)
    {
        Span<byte> head = stackalloc byte[4096];
        var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        for (var cut = 0; cut <= Math.Min(3, length); cut++)
        {
            if (Utf8.IsValid(head[..(length - cut)]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reads metrics from a stream, a chunk of <paramref name="chunk"/> bytes at a time (a line longer than that is
    /// held whole); <paramref name="path"/> names the file in messages. A null <paramref name="format"/> is detected
    /// from the first chunk and the name.
    /// </summary>
    internal static MetricsFileResult Read(Stream stream, MetricsFileFormat? format, DateTimeOffset importTime, string? path, int chunk = MetricsInput.DefaultChunk, MetricsReadOptions? options = null)
    {
        if (format == MetricsFileFormat.TensorBoard)
        {
            return TensorBoardEvents.Read(stream, importTime, options ?? MetricsReadOptions.Default, chunk);
        }

        using var input = new MetricsInput(stream, path, chunk);
        var read = format ?? Detect(path, input.Head(DetectBytes));
        var collector = new Collector(importTime, options ?? MetricsReadOptions.Default);
        var lines = read switch
        {
            MetricsFileFormat.JsonLines => new JsonLinesReader(collector, path).Read(input),
            MetricsFileFormat.Verl => new JsonLinesReader(collector, path, verl: true).Read(input),
            MetricsFileFormat.VerlConsole => new VerlConsoleReader(collector, path).Read(input),
            MetricsFileFormat.TrainerState => new TrainerStateReader(collector, path).Read(input),
            MetricsFileFormat.Wandb => ReadDelimited(input, ',', collector, path, wandb: true),
            _ => ReadDelimited(input, read == MetricsFileFormat.Tsv ? '\t' : ',', collector, path),
        };
        var sha256 = input.Finish();
        return new MetricsFileResult(collector.Points, collector.Problems, collector.ProblemCount, sha256, lines)
        {
            Format = read,
            Mapped = collector.Mapped,
            Source = options is { } o && (o.Format is not null || o.ChangesNames) ? sha256 + " " + o.Signature(read) : sha256,
        };
    }

    private static UserErrorException Fail(string message, string? path) => new(message) { FilePath = path };

    /// <summary>The field's index in <paramref name="fields"/> (matched ignoring case), or -1.</summary>
    private static int IndexOf(IReadOnlyList<string> fields, ReadOnlySpan<char> name)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (name.Equals(fields[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static string StepFieldList => string.Join(", ", StepFields);

    /// <summary>A name or value for a message: quoted, cut after 60 characters, control characters escaped.</summary>
    internal static string Show(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder("'");
        var cut = text.Length > 60;
        foreach (var ch in cut ? text[..60] : text)
        {
            if (char.IsControl(ch))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:X4}");
            }
            else
            {
                builder.Append(ch);
            }
        }

        return builder.Append(cut ? "…'" : "'").ToString();
    }

    private static string Show(ReadOnlySpan<byte> utf8) => Show(Encoding.UTF8.GetString(utf8));

    /// <summary>Why a metric name cannot be used, or null: the one name rule, <see cref="MetricNames.Problem"/>.</summary>
    public static string? NameProblem(string name) => MetricNames.Problem(name);

    /// <summary>The one step rule (metrics import, metrics log, job import): a whole number ≥ 0.</summary>
    public static bool IsStep(long step) => step >= 0;

    /// <summary>A step as text, by the one step rule: a whole number ≥ 0 (<c>10.0</c> is 10).</summary>
    internal static bool TryStep(ReadOnlySpan<byte> text, out long step)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out step))
        {
            return IsStep(step);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && value >= 0 && value < 9.2e18 && value == Math.Floor(value))
        {
            step = (long)value;
            return true;
        }

        step = 0;
        return false;
    }

    /// <summary>A number as text: invariant decimal or exponent form, or nan/inf/infinity in any case with a sign.</summary>
    internal static bool TryNumber(ReadOnlySpan<byte> text, out double value)
    {
        // Utf8Parser reads plain decimal and exponent forms at about twice double.TryParse's speed, to the same (correctly
        // rounded) double; anything else it leaves to double.TryParse.
        if ((Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length)
            || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        var sign = 1.0;
        if (text.Length > 0 && text[0] is (byte)'+' or (byte)'-')
        {
            sign = text[0] == '-' ? -1.0 : 1.0;
            text = text[1..];
        }

        if (Ascii.EqualsIgnoreCase(text, "inf"u8) || Ascii.EqualsIgnoreCase(text, "infinity"u8))
        {
            value = sign * double.PositiveInfinity;
            return true;
        }

        value = double.NaN;
        return Ascii.EqualsIgnoreCase(text, "nan"u8);
    }

    /// <summary>Unix seconds (a number) or an ISO-8601 date and time; times are returned in UTC.</summary>
    private static bool TryTime(ReadOnlySpan<char> text, out DateTimeOffset time)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryUnixSeconds(seconds, out time);
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
        {
            time = time.ToUniversalTime();
            return true;
        }

        return false;
    }

    private static bool TryTime(ReadOnlySpan<byte> utf8, out DateTimeOffset time)
    {
        Span<char> chars = stackalloc char[64];
        if (utf8.Length > chars.Length)
        {
            time = default;
            return false;
        }

        var length = Encoding.UTF8.GetChars(utf8, chars);
        return TryTime(chars[..length], out time);
    }

    private static bool TryUnixSeconds(double seconds, out DateTimeOffset time)
    {
        // DateTimeOffset's range, less its last second so that rounding cannot step past it.
        if (!double.IsFinite(seconds) || seconds < -62_135_596_800 || seconds >= 253_402_300_799)
        {
            time = default;
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * 1e6) * 10);
        return true;
    }

    private static string TimeMessage(string field, string shown) =>
        $"field '{field}' is {shown}: expected unix seconds or an ISO-8601 date and time";

    private static string StepMessage(string field, string shown) =>
        $"field '{field}' is {shown}: the step must be a whole number ≥ 0";

    /// <param name="wandb">A W&amp;B history export: besides <c>_…</c> columns, a cell that is not a number (a media or table reference, true/false) is no value, not a problem.</param>
    private static long ReadDelimited(MetricsInput data, char separator, Collector collector, string? path, bool wandb = false)
    {
        CsvMalformedRecord? unterminated = null;
        var options = new CsvReaderOptions
        {
            Separator = separator,
            HasHeader = true,
            SkipEmptyLines = true,
            Mode = CsvMode.Rfc4180,
            TrimWhitespace = true,
            MalformedData = CsvMalformedDataHandling.Recover,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            TrackLineNumbers = true,
            OnMalformedRecord = record =>
            {
                if (record.Reason == CsvMalformedReason.UnterminatedQuote)
                {
                    unterminated ??= record;
                }
            },
        };

        long records = 0;
        try
        {
            using var reader = CsvReader.Create(data, options, leaveOpen: true);
            var columns = DelimitedColumns.From(reader.Headers ?? [], separator, collector, path, wandb);

            while (reader.Read() && unterminated is null)
            {
                records++;
                var line = reader.LineNumber;
                if (reader.FieldCount != columns.Count)
                {
                    collector.Problem(line, $"{reader.FieldCount} fields, the header has {columns.Count}");
                }

                long step = 0;
                var stepText = reader.GetSpan(columns.Step);
                if (stepText.IsEmpty)
                {
                    collector.Problem(line, $"no step: column '{columns.StepName}' is empty");
                }
                else if (!TryStep(stepText, out step))
                {
                    collector.Problem(line, $"column '{columns.StepName}' is {Show(stepText)}: the step must be a whole number ≥ 0");
                }

                var time = collector.ImportTime;
                if (columns.Time >= 0 && reader.GetSpan(columns.Time) is { IsEmpty: false } timeText && !TryTime(timeText, out time))
                {
                    collector.Problem(line, $"column '{columns.TimeName}' is {Show(timeText)}: expected unix seconds or an ISO-8601 date and time");
                }

                foreach (var (index, name) in columns.Metrics)
                {
                    var text = reader.GetSpan(index);
                    if (text.IsEmpty)
                    {
                        continue;
                    }

                    if (TryNumber(text, out var value))
                    {
                        collector.Value(name, value);
                    }
                    else if (!wandb)
                    {
                        collector.Problem(line, $"column '{name}' is {Show(text)}: not a number");
                    }
                }

                if (collector.LineValues == 0 && !collector.LineBad)
                {
                    collector.Problem(line, "no metric value: every metric column is empty");
                }

                collector.EndLine(step, time);
                if (records == 1)
                {
                    // As for JSON Lines: room for the first row's points on every row the file's length suggests (a hint only).
                    var expected = collector.Points.Count * (data.EstimatedLines + data.EstimatedLines / 32);
                    collector.Points.EnsureCapacity((int)Math.Min(Math.Min(expected, data.LengthHint / 6), 1 << 27));
                }
            }
        }
        catch (CsvFormatException ex)
        {
            throw new UserErrorException(ex.Message, ex) { FilePath = path };
        }

        if (unterminated is { } bad)
        {
            throw Fail($"unbalanced quote: the quoted field starting on line {bad.LineNumber} is never closed", path);
        }

        return records == 0 ? throw Fail("the metrics file has a header but no rows", path) : records;
    }

    /// <summary>What the header of a CSV/TSV file says: the step and time columns and the metric columns.</summary>
    private sealed record DelimitedColumns(int Count, int Step, string StepName, int Time, string? TimeName, (int Index, string Name)[] Metrics)
    {
        /// <param name="wandb">A W&amp;B history: columns named <c>_…</c> (W&amp;B's own: <c>_runtime</c>, <c>_wandb</c>) are not metrics.</param>
        public static DelimitedColumns From(IReadOnlyList<string> headers, char separator, Collector collector, string? path, bool wandb = false)
        {
            if (headers.Count == 0)
            {
                throw Fail("the metrics file is empty", path);
            }

            int step = -1, stepRank = int.MaxValue, time = -1, timeRank = int.MaxValue;
            var metrics = new List<(int, string)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < headers.Count; i++)
            {
                var name = headers[i].Trim();
                if (IndexOf(StepFields, name) is >= 0 and var s)
                {
                    (step, stepRank) = s < stepRank ? (i, s) : (step, stepRank);
                }
                else if (IndexOf(TimeFields, name) is >= 0 and var t)
                {
                    (time, timeRank) = t < timeRank ? (i, t) : (time, timeRank);
                }
                else if (name.Length > 0 && !(wandb && name.StartsWith('_')))
                {
                    var entry = collector.Intern(name);
                    if (entry.Problem is { } problem)
                    {
                        throw Fail($"column {i + 1} of the header: {problem}", path);
                    }

                    if (!seen.Add(name) || (entry.Stored is not null && entry.Stored != name && !seen.Add(entry.Stored)))
                    {
                        throw Fail($"column '{entry.Stored ?? name}' appears twice in the header", path);
                    }

                    if (entry.Stored is not null)
                    {
                        if (entry.Mapped)
                        {
                            collector.NoteMapped(entry);
                        }

                        metrics.Add((i, entry.Stored));
                    }
                }
            }

            if (step < 0)
            {
                var other = separator == ',' ? '\t' : ',';
                var hint = headers.Count == 1 && headers[0].Contains(other, StringComparison.Ordinal)
                    ? $" (the header has no '{(separator == ',' ? "," : "\\t")}': is the file {(other == ',' ? "comma" : "tab")}-separated?)"
                    : "";
                throw Fail(
                    $"no step column: expected one of {StepFieldList}; the header has {string.Join(", ", headers.Select(h => Show(h)))}{hint}",
                    path);
            }

            return new DelimitedColumns(headers.Count, step, headers[step].Trim(), time, time >= 0 ? headers[time].Trim() : null, [.. metrics]);
        }
    }

    /// <summary>Collects the points of good lines and the problems of bad ones; interns metric names.</summary>
    private sealed class Collector
    {
        private readonly Dictionary<string, MetricName> _names = new(StringComparer.Ordinal);
        private readonly Dictionary<string, MetricName>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly List<MetricsFileProblem> _problems = [];
        private readonly List<MetricsFileProblem> _lineProblems = [];
        private string[] _pendingNames = new string[16];
        private double[] _pendingValues = new double[16];
        private int _pending;

        private readonly MetricsReadOptions _options;
        private readonly List<(string Written, string Stored)> _mapped = [];

        public Collector(DateTimeOffset importTime, MetricsReadOptions options)
        {
            ImportTime = importTime;
            _options = options;
            _lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        /// <summary>Names the name rule refused, as written and as stored, each once.</summary>
        public IReadOnlyList<(string Written, string Stored)> Mapped => _mapped;

        public DateTimeOffset ImportTime { get; }

        public List<MetricPoint> Points { get; } = [];

        public IReadOnlyList<MetricsFileProblem> Problems => _problems;

        public long ProblemCount { get; private set; }

        /// <summary>Numeric fields (or non-empty metric cells) seen on the current line, good or bad.</summary>
        public int LineValues { get; private set; }

        public bool LineBad => _lineProblems.Count > 0;

        public MetricName Intern(ReadOnlySpan<char> name)
        {
            if (!_lookup.TryGetValue(name, out var entry))
            {
                var text = name.ToString();
                var (stored, problem, mapped) = _options.Resolve(text);
                entry = new MetricName(text, problem, IndexOf(StepFields, text), IndexOf(TimeFields, text), stored, mapped);
                _names.Add(text, entry);
            }

            return entry;
        }

        public void Value(MetricName entry, double value, long line)
        {
            if (entry.Problem is { } problem)
            {
                LineValues++;
                Problem(line, problem);
            }
            else if (entry.Stored is { } stored)
            {
                if (entry.Mapped)
                {
                    NoteMapped(entry);
                }

                Value(stored, value);
            }
            else
            {
                LineValues++; // dropped by --only: the line still has a value
            }
        }

        /// <summary>Records once that <paramref name="entry"/>'s name was mapped by the name rule.</summary>
        public void NoteMapped(MetricName entry)
        {
            if (entry.Stored is { } stored && !_mapped.Exists(m => m.Written == entry.Name))
            {
                _mapped.Add((entry.Name, stored));
            }
        }

        public void Value(string name, double value)
        {
            LineValues++;
            if (_pending == _pendingNames.Length)
            {
                Array.Resize(ref _pendingNames, _pending * 2);
                Array.Resize(ref _pendingValues, _pending * 2);
            }

            _pendingNames[_pending] = name;
            _pendingValues[_pending] = value;
            _pending++;
        }

        public void Problem(long line, string message) => _lineProblems.Add(new MetricsFileProblem(line, message));

        /// <summary>Drops what the line collected and reports only <paramref name="message"/> (a line that is not JSON).</summary>
        public void FailLine(long line, string message)
        {
            _lineProblems.Clear();
            Problem(line, message);
            EndLine(0, default);
        }

        public void EndLine(long step, DateTimeOffset time)
        {
            if (_lineProblems.Count == 0)
            {
                for (var i = 0; i < _pending; i++)
                {
                    Points.Add(new MetricPoint(step, _pendingNames[i], _pendingValues[i], time));
                }
            }
            else
            {
                foreach (var problem in _lineProblems)
                {
                    ProblemCount++;
                    if (_problems.Count < MaxProblems)
                    {
                        _problems.Add(problem);
                    }
                }

                _lineProblems.Clear();
            }

            _pending = 0;
            LineValues = 0;
        }
    }

    /// <summary>
    /// An interned field name, why it cannot be a metric's (null when it can), and its place in <see cref="StepFields"/>
    /// and <see cref="TimeFields"/> (-1 when it is none of them). <see cref="Stored"/> is the name points get (after the
    /// name rule and --only/--rename/--prefix; null when --only drops it); <see cref="Mapped"/> says the name rule changed it.
    /// </summary>
    private sealed record MetricName(string Name, string? Problem, int Step, int Time, string? Stored, bool Mapped);

    /// <summary>
    /// JSON Lines through <see cref="Utf8JsonReader"/> over each line's bytes. Flattened names are built in one char
    /// buffer and looked up without allocating; only lines with bare <c>NaN</c>/<c>Infinity</c> are copied.
    /// <para>
    /// <paramref name="verl"/>: verl's file logger. verl 0.7.0 <c>verl/utils/tracking.py</c>, <c>FileLogger.log</c>, writes
    /// <c>json.dumps({"step": step, "data": data})</c> per line, <c>data</c> holding the metrics under the names verl
    /// logs everywhere (<c>critic/score/mean</c>, <c>actor/pg_loss</c>): the members of <c>data</c> are read without a
    /// <c>data/</c> prefix, and a line without a <c>data</c> object is a problem.
    /// </para>
    /// </summary>
    private sealed class JsonLinesReader(Collector collector, string? path, bool verl = false)
    {
        private const int NoField = int.MaxValue;

        private static readonly JsonReaderOptions Options = new() { MaxDepth = 64 };

        private readonly int[] _prefixes = new int[Options.MaxDepth + 1];
        private char[] _path = new char[256];
        private byte[] _rewritten = new byte[256];
        private MetricName?[] _fields = new MetricName?[16];

        // The current line's step and time: the preferred field seen so far, and its value or problem.
        private int _stepField;
        private int _flatDepth;
        private bool _sawData;
        private long _step;
        private string? _stepProblem;
        private int _timeField;
        private DateTimeOffset _time;
        private string? _timeProblem;

        public long Read(MetricsInput data)
        {
            long lineNumber = 0, lines = 0;
            while (data.NextLine(out var line))
            {
                lineNumber++;
                var start = line.IndexOfAnyExcept(Blank);
                if (start >= 0)
                {
                    lines++;
                    if (lines == 1)
                    {
                        CheckFirstLine(line[start..], lineNumber);
                    }

                    ReadLine(line, lineNumber);
                    if (lines == 1)
                    {
                        // Room for as many points on every line as on the first, for as many lines as the first chunk
                        // suggests (a point takes at least 6 bytes). Only a hint: the list grows past it.
                        var expected = collector.Points.Count * (data.EstimatedLines + data.EstimatedLines / 32);
                        collector.Points.EnsureCapacity((int)Math.Min(Math.Min(expected, data.LengthHint / 6), 1 << 27));
                    }
                }
            }

            return lines == 0 ? throw Fail("the metrics file is empty", path) : lines;
        }

        /// <summary>A file that starts with an array or a lone brace is one JSON document, not JSON Lines: one message, not one per line.</summary>
        private void CheckFirstLine(ReadOnlySpan<byte> line, long lineNumber)
        {
            line = line[..(line.LastIndexOfAnyExcept(Blank) + 1)];
            if (line[0] == '[' || line.SequenceEqual("{"u8))
            {
                throw Fail(
                    $"not JSON Lines: line {lineNumber} starts {(line[0] == '[' ? "a JSON array" : "an object spread over several lines")}; expected one JSON object per line",
                    path);
            }
        }

        private void ReadLine(ReadOnlySpan<byte> line, long lineNumber)
        {
            if (line.IndexOf("NaN"u8) >= 0 || line.IndexOf("Infinity"u8) >= 0)
            {
                line = QuoteNamedNumbers(line, ref _rewritten);
            }

            _stepField = NoField;
            _timeField = NoField;
            _flatDepth = -1;
            _sawData = false;
            _stepProblem = null;
            _timeProblem = null;
            var reader = new Utf8JsonReader(line, Options);
            try
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    var kind = reader.TokenType switch
                    {
                        JsonTokenType.StartArray => "an array",
                        JsonTokenType.String => "a string",
                        JsonTokenType.Number => "a number",
                        JsonTokenType.True or JsonTokenType.False => "a boolean",
                        _ => "null",
                    };
                    reader.Skip();
                    while (reader.Read())
                    {
                    }

                    collector.FailLine(lineNumber, $"not a JSON object but {kind}");
                    return;
                }

                ReadObject(ref reader, lineNumber);
                while (reader.Read())
                {
                    // Anything after the object throws.
                }
            }
            catch (JsonException ex)
            {
                // A trainer stopped mid-write leaves a cut line; the reader's message would blame its last token.
                var cut = ex.BytePositionInLine >= line.LastIndexOfAnyExcept(Blank) + 1;
                collector.FailLine(lineNumber, cut ? "the line ends before its JSON object does (cut off?)" : JsonLinesCounter.JsonError(ex));
                return;
            }

            if (verl && !_sawData)
            {
                collector.Problem(lineNumber, "no 'data' object: verl's file logger writes {\"step\": N, \"data\": {...}} (import it --as jsonl to read other JSON Lines)");
            }

            if (_stepField == NoField)
            {
                collector.Problem(lineNumber, $"no step: none of the fields {StepFieldList} is present");
            }
            else if (_stepProblem is not null)
            {
                collector.Problem(lineNumber, _stepProblem);
            }

            if (_timeProblem is not null)
            {
                collector.Problem(lineNumber, _timeProblem);
            }

            if (collector.LineValues == 0)
            {
                collector.Problem(lineNumber, "no numeric field besides step");
            }

            collector.EndLine(_step, _timeField == NoField ? collector.ImportTime : _time);
        }

        /// <summary>Reads the members of the object the reader is on, nested objects flattened with '/'.</summary>
        private void ReadObject(ref Utf8JsonReader reader, long lineNumber)
        {
            var depth = 0;
            var pathLength = 0;
            var position = 0;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    if (depth == 0)
                    {
                        return;
                    }

                    pathLength = _prefixes[--depth];
                    if (depth < _flatDepth)
                    {
                        _flatDepth = -1;
                    }

                    continue;
                }

                var nameStart = depth == 0 || depth == _flatDepth ? 0 : pathLength + 1;
                if (_path.Length < nameStart + reader.ValueSpan.Length)
                {
                    Array.Resize(ref _path, Math.Max(_path.Length * 2, nameStart + reader.ValueSpan.Length));
                }

                if (nameStart > 0)
                {
                    _path[pathLength] = '/';
                }

                var name = _path.AsSpan(0, nameStart + reader.CopyString(_path.AsSpan(nameStart)));
                var field = Field(position++, name);
                var top = depth == 0;
                reader.Read();
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject when verl && top && name.SequenceEqual("data"):
                        _prefixes[depth++] = pathLength;
                        pathLength = 0;
                        _flatDepth = depth;
                        _sawData = true;
                        break;
                    case JsonTokenType.StartObject:
                        _prefixes[depth++] = pathLength;
                        pathLength = name.Length;
                        break;
                    case JsonTokenType.StartArray:
                        reader.Skip();
                        break;
                    case JsonTokenType.Null:
                        // Not a metric; a null step or time counts as absent.
                        break;
                    case JsonTokenType when top && field.Step >= 0:
                        Step(ref reader, field.Step, name);
                        break;
                    case JsonTokenType when top && field.Time >= 0:
                        Time(ref reader, field.Time, name);
                        break;
                    case JsonTokenType.Number:
                        if (!reader.TryGetDouble(out var value))
                        {
                            // Beyond double's range: ±Infinity, as Python reads it.
                            value = double.Parse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture);
                        }

                        collector.Value(field, value, lineNumber);
                        break;
                    case JsonTokenType.String:
                        if (NamedNumber(ref reader) is { } named)
                        {
                            collector.Value(field, named, lineNumber);
                        }

                        break;
                    default:
                        // Booleans are not metrics.
                        break;
                }
            }
        }

        /// <summary>
        /// The interned name of the field at this position of the line. Lines of one file mostly have the same fields
        /// in the same order, so comparing with the previous line's field there usually saves the hash lookup.
        /// </summary>
        private MetricName Field(int position, ReadOnlySpan<char> name)
        {
            if (position < _fields.Length && _fields[position] is { } known && name.SequenceEqual(known.Name))
            {
                return known;
            }

            if (position >= _fields.Length)
            {
                Array.Resize(ref _fields, _fields.Length * 2);
            }

            return _fields[position] = collector.Intern(name);
        }

        private void Step(ref Utf8JsonReader reader, int field, ReadOnlySpan<char> name)
        {
            if (field > _stepField)
            {
                return;
            }

            _stepField = field;
            _stepProblem = null;
            if (reader.TokenType == JsonTokenType.Number && TryStep(reader.ValueSpan, out _step))
            {
                return;
            }

            _stepProblem = StepMessage(name.ToString(), Shown(ref reader));
        }

        private void Time(ref Utf8JsonReader reader, int field, ReadOnlySpan<char> name)
        {
            if (field > _timeField)
            {
                return;
            }

            _timeField = field;
            _timeProblem = null;
            var ok = reader.TokenType switch
            {
                JsonTokenType.Number => reader.TryGetDouble(out var seconds) && TryUnixSeconds(seconds, out _time),
                JsonTokenType.String => TryTime(reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan, out _time),
                _ => false,
            };
            if (!ok)
            {
                _timeProblem = TimeMessage(name.ToString(), Shown(ref reader));
            }
        }

        /// <summary>A value for a message: the number or string as written, or its kind.</summary>
        private static string Shown(ref Utf8JsonReader reader) => reader.TokenType switch
        {
            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.String when NamedNumber(ref reader) is not null => Encoding.UTF8.GetString(reader.ValueSpan),
            JsonTokenType.String => "a string, " + Show(reader.GetString()),
            JsonTokenType.True => "true",
            _ => "false",
        };

        /// <summary>The value of the strings "NaN", "Infinity" and "-Infinity", or null.</summary>
        private static double? NamedNumber(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.ValueSpan.Length is not (3 or 8 or 9))
            {
                return null;
            }

            var text = reader.ValueSpan;
            return text.SequenceEqual("NaN"u8) ? double.NaN
                : text.SequenceEqual("Infinity"u8) ? double.PositiveInfinity
                : text.SequenceEqual("-Infinity"u8) ? double.NegativeInfinity
                : null;
        }

        /// <summary>Python's bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> (outside strings) quoted, so the JSON reader takes them.</summary>
        internal static ReadOnlySpan<byte> QuoteNamedNumbers(ReadOnlySpan<byte> line, ref byte[] rewritten)
        {
            // Each replacement adds two quotes to at least three bytes.
            var needed = line.Length * 5 / 3 + 2;
            if (rewritten.Length < needed)
            {
                rewritten = new byte[Math.Max(needed, rewritten.Length * 2)];
            }

            var output = rewritten.AsSpan();
            var o = 0;
            var inString = false;
            for (var i = 0; i < line.Length; i++)
            {
                var b = line[i];
                if (inString)
                {
                    output[o++] = b;
                    if (b == '\\' && i + 1 < line.Length)
                    {
                        output[o++] = line[++i];
                    }
                    else if (b == '"')
                    {
                        inString = false;
                    }

                    continue;
                }

                var rest = line[i..];
                var length = rest.StartsWith("NaN"u8) ? 3 : rest.StartsWith("Infinity"u8) ? 8 : rest.StartsWith("-Infinity"u8) ? 9 : 0;
                if (length > 0)
                {
                    output[o++] = (byte)'"';
                    rest[..length].CopyTo(output[o..]);
                    o += length;
                    output[o++] = (byte)'"';
                    i += length - 1;
                    continue;
                }

                inString = b == '"';
                output[o++] = b;
            }

            return output[..o];
        }
    }
}
