using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// Reads the scalars of TensorBoard event files (<c>events.out.tfevents.*</c>) into <see cref="MetricPoint"/>s: one file,
/// or a log folder of them.
/// <para>
/// A record is a TFRecord (<see cref="TensorBoardRecords"/>: both masked CRC-32Cs checked) holding an <c>Event</c>
/// protobuf, read field by field with Google.Protobuf's <see cref="CodedInputStream"/> (field numbers from TensorBoard's
/// <c>tensorboard/compat/proto/event.proto</c>, <c>summary.proto</c>, <c>tensor.proto</c> and <c>tensor_shape.proto</c>).
/// A scalar is a <c>Summary.Value</c> with a <c>simple_value</c> (TF1, tensorboardX, torch.utils.tensorboard), or with a
/// rank-0 <c>float</c> or <c>double</c> tensor whose metadata names the <c>scalars</c> plugin (TF2's
/// <c>tf.summary.scalar</c>; TF2 may write the metadata only with a tag's first value, so a tag keeps the plugin it was
/// first given in its run). Everything else (histograms, images, text, graphs, other plugins' tensors) is skipped.
/// The step is <c>Event.step</c>, the time <c>Event.wall_time</c>; a metric is named after its tag.
/// </para>
/// <para>
/// A folder: every file whose name contains <c>tfevents</c> (TensorBoard's own rule), in any subfolder. As in
/// TensorBoard, the folder holding an event file is its run: tags of files directly in the folder keep their names, tags
/// of a run in a subfolder are prefixed with the run's path (<c>train/loss</c> for tag <c>loss</c> in <c>train/</c>,
/// as the Keras callback's <c>train/</c> and <c>validation/</c> runs, or torch's <c>add_scalars</c> runs, are told apart
/// in TensorBoard). Two runs that would give one name (tag <c>train/loss</c> at the top and tag <c>loss</c> in
/// <c>train/</c>) are refused. Files are read in ordinal order of their paths. A folder's SHA-256 is that of the lines
/// <c>PATH SHA256</c> of its event files (relative paths with <c>/</c>, in that order), so the same folder twice adds
/// nothing.
/// </para>
/// A bad record (either checksum wrong, the file ends inside a record, an Event that is not valid protobuf, a
/// negative step, a tag the name rule refuses) is a problem at its file and byte offset; a wrong length checksum or a
/// cut record ends the reading of that file, a wrong data checksum skips only its record.
/// </summary>
public static class TensorBoardEvents
{
    /// <summary>TensorBoard's rule for an event file's name (<c>tensorboard/backend/event_processing/io_wrapper.py</c>).</summary>
    public static bool IsEventFile(string path) => Path.GetFileName(path).Contains("tfevents", StringComparison.Ordinal);

