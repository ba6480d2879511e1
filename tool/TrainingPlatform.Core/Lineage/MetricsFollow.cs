using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>How <see cref="MetricsFollow.Run"/> reads and records.</summary>
public sealed record MetricsFollowOptions
{
    /// <summary>How often the files are looked at for new bytes (and, when idle, how long it waits between looks).</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary><c>--as</c>, <c>--only</c>, <c>--rename</c>, <c>--prefix</c>: how records are read and named, as for <c>metrics import</c>.</summary>
    public MetricsReadOptions Naming { get; init; } = MetricsReadOptions.Default;

    /// <summary>A transaction at least this often while there are records not yet recorded; the job's status is read as often.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A transaction as soon as this many points wait (a file that is far ahead is recorded in steps).</summary>
    public int BatchPoints { get; init; } = 500_000;

    /// <summary>The most bytes read from one file in one look; a record longer than <see cref="MaxRecord"/> is refused.</summary>
    public int MaxPiece { get; init; } = 16 << 20;

    public int MaxRecord { get; init; } = 64 << 20;

    /// <summary>Report bad records and go on (else the first bad record ends the follow; the records before it stay recorded).</summary>
    public bool SkipBad { get; init; }
}

/// <summary>Something a follower says while it runs: a resumed, replaced or bad file, or a skipped bad record (file as shown; line 0 when none).</summary>
public sealed record MetricsFollowEvent(string File, long Line, string Message, bool BadRecord);

/// <summary>
/// What a follow recorded: files followed, complete lines read and recorded in this run, points, metrics, transactions,
/// bad records skipped; whether a signal ended it, or the job's status when the job finishing ended it.
/// </summary>
public sealed record MetricsFollowResult(int Files, long Lines, long Points, IReadOnlyList<string> Names, int Transactions, long BadLines, bool Interrupted, JobStatus? Finished);

/// <summary>
/// <c>trainplat metrics import JOB PATH --follow</c>: reads a metrics file (or every metrics file in a folder, also
/// those that appear later) while a trainer appends to it, and records each complete record once.
/// <para>
/// Each file's position (the byte after the last complete record recorded, its line count, and a hash of its first
/// bytes) is kept in the store per job and file, written in the same transaction as the points read before it, so a
/// follow that is stopped (a signal, a crash, <c>kill -9</c>) and started again resumes exactly after the last recorded
/// record: nothing twice, nothing lost. A record is complete when the format says so (<see cref="IMetricsFollowFormat"/>:
/// for JSON Lines, CSV and TSV its line ends with <c>\n</c>); a partly written last record waits until it is complete —
/// when the follow ends, it is left unrecorded (and is read by the next follow once complete).
/// </para>
/// <para>
/// Rotation: a file shorter than its position, or whose first bytes (up to 4 KiB) changed, was truncated or replaced
/// under the same name: it is read again from its start, and the follower says so. A renamed-away file (<c>train.jsonl.1</c>)
/// is not followed (its name is no metrics format); a file that disappears is waited for.
/// </para>
/// Transactions: at least once per <see cref="MetricsFollowOptions.Interval"/> while records wait, and whenever
/// <see cref="MetricsFollowOptions.BatchPoints"/> wait. It ends when <paramref name="cancel"/> fires (every complete record
/// read by then is recorded) or when the job is marked finished (the files are read once more to their last complete record).
/// </summary>
public static class MetricsFollow
{
    /// <summary>How many of a file's first bytes identify it (a replaced file differs in them).</summary>
    public const int HeadSize = 4096;

    /// <param name="path">A metrics file or a folder of them (full path).</param>
    /// <param name="shown">How messages name <paramref name="path"/>.</param>
    /// <param name="jobId">A job that exists and takes metrics (resolved and admitted by the caller).</param>
    /// <param name="open">Opens the store for writing, once per transaction.</param>
    /// <param name="openForReading">Opens the store to read the positions and, between transactions, the job's status.</param>
    /// <param name="clock">A point without a time field gets the time its record was read.</param>
    /// <param name="report">Resumed, replaced and bad files, and skipped bad records, as they happen.</param>
    /// <param name="cancel">SIGINT/SIGTERM: record what is complete, then return with <see cref="MetricsFollowResult.Interrupted"/>.</param>
    /// <exception cref="UserErrorException">A bad record without SkipBad (the records before it are recorded), a file that is no metrics file, or a store that refuses a transaction.</exception>
    public static MetricsFollowResult Run(
        string path, string shown, string jobId, Func<ILineageStore> open, Func<ILineageStore> openForReading, TimeProvider clock,
        MetricsFollowOptions options, Action<MetricsFollowEvent>? report, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(openForReading);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        return new Follower(path, shown, jobId, open, openForReading, clock, options, report).Run(cancel);
    }

