using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>How <see cref="MetricsPipe.Record"/> batches: a transaction per <see cref="BatchLines"/> lines, or once <see cref="Interval"/> after the oldest line not yet recorded, whichever comes first.</summary>
public sealed record MetricsPipeOptions
{
    public int BatchLines { get; init; } = 1000;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Report a bad line and go on (else the first bad line ends the stream).</summary>
    public bool SkipBad { get; init; }

    /// <summary>How messages name the input.</summary>
    public string InputName { get; init; } = "<stdin>";
}

/// <summary>
/// What a stream recorded: the lines read and recorded (blank, comment and skipped bad lines too), the points and
/// metrics recorded, the transactions, the bad lines skipped, and whether a signal ended it before the end of the input.
/// </summary>
public sealed record MetricsPipeResult(long Lines, long Points, IReadOnlyList<string> Names, int Transactions, long BadLines, bool Interrupted);

/// <summary>
/// <c>trainplat metrics log JOB --stdin</c>: records the lines of <see cref="MetricLines"/> from a pipe until its end, one
/// store transaction per batch. A reader thread reads and parses while the caller's thread writes, so a trainer writing
/// into the pipe never waits for the store. Each batch opens the store, appends and closes it (the close writes the batch
/// into the store file and flushes it to disk, as one <c>metrics log</c> call does), so between batches the store is free
/// for other processes, which see the points recorded so far; a crash loses at most the lines of the last
/// <see cref="MetricsPipeOptions.Interval"/>. A bad line (unless skipped) records the lines before it and ends the stream
/// with an error that says which lines were recorded; cancelling records every complete line read so far.
/// </summary>
public static class MetricsPipe
{
    private const int ReadSize = 64 * 1024;
    private const int QueueLines = 100_000;