    /// <summary>Reads an event file, or every event file in a folder and its subfolders.</summary>
    /// <exception cref="UserErrorException">A folder without event files, two runs giving one metric name, an unreadable file.</exception>
    public static MetricsFileResult Read(string path, DateTimeOffset importTime, MetricsReadOptions? options = null)
    {
        var folder = Directory.Exists(path);
        var files = folder ? EventFiles(path) : [(Run: "", Relative: Path.GetFileName(path), Full: path)];
        var reader = new Reader(importTime, options ?? MetricsReadOptions.Default);
        var lines = new StringBuilder();
        foreach (var (run, relative, full) in files)
        {
            try
            {
                using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
                var sha = reader.ReadFile(stream, run, folder ? relative : null);
                lines.Append(relative).Append(' ').Append(sha).Append('\n');
                if (!folder)
                {
                    return reader.Result(sha);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UserErrorException($"cannot read the event file: {ex.Message}", ex) { FilePath = full };
            }
        }

        return reader.Result(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines.ToString()))));
    }

    /// <summary>Reads one event file from a stream (no run prefix, problems at "byte N"), a chunk of <paramref name="chunk"/> bytes at a time.</summary>
    internal static MetricsFileResult Read(Stream stream, DateTimeOffset importTime, MetricsReadOptions? options = null, int chunk = TensorBoardRecords.DefaultChunk)
    {
        var reader = new Reader(importTime, options ?? MetricsReadOptions.Default);
        var sha = reader.ReadFile(stream, "", null, chunk);
        return reader.Result(sha);
    }

    /// <summary>The event files under a folder: run (the folder's path relative to the root, "" for the root), relative path, full path.</summary>
    private static List<(string Run, string Relative, string Full)> EventFiles(string root)
    {
        List<(string Run, string Relative, string Full)> files = [];
        foreach (var full in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (!IsEventFile(full))
            {
                continue;
            }

            var relative = Path.GetRelativePath(root, full).Replace(Path.DirectorySeparatorChar, '/');
            var slash = relative.LastIndexOf('/');
            files.Add((slash < 0 ? "" : relative[..slash], relative, full));
        }

        if (files.Count == 0)
        {
            throw new UserErrorException("no TensorBoard event files (events.out.tfevents.*) in the folder", "give a log folder a SummaryWriter wrote, or a metrics file")
            { FilePath = root };
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Relative, b.Relative));
        return files;
    }

    /// <summary>What a tag is in a run: its metric name (null when the name rule refuses it, see <see cref="Problem"/>) and plugin.</summary>
    private sealed class Tag(string? name, string? problem, bool dropped = false)
    {
        public string? Name { get; } = name;

        /// <summary><c>--only</c> leaves it out: its values are skipped without a message.</summary>
        public bool Dropped { get; } = dropped;

        public string? Problem { get; } = problem;

        /// <summary>The plugin its first metadata named (null until one did).</summary>
        public string? Plugin { get; set; }

        /// <summary>It gave a point: its name is taken by its run.</summary>
        public bool Claimed { get; set; }
    }

    private sealed class Reader(DateTimeOffset importTime, MetricsReadOptions options)
    {
        private readonly List<(string Written, string Stored)> _mapped = [];

        // Wire tags: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
        private const uint EventWallTime = (1 << 3) | 1;
        private const uint EventStep = (2 << 3) | 0;
        private const uint EventSummary = (5 << 3) | 2;
        private const uint SummaryValue = (1 << 3) | 2;
        private const uint ValueTag = (1 << 3) | 2;
        private const uint ValueSimple = (2 << 3) | 5;
        private const uint ValueTensor = (8 << 3) | 2;
        private const uint ValueMetadata = (9 << 3) | 2;
        private const uint MetadataPluginData = (1 << 3) | 2;
        private const uint PluginName = (1 << 3) | 2;
        private const uint TensorDtype = (1 << 3) | 0;
        private const uint TensorShape = (2 << 3) | 2;
        private const uint TensorContent = (4 << 3) | 2;
        private const uint TensorFloatPacked = (5 << 3) | 2;
        private const uint TensorFloat = (5 << 3) | 5;
        private const uint TensorDoublePacked = (6 << 3) | 2;
        private const uint TensorDouble = (6 << 3) | 1;
        private const uint ShapeDim = (2 << 3) | 2;
        private const uint ShapeUnknownRank = (3 << 3) | 0;
        private const int DtFloat = 1;
        private const int DtDouble = 2;

        private readonly List<MetricsFileProblem> _problems = [];
        private readonly Dictionary<(string Run, string Tag), Tag> _tags = [];

        // metric name -> the run and tag that gave it, to refuse two runs giving one name.
        private readonly Dictionary<string, (string Run, string Tag)> _origins = new(StringComparer.Ordinal);
        private readonly List<(string Name, double Value)> _pending = [];
        private string _run = "";
        private string? _file;
        private long _offset;
        private string? _recordProblem;

        public List<MetricPoint> Points { get; } = [];

        public long ProblemCount { get; private set; }

        public long Records { get; private set; }

        public MetricsFileResult Result(string sha256) => new(Points, _problems, ProblemCount, sha256, Records)
        {
            Format = MetricsFileFormat.TensorBoard,
            Mapped = _mapped,
            Source = options.Format is not null || options.ChangesNames ? sha256 + " " + options.Signature(MetricsFileFormat.TensorBoard) : sha256,
        };

        /// <summary>Reads the records of one file; its SHA-256.</summary>
        public string ReadFile(Stream stream, string run, string? file, int chunk = TensorBoardRecords.DefaultChunk)
        {
            _run = run;
            _file = file;
            using var records = new TensorBoardRecords(stream, chunk);
            var reading = true;
            while (reading)
            {
                var status = records.Next();
                _offset = records.Offset;
                switch (status)
                {
                    case TensorBoardRecordStatus.Record:
                        Records++;
                        ReadEvent(records.Data);
                        break;
                    case TensorBoardRecordStatus.End:
                        reading = false;
                        break;
                    case TensorBoardRecordStatus.Truncated:
                        Records++;
                        Problem(records.DeclaredLength == 0
                            ? "the file ends inside a record's header (cut off while being written?)"
                            : Invariant($"the file ends inside a record of {records.DeclaredLength:N0} bytes (cut off while being written?)"));
                        reading = false;
                        break;
                    case TensorBoardRecordStatus.BadLengthCrc:
                        Records++;
                        Problem("the record's length fails its CRC-32C check (the file is damaged); the rest of the file cannot be read");
                        reading = false;
                        break;
                    default:
                        Records++;
                        Problem(Invariant($"the record's data ({records.DeclaredLength:N0} bytes) fails its CRC-32C check (the file is damaged); the record is skipped"));
                        break;
                }
            }

            return records.Finish();
        }

        private void Problem(string message)
        {
            ProblemCount++;
            if (_problems.Count < MetricsFile.MaxProblems)
            {
                var where = _file is null ? Invariant($"byte {_offset}") : Invariant($"{_file}, byte {_offset}");
                _problems.Add(new MetricsFileProblem(_offset, message) { Where = where });
            }
        }

        private void ReadEvent(ArraySegment<byte> data)
        {
            _pending.Clear();
            _recordProblem = null;
            double wallTime = 0;
            long step = 0;
            try
            {
                var input = new CodedInputStream(data.Array!, data.Offset, data.Count);
                uint tag;
                while ((tag = input.ReadTag()) != 0)
                {
                    switch (tag)
                    {
                        case EventWallTime:
                            wallTime = input.ReadDouble();
                            break;
                        case EventStep:
                            step = input.ReadInt64();
                            break;
                        case EventSummary:
                            ReadSummary(input);
                            break;
                        default:
                            input.SkipLastField();
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidDataException)
            {
                Problem($"the record is not a valid Event protobuf: {ex.Message}");
                return;
            }

            if (_pending.Count == 0 && _recordProblem is null)
            {
                return;
            }

            if (_recordProblem is null && !MetricsFile.IsStep(step))
            {
                _recordProblem = Invariant($"the event's step is {step}: the step must be a whole number ≥ 0");
            }

            if (_recordProblem is null && !TryUnixSeconds(wallTime, out _))
            {
                _recordProblem = Invariant($"the event's wall_time is {wallTime}: expected unix seconds");
            }

            if (_recordProblem is { } problem)
            {
                Problem(problem);
                return;
            }

            // An Event without a wall_time (0, as protobuf leaves it) gets the import time, as a line without one does.
            var time = importTime;
            if (wallTime != 0)
            {
                TryUnixSeconds(wallTime, out time);
            }

            foreach (var (name, value) in _pending)
            {
                Points.Add(new MetricPoint(step, name, value, time));
            }
        }

        private void ReadSummary(CodedInputStream input)
        {
            var end = End(input);
            while (input.Position < end)
            {
                if (input.ReadTag() == SummaryValue)
                {
                    ReadValue(input);
                }
                else
                {
                    input.SkipLastField();
                }
            }

            CheckEnd(input, end);
        }

        private void ReadValue(CodedInputStream input)
        {
            var end = End(input);
            string? tagText = null;
            float? simple = null;
            string? plugin = null;
            var tensor = default(TensorScalar);
            var hasTensor = false;
            while (input.Position < end)
            {
                switch (input.ReadTag())
                {
                    case ValueTag:
                        tagText = input.ReadString();
                        break;
                    case ValueSimple:
                        simple = input.ReadFloat();
                        break;
                    case ValueTensor:
                        tensor = ReadTensor(input);
                        hasTensor = true;
                        break;
                    case ValueMetadata:
                        plugin = ReadPluginName(input) ?? plugin;
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }

            CheckEnd(input, end);
            if (!simple.HasValue && !hasTensor)
            {
                return; // a histogram, image, audio or other kind of summary
            }

            var tag = TagOf(tagText ?? "");
            if (plugin is not null)
            {
                tag.Plugin ??= plugin;
            }

            double value;
            if (simple.HasValue)
            {
                value = simple.Value;
            }
            else if ((plugin ?? tag.Plugin) != "scalars")
            {
                return; // another plugin's tensor
            }
            else if (tensor.Problem is { } tensorProblem)
            {
                _recordProblem ??= $"tag {MetricsFile.Show(tagText ?? "")}: {tensorProblem}";
                return;
            }
            else
            {
                value = tensor.Value;
            }

            if (tag.Problem is { } nameProblem)
            {
                _recordProblem ??= nameProblem;
                return;
            }

            if (tag.Dropped)
            {
                return;
            }

            if (!tag.Claimed)
            {
                Claim(tag, tagText ?? "");
            }

            _pending.Add((tag.Name!, value));
        }

        /// <summary>The tag's entry in the current run, made on first sight: its metric name checked by the name rule.</summary>
        private Tag TagOf(string tagText)
        {
            if (_tags.TryGetValue((_run, tagText), out var tag))
            {
                return tag;
            }

            // The name rule's mapping (white space to '_'), then --only, --rename and --prefix, as for every reader.
            var written = _run.Length == 0 ? tagText : _run + "/" + tagText;
            var (stored, problem, mapped) = options.Resolve(written);
            if (problem is null && stored is not null && mapped && !_mapped.Exists(m => m.Written == written))
            {
                _mapped.Add((written, stored));
            }

            tag = new Tag(problem is null && stored is not null ? string.Intern(stored) : null, problem, dropped: problem is null && stored is null);
            _tags.Add((_run, tagText), tag);
            return tag;
        }

        /// <summary>A scalar tag's first point: its name must not be another run's (only tags that give points count).</summary>
        private void Claim(Tag tag, string tagText)
        {
            var name = tag.Name!;
            if (_origins.TryGetValue(name, out var other) && other.Run != _run)
            {
                throw new UserErrorException(
                    $"two runs give the metric name {MetricsFile.Show(name)}: tag {MetricsFile.Show(other.Tag)} of {RunText(other.Run)} and tag {MetricsFile.Show(tagText)} of {RunText(_run)}",
                    "import the runs one at a time (give the run's folder or event file instead of the log folder)");
            }

            _origins.TryAdd(name, (_run, tagText));
            tag.Claimed = true;
        }

        private static string RunText(string run) => run.Length == 0 ? "the top folder" : $"run '{run}'";

        /// <summary>The plugin_name of a SummaryMetadata, or null.</summary>
        private static string? ReadPluginName(CodedInputStream input)
        {
            var end = End(input);
            string? plugin = null;
            while (input.Position < end)
            {
                if (input.ReadTag() == MetadataPluginData)
                {
                    var dataEnd = End(input);
                    while (input.Position < dataEnd)
                    {
                        if (input.ReadTag() == PluginName)
                        {
                            plugin = input.ReadString();
                        }
                        else
                        {
                            input.SkipLastField();
                        }
                    }

                    CheckEnd(input, dataEnd);
                }
                else
                {
                    input.SkipLastField();
                }
            }

            CheckEnd(input, end);
            return plugin;
        }

        private readonly record struct TensorScalar(double Value, string? Problem);

        /// <summary>A TensorProto as a scalar: rank 0, DT_FLOAT or DT_DOUBLE, from tensor_content or float_val/double_val.</summary>
        private static TensorScalar ReadTensor(CodedInputStream input)
        {
            var end = End(input);
            var dtype = 0;
            var rank = 0;
            var unknownRank = false;
            ByteString? content = null;
            List<double> values = [];
            uint tag;
            while (input.Position < end)
            {
                switch (tag = input.ReadTag())
                {
                    case TensorDtype:
                        dtype = input.ReadEnum();
                        break;
                    case TensorShape:
                        (rank, unknownRank) = ReadShape(input);
                        break;
                    case TensorContent:
                        content = input.ReadBytes();
                        break;
                    case TensorFloat:
                        values.Add(input.ReadFloat());
                        break;
                    case TensorDouble:
                        values.Add(input.ReadDouble());
                        break;
                    case TensorFloatPacked:
                    case TensorDoublePacked:
                        var packedEnd = End(input);
                        var isFloat = tag == TensorFloatPacked;
                        while (input.Position < packedEnd)
                        {
                            values.Add(isFloat ? input.ReadFloat() : input.ReadDouble());
                        }

                        CheckEnd(input, packedEnd);
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }

            CheckEnd(input, end);
            if (dtype is not (DtFloat or DtDouble))
            {
                return new TensorScalar(0, Invariant($"a scalars-plugin tensor of dtype {dtype}; expected DT_FLOAT (1) or DT_DOUBLE (2)"));
            }

            if (rank != 0 || unknownRank)
            {
                return new TensorScalar(0, unknownRank ? "a scalars-plugin tensor of unknown rank; expected rank 0" : Invariant($"a scalars-plugin tensor of rank {rank}; expected rank 0"));
            }

            var size = dtype == DtFloat ? 4 : 8;
            if (content is { Length: > 0 })
            {
                return content.Length != size
                    ? new TensorScalar(0, Invariant($"a scalars-plugin tensor with {content.Length} bytes of content; expected {size}"))
                    : new TensorScalar(dtype == DtFloat ? BinaryPrimitives.ReadSingleLittleEndian(content.Span) : BinaryPrimitives.ReadDoubleLittleEndian(content.Span), null);
            }

            return values.Count == 1 ? new TensorScalar(values[0], null) : new TensorScalar(0, Invariant($"a scalars-plugin tensor with {values.Count} values; expected 1"));
        }

        private static (int Rank, bool Unknown) ReadShape(CodedInputStream input)
        {
            var end = End(input);
            var rank = 0;
            var unknown = false;
            while (input.Position < end)
            {
                switch (input.ReadTag())
                {
                    case ShapeDim:
                        rank++;
                        input.SkipLastField();
                        break;
                    case ShapeUnknownRank:
                        unknown = input.ReadBool();
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }

            CheckEnd(input, end);
            return (rank, unknown);
        }

        /// <summary>Reads a length-delimited field's length: where its content ends.</summary>
        private static long End(CodedInputStream input)
        {
            var length = input.ReadLength();
            return length >= 0 ? input.Position + length : throw new InvalidDataException("a negative length");
        }

        /// <summary>A nested message whose fields ran past its declared length is damaged.</summary>
        private static void CheckEnd(CodedInputStream input, long end)
        {
            if (input.Position != end)
            {
                throw new InvalidDataException("a nested message's fields run past its length");
            }
        }
    }

    /// <summary>Unix seconds as a time, to the microsecond, within DateTimeOffset's range (the rule of <see cref="MetricsFile"/>).</summary>
    private static bool TryUnixSeconds(double seconds, out DateTimeOffset time)
    {
        if (!double.IsFinite(seconds) || seconds < -62_135_596_800 || seconds >= 253_402_300_799)
        {
            time = default;
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * 1e6) * 10);
        return true;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