    private static bool IsFinished(JobStatus status) => status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private sealed class Follower(
        string root, string shown, string jobId, Func<ILineageStore> open, Func<ILineageStore> openForReading, TimeProvider clock,
        MetricsFollowOptions options, Action<MetricsFollowEvent>? report)
    {
        private readonly bool _folder = Directory.Exists(root);
        private readonly Dictionary<string, FollowedFile> _files = new(StringComparer.Ordinal);
        private readonly Dictionary<string, FollowPosition> _stored = new(StringComparer.Ordinal);
        private readonly List<MetricPoint> _pending = [];
        private readonly SortedSet<string> _names = new(StringComparer.Ordinal);
        private long _oldest;
        private bool _waiting; // records (or consumed blank/bad lines) not yet recorded
        private long _lines, _points, _bad;
        private int _transactions;
        private JobStatus? _finished;

        public MetricsFollowResult Run(CancellationToken cancel)
        {
            using (var store = openForReading())
            {
                foreach (var p in store.FollowPositions(jobId))
                {
                    _stored[p.Path] = p;
                }
            }

            var lastLook = long.MinValue;
            var lastStatus = Stopwatch.GetTimestamp();
            while (true)
            {
                if (lastLook == long.MinValue || Stopwatch.GetElapsedTime(lastLook) >= options.Interval)
                {
                    Discover();
                    lastLook = Stopwatch.GetTimestamp();
                }

                var read = ReadAll();
                if (_waiting && (Stopwatch.GetElapsedTime(_oldest) >= options.Interval || _pending.Count >= options.BatchPoints))
                {
                    Commit();
                    lastStatus = Stopwatch.GetTimestamp();
                }
                else if (Stopwatch.GetElapsedTime(lastStatus) >= options.Interval)
                {
                    using var store = openForReading();
                    var job = store.GetJob(jobId) ?? throw new UserErrorException($"job {jobId} was deleted while its metrics were followed; stopped");
                    _finished = IsFinished(job.Status) ? job.Status : null;
                    lastStatus = Stopwatch.GetTimestamp();
                }

                if (_finished is not null || cancel.IsCancellationRequested)
                {
                    // The last look: every record complete by now.
                    Discover();
                    while (ReadAll())
                    {
                    }

                    Commit();
                    return Result(interrupted: _finished is null);
                }

                if (!read)
                {
                    cancel.WaitHandle.WaitOne(options.Poll);
                }
            }
        }

        private MetricsFollowResult Result(bool interrupted) =>
            new(_files.Count, _lines, _points, [.. _names], _transactions, _bad, interrupted, _finished);

        /// <summary>The file, or the folder's metrics files (recursively, by name), each once, with its stored position.</summary>
        private void Discover()
        {
            IEnumerable<string> candidates;
            if (!_folder)
            {
                candidates = [root];
            }
            else
            {
                try
                {
                    candidates = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                        .Order(StringComparer.Ordinal).ToList();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return; // the folder is away for a moment: look again later
                }
            }

            foreach (var file in candidates)
            {
                if (_files.ContainsKey(file) || MetricsFollowFormats.ForFile(file, options.Naming, _folder) is not { } format)
                {
                    continue;
                }

                var name = _folder ? Path.Combine(shown, Path.GetRelativePath(root, file)) : shown;
                var followed = new FollowedFile(file, name, format);
                if (_stored.TryGetValue(file, out var p))
                {
                    (followed.Offset, followed.Lines, followed.HeadLength, followed.Head) = (p.Offset, p.Lines, p.HeadLength, p.Head);
                    report?.Invoke(new MetricsFollowEvent(name, 0, $"resuming after line {N(p.Lines)} (byte {N(p.Offset)}), where the last --follow stopped", false));
                }

                _files.Add(file, followed);
            }
        }

        /// <summary>One look at every file; true when any gave complete records (another look may give more).</summary>
        private bool ReadAll()
        {
            var any = false;
            foreach (var file in _files.Values)
            {
                any |= Read(file);
            }

            return any;
        }

        private bool Read(FollowedFile file)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return false; // moved away (rotation): the new one is read from its start when it appears
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UserErrorException($"{file.Shown}: cannot read ({ex.Message.TrimEnd('.')}); {Recorded()}", "fix the file's permissions and run the same command again: it resumes where it stopped", ex);
            }

