using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Datasets;

namespace TrainingPlatform.Tool.Output;

/// <summary>One snapshot as the command reports it: what was read, and what was recorded (or why not).</summary>
internal sealed record SnapshotReport(string Label, string? Name, DatasetSnapshot Snapshot, DatasetVersion? Version, bool Added, string? NotRecordedBecause);

/// <summary>The entries of snapshotted files, without copying them into a list of their own.</summary>
internal sealed class EntryList(IReadOnlyList<FileSnapshot> files) : IReadOnlyList<FileEntry>
{
    public int Count => files.Count;

    public FileEntry this[int index] => files[index].Entry;

    public IEnumerator<FileEntry> GetEnumerator() => files.Select(f => f.Entry).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Text and JSON for the <c>data</c> commands. Deterministic: sorted, invariant numbers, UTC times.</summary>
internal static class DataFormatter
{
    public static void WriteSnapshots(TextWriter output, IReadOnlyList<SnapshotReport> reports, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject { ["datasets"] = new JsonArray([.. reports.Select(r => (JsonNode)SnapshotJson(r))]) }));
            return;
        }

        for (var i = 0; i < reports.Count; i++)
        {
            if (i > 0)
            {
                output.WriteLine();
            }

            WriteSnapshotText(output, reports[i]);
        }
    }

    public static void WriteList(TextWriter output, IReadOnlyList<DatasetVersion> versions, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonArray([.. versions.Select(v => (JsonNode)VersionJson(v, withFiles: false))])));
            return;
        }

        if (versions.Count == 0)
        {
            output.WriteLine("No dataset versions recorded.");
            return;
        }

        var table = new TextTable("NAME", "VERSION", "FORMAT", "SIZE", "SAMPLES", "CREATED");
        foreach (var v in versions)
        {
            table.Add(v.Name, v.ShortHash, v.Format, Bytes(v.Size), Samples(v.Samples), Time(v.Created));
        }

        table.Write(output);

        var names = versions.Select(v => v.Name).Distinct().Count();
        output.WriteLine(Invariant($"{versions.Count} version{Plural(versions.Count)} of {names} dataset{Plural(names)}"));
    }

    public static void WriteVersion(TextWriter output, DatasetVersion v, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(VersionJson(v, withFiles: true)));
            return;
        }

        output.WriteLine(TerminalText.Escape(v.Id));
        Field(output, "path", v.Path + (v.IsFolder ? "/" : ""));
        Field(output, "format", v.IsFolder ? Invariant($"folder, {v.Files.Count} file{Plural(v.Files.Count)}") : v.Format);
        Field(output, "size", Bytes(v.Size));
        Field(output, "samples", Samples(v.Samples));
        if (v.Fields.Count > 0)
        {
            Field(output, "fields", string.Join(", ", v.Fields));
        }

        Field(output, v.Algorithm, v.Hash);
        Field(output, "created", Time(v.Created));
        if (v.IsFolder)
        {
            WriteFileTable(output, v.Files);
        }
    }

    public static void WriteDiff(TextWriter output, DatasetComparison d, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(DiffJson(d)));
            return;
        }

        output.WriteLine(TerminalText.Escape($"{Side(d.Left)} → {Side(d.Right)}"));
        Field(output, "content", d.Same ? $"same ({d.Left.Algorithm}:{Short(d.Left.Hash)})" : $"different ({Short(d.Left.Hash)} → {Short(d.Right.Hash)})");
        Field(output, "size", $"{Bytes(d.Left.Size)} → {Bytes(d.Right.Size)} ({Signed(d.SizeDelta)})");
        Field(output, "samples", $"{Samples(d.Left.Samples)} → {Samples(d.Right.Samples)}" + (d.SamplesDelta is { } s ? $" ({Signed(s)})" : ""));
        if (d.Files.Count > 0)
        {
            output.WriteLine("  files:");
            var table = new TextTable { Indent = "    ", MinWidths = [8] };
            foreach (var f in d.Files)
            {
                var detail = f.Change switch
                {
                    "added" => $"{Bytes(f.New!.Size)}, {Samples(f.New.Samples)} samples",
                    "removed" => $"{Bytes(f.Old!.Size)}, {Samples(f.Old.Samples)} samples",
                    _ => $"{Short(f.Old!.Hash)} → {Short(f.New!.Hash)}, {Signed(f.New.Size - f.Old.Size)}" +
                         (f.Old.Samples is { } o && f.New.Samples is { } n ? $", {Signed(n - o)} samples" : ""),
                };
                table.Add(f.Change, f.Path, detail);
            }

            table.Write(output);
        }

        if (d.Left.IsFolder && d.Right.IsFolder)
        {
            output.WriteLine(Invariant($"files summary: {d.Count("added")} added, {d.Count("removed")} removed, {d.Count("modified")} modified"));
        }
    }

    public static void WriteStatus(TextWriter output, IReadOnlyList<DatasetStatus> statuses, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["summary"] = StatusSummary(statuses),
                ["datasets"] = new JsonArray([.. statuses.Select(s => (JsonNode)new JsonObject
                {
                    ["name"] = s.Version.Name,
                    ["version"] = s.Version.Id,
                    ["path"] = s.Version.Path,
                    ["state"] = State(s.State),
                    ["changes"] = s.Changes is { Same: false } c ? DiffJson(c) : null,
                })]),
            }));
            return;
        }

        if (statuses.Count == 0)
        {
            output.WriteLine("No dataset versions recorded.");
            return;
        }

        var table = new TextTable { MinWidths = [9] };
        foreach (var s in statuses)
        {
            var path = s.Version.Path;
            if (s.Changes is { Same: false } c)
            {
                path += c.Left.IsFolder && c.Right.IsFolder
                    ? Invariant($"  ({c.Count("added")} added, {c.Count("removed")} removed, {c.Count("modified")} modified)")
                    : $"  ({Signed(c.SizeDelta)}" + (c.SamplesDelta is { } d ? $", {Signed(d)} samples)" : ")");
            }

            table.Add(State(s.State), s.Version.Id, path);
        }

        table.Write(output);

        int Count(DatasetState state) => statuses.Count(s => s.State == state);
        output.WriteLine(Invariant($"{statuses.Count} dataset{Plural(statuses.Count)}: {Count(DatasetState.Unchanged)} unchanged, {Count(DatasetState.Modified)} modified, {Count(DatasetState.Missing)} missing"));
    }

    private static void WriteSnapshotText(TextWriter output, SnapshotReport r)
    {
        var s = r.Snapshot;
        output.WriteLine(TerminalText.Escape(r.Label + (s.IsFolder ? "/" : "")));
        Field(output, "format", s.IsFolder ? Invariant($"folder, {s.Files.Count} file{Plural(s.Files.Count)}") : s.Format);
        Field(output, "size", Bytes(s.Size));
        var uncounted = s.Files.Count(f => f.Entry.Samples is null);
        Field(output, "samples", Samples(s.Samples) + (s.IsFolder && uncounted > 0 && s.Samples is not null
            ? Invariant($" ({uncounted} file{Plural(uncounted)} without a sample count)")
            : ""));
        if (s.Fields.Count > 0)
        {
            Field(output, "fields", string.Join(", ", s.Fields));
        }

        if (s.Hash.Length > 0)
        {
            Field(output, s.Algorithm, s.Hash);
        }

        Field(output, "version", r.Version is { } v
            ? $"{v.Id} ({(r.Added ? "new" : "already recorded " + Time(v.Created))})"
            : $"not recorded ({r.NotRecordedBecause})");
        if (s.IsFolder)
        {
            WriteFileTable(output, new EntryList(s.Files));
        }

        if (s.ProblemCount > 0)
        {
            Field(output, "check", Invariant($"{s.ProblemCount} problem{Plural(s.ProblemCount)}") +
                (s.ProblemCount > SnapshotLimits.MaxProblems ? Invariant($" (the first {SnapshotLimits.MaxProblems} of each file shown)") : ""));
            foreach (var f in s.Files.Where(f => f.ProblemCount > 0))
            {
                foreach (var p in f.Problems)
                {
                    var where = p.Line > 0 ? Invariant($"line {p.Line}") : "file";
                    output.WriteLine("    " + TerminalText.Escape($"{(s.IsFolder ? f.Entry.Path + ":" : "")}{where}: {p.Message}"));
                }
            }
        }

        if (s.Remote is { } remote)
        {
            Field(output, "method", Method(remote, s.IsFolder));
        }

        Field(output, "read", Invariant($"{s.BytesRead:N0} bytes; {s.FilesFromCache} of {s.Files.Count} file{Plural(s.Files.Count)} unchanged since the last snapshot (stat cache)"));
    }

    /// <summary>How a remote snapshot was read, e.g. <c>remote (sha256sum on HOST): 3 files; stream (SFTP): 1 file</c>, or <c>stat cache (nothing read, no remote command run)</c>.</summary>
    private static string Method(RemoteRead r, bool folder)
    {
        var parts = new List<string>();
        void Part(int files, string how)
        {
            if (files > 0)
            {
                parts.Add(how + (folder ? Invariant($": {files} file{Plural(files)}") : ""));
            }
        }

        Part(r.HashedOnHost, $"remote ({r.Tool} on {r.Host})");
        Part(r.Streamed, "stream (SFTP)");
        Part(r.FromCache, r.CommandsRun == 0 && r.BytesTransferred == 0 && r.HashedOnHost + r.Streamed == 0
            ? "stat cache (nothing read, no remote command run)"
            : "stat cache");
        return parts.Count == 0 ? "none (an empty folder)" : string.Join("; ", parts);
    }

    /// <summary>
    /// The files a folder's text output lists: a folder of up to this many files is listed whole; a bigger one
    /// lists its first files (in manifest order) and says how many more there are: 100,000 lines on a terminal
    /// help nobody, and <c>--format json</c> lists every file.
    /// </summary>
    internal const int ListedFiles = 100;

    private static void WriteFileTable(TextWriter output, IReadOnlyList<FileEntry> files)
    {
        if (files.Count == 0)
        {
            return;
        }

        output.WriteLine("  files:");
        var table = new TextTable { Indent = "    " };
        var listed = Math.Min(files.Count, ListedFiles);
        for (var i = 0; i < listed; i++)
        {
            var f = files[i];
            table.Add(f.Path, f.Format, Bytes(f.Size), Samples(f.Samples), f.LinkTarget is { } t ? "-> " + t : Short(f.Hash));
        }

        table.Write(output);
        if (files.Count > listed)
        {
            var more = files.Count - listed;
            output.WriteLine(Invariant($"    … and {more:N0} more file{Plural(more)} (--format json lists every file)"));
        }
    }

    private static JsonObject SnapshotJson(SnapshotReport r)
    {
        var s = r.Snapshot;
        var o = new JsonObject
        {
            ["path"] = r.Label,
            ["name"] = r.Version?.Name ?? r.Name,
            ["kind"] = s.IsFolder ? "folder" : "file",
            ["format"] = s.Format,
            ["size"] = s.Size,
            ["algorithm"] = s.Algorithm.Length == 0 ? null : s.Algorithm,
            ["hash"] = s.Hash.Length == 0 ? null : s.Hash,
            ["samples"] = s.Samples,
            ["fields"] = JsonText.Array(s.Fields),
            ["version"] = r.Version?.Id,
            ["recorded"] = r.Version is null ? "no" : r.Added ? "new" : "existing",
            ["not_recorded_because"] = r.NotRecordedBecause,
            ["created"] = r.Version is { } v ? Iso(v.Created) : null,
            ["bytes_read"] = s.BytesRead,
            ["files_from_cache"] = s.FilesFromCache,

            ["problems"] = new JsonObject
            {
                ["count"] = s.ProblemCount,
                ["first"] = new JsonArray([.. s.Files.SelectMany(f => f.Problems.Select(p => (JsonNode)new JsonObject
                {
                    ["file"] = f.Entry.Path,
                    ["line"] = p.Line,
                    ["message"] = p.Message,
                }))]),
            },
            ["files"] = new JsonArray([.. s.Files.Select(f =>
            {
                var file = FileJson(f.Entry);
                file["from_cache"] = f.FromCache;
                file["bytes_read"] = f.BytesRead;
                return (JsonNode)file;
            })]),
        };
        if (s.Remote is { } remote)
        {
            // Remote snapshots only: a local snapshot's JSON is unchanged.
            o["method"] = new JsonObject
            {
                ["host"] = remote.Host,
                ["tool"] = remote.Tool,
                ["files_hashed_on_host"] = remote.HashedOnHost,
                ["files_streamed"] = remote.Streamed,
                ["files_from_cache"] = remote.FromCache,
                ["bytes_transferred"] = remote.BytesTransferred,
                ["remote_commands"] = remote.CommandsRun,
            };
        }

        return o;
    }

    private static JsonObject VersionJson(DatasetVersion v, bool withFiles)
    {
        var o = new JsonObject
        {
            ["name"] = v.Name,
            ["version"] = v.Id,
            ["path"] = v.Path,
            ["kind"] = v.IsFolder ? "folder" : "file",
            ["format"] = v.Format,
            ["size"] = v.Size,
            ["algorithm"] = v.Algorithm,
            ["hash"] = v.Hash,
            ["samples"] = v.Samples,
            ["fields"] = JsonText.Array(v.Fields),
            ["created"] = Iso(v.Created),
            ["file_count"] = v.IsFolder ? v.FileCount : 1,
        };
        if (withFiles && v.IsFolder)
        {
            o["files"] = new JsonArray([.. v.Files.Select(f => (JsonNode)FileJson(f))]);
        }

        return o;
    }

    private static JsonObject FileJson(FileEntry f)
    {
        var o = new JsonObject
        {
            ["path"] = f.Path,
            ["format"] = f.Format,
            ["size"] = f.Size,
            ["hash"] = f.Hash.Length == 0 ? null : f.Hash,
            ["samples"] = f.Samples,
            ["fields"] = JsonText.Array(f.Fields),
        };
        if (f.LinkTarget is { } target)
        {
            o["link_target"] = target;
        }

        return o;
    }

    private static JsonObject DiffJson(DatasetComparison d) => new()
    {
        ["left"] = SideJson(d.Left),
        ["right"] = SideJson(d.Right),
        ["same"] = d.Same,
        ["size_delta"] = d.SizeDelta,
        ["samples_delta"] = d.SamplesDelta,
        ["summary"] = d.Left.IsFolder && d.Right.IsFolder
            ? new JsonObject { ["added"] = d.Count("added"), ["removed"] = d.Count("removed"), ["modified"] = d.Count("modified") }
            : null,
        ["files"] = new JsonArray([.. d.Files.Select(f => (JsonNode)new JsonObject
        {
            ["path"] = f.Path,
            ["change"] = f.Change,
            ["old"] = f.Old is null ? null : FileJson(f.Old),
            ["new"] = f.New is null ? null : FileJson(f.New),
        })]),
    };

    /// <summary>Which side is which: <c>recorded train@659a86f5414c (2026-… UTC)</c> or <c>on disk data/train.jsonl</c>.</summary>
    private static string Side(DatasetSide s) => s.Version is { } v ? $"recorded {v.Id} ({Time(v.Created)})" : $"on disk {s.Label}";

    private static JsonObject SideJson(DatasetSide s) => new()
    {
        ["label"] = s.Label,
        ["source"] = s.Version is null ? "disk" : "recorded",
        ["path"] = s.Version?.Path ?? s.Label,
        ["created"] = s.Version is { } v ? Iso(v.Created) : null,
        ["kind"] = s.IsFolder ? "folder" : "file",
        ["algorithm"] = s.Algorithm,
        ["hash"] = s.Hash,
        ["size"] = s.Size,
        ["samples"] = s.Samples,
    };

    private static JsonObject StatusSummary(IReadOnlyList<DatasetStatus> statuses) => new()
    {
        ["total"] = statuses.Count,
        ["unchanged"] = statuses.Count(s => s.State == DatasetState.Unchanged),
        ["modified"] = statuses.Count(s => s.State == DatasetState.Modified),
        ["missing"] = statuses.Count(s => s.State == DatasetState.Missing),
    };

    private static string State(DatasetState state) => state switch
    {
        DatasetState.Unchanged => "unchanged",
        DatasetState.Modified => "modified",
        _ => "missing",
    };

    internal static void Field(TextWriter output, string name, string value) => output.WriteLine($"  {(name + ":").PadRight(10)}{TerminalText.Escape(value)}");

    private static string Short(string hash) => hash.Length > DatasetVersion.ShortHashLength ? hash[..DatasetVersion.ShortHashLength] : hash;

    private static string Samples(long? samples) => samples is { } n ? n.ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    internal static string Bytes(long bytes)
    {
        var exact = bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit < 0 ? exact : exact + " (" + value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit] + ")";
    }

    private static string Signed(long value) => value.ToString("+#,0;-#,0;0", CultureInfo.InvariantCulture);

    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    internal static string Plural(long n) => n == 1 ? "" : "s";

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Progress for long reads on stderr — bytes, rate, files — redrawn on one line. Only when stderr is a
/// terminal and not for JSON output (the caller decides), and only once the work has taken a second.
/// </summary>
internal sealed class SnapshotProgressWriter : IDisposable
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private readonly TextWriter _error;
    private readonly Func<(string Label, SnapshotProgress Progress)> _stage;
    private readonly Timer? _timer;
    private readonly Lock _lock = new();
    private SnapshotProgress? _drawing;
    private long _start = System.Diagnostics.Stopwatch.GetTimestamp();
    private bool _drawn;
    private bool _disposed;

    public SnapshotProgressWriter(TextWriter error, SnapshotProgress progress, bool enabled, string label = "snapshot")
        : this(error, () => (label, progress), enabled)
    {
    }

    /// <summary>A line for an operation of several steps: <paramref name="stage"/> gives the step under way and its progress (the rate restarts with each).</summary>
    public SnapshotProgressWriter(TextWriter error, Func<(string Label, SnapshotProgress Progress)> stage, bool enabled)
    {
        _error = error;
        _stage = stage;
        if (enabled)
        {
            _timer = new Timer(_ => Draw(), null, Delay, TimeSpan.FromMilliseconds(250));
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        lock (_lock)
        {
            _disposed = true;
            if (_drawn)
            {
                _error.Write("\r\u001b[K");
                _error.Flush();
            }
        }
    }

    private void Draw()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var (label, progress) = _stage();
            if (!ReferenceEquals(progress, _drawing))
            {
                _drawing = progress;
                _start = System.Diagnostics.Stopwatch.GetTimestamp();
            }

            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalSeconds;
            var done = progress.BytesDone;
            var total = Math.Max(1, progress.BytesTotal);
            var rate = done / Math.Max(seconds, 0.001) / (1 << 20);
            _error.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r\u001b[K{label}: {done / (double)(1 << 20):0} of {total / (double)(1 << 20):0} MiB ({100.0 * done / total:0}%), {rate:0} MiB/s, {progress.FilesDone} of {progress.FilesTotal} files"));
            _error.Flush();
            _drawn = true;
        }
    }
}