    /// <param name="input">The pipe (read to its end, or until <paramref name="cancel"/>).</param>
    /// <param name="jobId">A job that exists (resolved by the caller).</param>
    /// <param name="open">Opens the store for writing, once per batch.</param>
    /// <param name="clock">Each point's time: when its line was read.</param>
    /// <param name="options">Batching and bad lines.</param>
    /// <param name="badLine">Each skipped bad line, as it is found (with <see cref="MetricsPipeOptions.SkipBad"/>).</param>
    /// <param name="cancel">SIGINT/SIGTERM: record what was read, then return with <see cref="MetricsPipeResult.Interrupted"/>.</param>
    /// <exception cref="UserErrorException">A bad line without SkipBad, a store that refuses a batch, or an unreadable input; the message says which lines were recorded.</exception>
    public static MetricsPipeResult Record(
        Stream input, string jobId, Func<ILineageStore> open, TimeProvider clock, MetricsPipeOptions options,
        Action<MetricLineProblem>? badLine, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(options);
        // Not disposed: after a signal or a bad line the reader may still be blocked in a read of the pipe, and hands on to the queue when it returns.
        var queue = new BlockingCollection<Line>(QueueLines);
        var reader = new Reader(input, clock, queue);
        var thread = new Thread(reader.Run) { IsBackground = true, Name = "metrics stdin" };
        thread.Start();

        var pending = new List<MetricPoint>(options.BatchLines * 4);
        var pendingLines = 0;
        long pendingThrough = 0, recordedThrough = 0, points = 0, bad = 0;
        var transactions = 0;
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var oldest = 0L;
        var interrupted = false;

        void Commit()
        {
            if (pending.Count == 0)
            {
                recordedThrough = pendingThrough;
                return;
            }

            try
            {
                using var store = open();
                store.AppendMetrics(jobId, pending, source: null, JobRules.Truncate(clock.GetUtcNow()));
            }
            catch (UserErrorException ex)
            {
                throw new UserErrorException($"{ex.Message}; {Recorded(recordedThrough)}", ex.Hint, ex);
            }

            transactions++;
            points += pending.Count;
            foreach (var p in pending)
            {
                names.Add(p.Name);
            }

            pending.Clear();
            pendingLines = 0;
            recordedThrough = pendingThrough;
        }

        while (true)
        {
            Line item;
            try
            {
                var wait = pendingLines == 0 ? Timeout.Infinite : (int)Math.Ceiling(Math.Max(0, (options.Interval - Stopwatch.GetElapsedTime(oldest)).TotalMilliseconds));
                if (!queue.TryTake(out item!, wait, cancel))
                {
                    if (queue.IsCompleted)
                    {
                        break;
                    }

                    Commit(); // a second since the oldest line waiting
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                // Every complete line read so far (up to a bad one, unless skipped), then stop.
                while (queue.TryTake(out var rest) && (rest.Problem is null || options.SkipBad))
                {
                    if (rest.Problem is { } skipped)
                    {
                        bad++;
                        badLine?.Invoke(skipped);
                    }

                    Add(rest);
                }

                interrupted = true;
                break;
            }

            if (item.Problem is { } problem)
            {
                if (options.SkipBad)
                {
                    bad++;
                    badLine?.Invoke(problem);
                    Add(item);
                    continue;
                }

                Commit();
                throw new UserErrorException(
                    string.Create(CultureInfo.InvariantCulture, $"{options.InputName}:{problem.Line}:{problem.Column}: {problem.Message}; {Recorded(recordedThrough)}, nothing after"),
                    "fix what writes the line and send the rest again; --skip-bad records the good lines and reports the bad ones");
            }

            Add(item);
            if (pendingLines >= options.BatchLines)
            {
                Commit();
            }
        }

        Commit();
        if (reader.Failure is { } failure && !interrupted)
        {
            throw new UserErrorException($"{options.InputName}: could not read ({failure.Message.TrimEnd('.')}); {Recorded(recordedThrough)}", null, failure);
        }

        return new MetricsPipeResult(recordedThrough, points, [.. names], transactions, bad, interrupted);

        void Add(Line line)
        {
            if (line.Points.Length > 0)
            {
                if (pendingLines == 0)
                {
                    oldest = Stopwatch.GetTimestamp();
                }

                pending.AddRange(line.Points);
                pendingLines++;
            }

            pendingThrough = line.Number;
        }
    }

    private static string Recorded(long through) => through switch
    {
        0 => "nothing was recorded",
        1 => "line 1 was recorded",
        _ => string.Create(CultureInfo.InvariantCulture, $"lines 1–{through} were recorded"),
    };

    /// <summary>A parsed line: its number and points (none for a blank line or a comment), or its problem.</summary>
    private sealed record Line(long Number, MetricPoint[] Points, MetricLineProblem? Problem);

    /// <summary>Reads the pipe on its own thread: splits lines, parses them, hands them over; a partial last line counts at the end of the input.</summary>
    private sealed class Reader(Stream input, TimeProvider clock, BlockingCollection<Line> queue)
    {
        private long _lines;

        private readonly MetricLines _parser = new();
        private readonly List<MetricPoint> _points = [];

        public Exception? Failure { get; private set; }

        public void Run()
        {
            try
            {
                var buffer = new byte[ReadSize];
                var start = 0;
                var end = 0;
                while (true)
                {
                    if (end == buffer.Length)
                    {
                        if (start > 0)
                        {
                            buffer.AsSpan(start, end - start).CopyTo(buffer);
                            end -= start;
                            start = 0;
                        }
                        else
                        {
                            Array.Resize(ref buffer, buffer.Length * 2); // a line longer than the buffer
                        }
                    }

                    var read = input.Read(buffer, end, buffer.Length - end);
                    if (read == 0)
                    {
                        if (end > start)
                        {
                            Hand(buffer.AsSpan(start, end - start));
                        }

                        break;
                    }

                    var searched = end;
                    end += read;
                    var now = JobRules.Truncate(clock.GetUtcNow());
                    while (true)
                    {
                        var at = buffer.AsSpan(searched, end - searched).IndexOf((byte)'\n');
                        if (at < 0)
                        {
                            break;
                        }

                        Hand(buffer.AsSpan(start, searched + at - start), now);
                        start = searched + at + 1;
                        searched = start;
                    }

                    if (start == end)
                    {
                        start = end = 0;
                    }
                }
            }
#pragma warning disable CA1031 // Reported by the writing thread, after it recorded what was read.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Failure = ex;
            }
            finally
            {
                queue.CompleteAdding();
            }
        }

        private void Hand(ReadOnlySpan<byte> line) => Hand(line, JobRules.Truncate(clock.GetUtcNow()));

        private void Hand(ReadOnlySpan<byte> line, DateTimeOffset now)
        {
            _lines++;
            _points.Clear();
            var problem = _parser.Parse(line, _lines, now, _points);
            queue.Add(new Line(_lines, problem is null ? [.. _points] : [], problem));
        }
    }
}