            using (stream)
            {
                var length = stream.Length;
                if (file.Offset > 0 && (length < file.Offset || !HeadMatches(stream, file)))
                {
                    report?.Invoke(new MetricsFollowEvent(file.Shown, 0,
                        length < file.Offset
                            ? $"the file is shorter ({N(length)} bytes) than the {N(file.Offset)} bytes read before: truncated or replaced; reading it from the start"
                            : "the file's first bytes changed: replaced; reading it from the start",
                        false));
                    (file.Offset, file.Lines, file.HeadLength, file.Head, file.Preamble) = (0, 0, 0, "", null);
                    file.Dirty = true;
                    Wait();
                }

                if (length <= file.Offset)
                {
                    return false;
                }

                var want = (int)Math.Min(length - file.Offset, options.MaxPiece);
                var data = ReadAt(stream, file.Offset, want);
                var atStart = file.Offset == 0;
                var complete = file.Format.CompleteLength(data, atStart);
                while (complete == 0 && data.Length == want && file.Offset + want < length)
                {
                    // A record longer than a piece: read on, up to the limit.
                    if (want >= options.MaxRecord)
                    {
                        throw new UserErrorException(
                            $"{file.Shown}: a record at line {N(file.Lines + 1)} is longer than {N(options.MaxRecord >> 20)} MiB; {Recorded()}",
                            "is it a metrics file? follow only the files a trainer writes metrics to");
                    }

                    want = (int)Math.Min(Math.Min(length - file.Offset, (long)want * 2), options.MaxRecord);
                    data = ReadAt(stream, file.Offset, want);
                    complete = file.Format.CompleteLength(data, atStart);
                }

                if (complete == 0)
                {
                    return false;
                }

                if (!atStart && file.Preamble is null)
                {
                    var start = ReadAt(stream, 0, (int)Math.Min(file.Offset, 1 << 20));
                    var preamble = file.Format.PreambleLength(start);
                    file.Preamble = preamble <= 0 ? [] : start[..preamble];
                }

                Take(stream, file, data.AsMemory(0, complete), atStart);
                return true;
            }
        }

        /// <summary>Reads the complete records in <paramref name="records"/> (they start at the file's position) and moves the position past them.</summary>
        private void Take(FileStream stream, FollowedFile file, ReadOnlyMemory<byte> records, bool atStart)
        {
            var now = JobRules.Truncate(clock.GetUtcNow());
            var preamble = atStart ? file.Format.PreambleLength(records.Span) : file.Preamble!.Length;
            var piece = atStart || preamble == 0 ? records : (ReadOnlyMemory<byte>)(byte[])[.. file.Preamble!, .. records.Span];
            var body = atStart ? records[Math.Max(0, preamble)..] : records;
            var preambleLines = atStart ? 0 : file.Preamble!.AsSpan().Count((byte)'\n');
            // A problem's line in the piece, as a line of the file.
            var shift = atStart ? 0 : file.Lines - preambleLines;

            MetricsFileResult result;
            if (body.Span.IndexOfAnyExcept(" \t\r\n"u8) < 0)
            {
                result = new MetricsFileResult([], [], 0, "", 0);
            }
            else
            {
                try
                {
                    result = file.Format.Read(piece, now);
                }
                catch (UserErrorException ex)
                {
                    throw new UserErrorException($"{file.Shown} (from line {N(file.Lines + 1)}): {ex.Message}; {Recorded()}", ex.Hint, ex);
                }
            }

            if (result.ProblemCount > 0 && !options.SkipBad)
            {
                var first = result.Problems[0];
                var keepLines = first.Line - 1 - preambleLines; // whole lines of `records` before the bad one
                var keep = 0;
                for (var i = 0; i < keepLines; i++)
                {
                    keep += records.Span[keep..].IndexOf((byte)'\n') + 1;
                }

                if (keepLines > (atStart && preamble > 0 ? 1 : 0))
                {
                    Take(stream, file, records[..keep], atStart);
                }

                Commit();
                throw new UserErrorException(
                    $"{file.Shown}:{N(first.Line + shift)}: {first.Message}; {Recorded()}, nothing after it",
                    "fix what writes the file; --skip-bad records the good records and reports the bad ones");
            }

            foreach (var p in result.Problems)
            {
                report?.Invoke(new MetricsFollowEvent(file.Shown, p.Line + shift, p.Message, true));
            }

            if (result.MoreProblems > 0)
            {
                report?.Invoke(new MetricsFollowEvent(file.Shown, 0, $"… and {N(result.MoreProblems)} more bad lines", true));
            }

            _bad += result.ProblemCount;
            Wait();

            _pending.AddRange(result.Points);
            var lines = records.Span.Count((byte)'\n');
            _lines += lines;
            file.Lines += lines;
            file.Offset += records.Length;
            if (file.HeadLength < HeadSize && file.HeadLength < file.Offset)
            {
                file.HeadLength = (int)Math.Min(file.Offset, HeadSize);
                file.Head = Convert.ToHexStringLower(SHA256.HashData(ReadAt(stream, 0, file.HeadLength)));
            }

            file.Dirty = true;
        }

        private void Wait()
        {
            if (!_waiting)
            {
                _waiting = true;
                _oldest = Stopwatch.GetTimestamp();
            }
        }

        private static bool HeadMatches(FileStream stream, FollowedFile file) =>
            file.HeadLength == 0 || Convert.ToHexStringLower(SHA256.HashData(ReadAt(stream, 0, file.HeadLength))) == file.Head;

        private static byte[] ReadAt(FileStream stream, long offset, int count)
        {
            var data = new byte[count];
            stream.Position = offset;
            var read = 0;
            while (read < count)
            {
                var n = stream.Read(data, read, count - read);
                if (n == 0)
                {
                    return data[..read];
                }

                read += n;
            }

            return data;
        }

        /// <summary>One transaction: the points waiting and the positions of the files they came from.</summary>
        private void Commit()
        {
            var moved = _files.Values.Where(f => f.Dirty).ToList();
            if (moved.Count == 0 && _pending.Count == 0)
            {
                _waiting = false;
                return;
            }

            var positions = moved.Select(f => new FollowPosition(jobId, f.Path, f.Offset, f.Lines, f.HeadLength, f.Head)).ToList();
            JobRecord job;
            using (var store = open())
            {
                (_, job) = store.AppendFollowed(jobId, _pending, positions, JobRules.Truncate(clock.GetUtcNow()));
            }

            _transactions++;
            _points += _pending.Count;
            foreach (var p in _pending)
            {
                _names.Add(p.Name);
            }

            _pending.Clear();
            foreach (var f in moved)
            {
                f.Dirty = false;
                f.RecordedLines = f.Lines;
            }

            _waiting = false;
            _finished ??= IsFinished(job.Status) ? job.Status : null;
        }

        private string Recorded()
        {
            var recorded = _files.Values.Where(f => f.RecordedLines is not null).Select(f => $"{f.Shown} through line {N(f.RecordedLines!.Value)}").ToList();
            return recorded.Count == 0 ? "nothing new was recorded" : "recorded " + string.Join(", ", recorded);
        }
    }

    /// <summary>A file being followed: where its recorded records end, and what identifies it.</summary>
    private sealed class FollowedFile(string path, string shown, IMetricsFollowFormat format)
    {
        public string Path { get; } = path;

        public string Shown { get; } = shown;

        public IMetricsFollowFormat Format { get; } = format;

        public long Offset { get; set; }

        public long Lines { get; set; }

        public int HeadLength { get; set; }

        public string Head { get; set; } = "";

        /// <summary>The bytes each later piece needs in front of it (null until read).</summary>
        public byte[]? Preamble { get; set; }

        /// <summary>The position changed since the last transaction.</summary>
        public bool Dirty { get; set; }

        /// <summary>The lines recorded in this run's transactions (null before the first).</summary>
        public long? RecordedLines { get; set; }
    }
}
