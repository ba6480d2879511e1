using System.Collections.Concurrent;
using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// <c>metrics log --stdin</c> in Core: a transaction per N lines or per interval, points readable between batches while
/// the pipe is still open, a bad line recording the lines before it, a cancel recording what was read.
/// </summary>
public sealed class MetricsPipeTests
{
    private const string Job = "0123456789ab";

    private static StoreDir NewStore() => TestStores.WithJob(Job);

    private static MetricsPipeResult Record(StoreDir dir, Stream input, MetricsPipeOptions options, List<MetricLineProblem>? bad = null, CancellationToken cancel = default) =>
        MetricsPipe.Record(input, Job, () => TestStores.Open(dir.Store), TimeProvider.System, options, p => bad?.Add(p), cancel);

    private static MemoryStream Lines(string text) => new(Encoding.UTF8.GetBytes(text));

    private static long Points(StoreDir dir)
    {
        using var store = TestStores.OpenForReading(dir.Store);
        return store.CountPoints(Job);
    }

    [Fact]
    public void Every_line_to_the_end_is_recorded_in_batches_of_n_lines_with_summaries_and_a_last_line_without_newline()
    {
        using var dir = NewStore();
        var text = new StringBuilder("# step loss reward\n\n");
        for (var step = 0; step < 2500; step++)
        {
            text.Append(step).Append(" loss=").Append(1.0 / (step + 1)).Append(" reward=").Append(step).Append('\n');
        }

        text.Append("2500 loss=0.0001 reward=2500"); // no newline at the end
        var result = Record(dir, Lines(text.ToString()), new MetricsPipeOptions { BatchLines = 1000 });

        Assert.Equal((2503L, 5002L, 3, 0L, false), (result.Lines, result.Points, result.Transactions, result.BadLines, result.Interrupted));
        Assert.Equal(["loss", "reward"], result.Names);
        using var store = TestStores.OpenForReading(dir.Store);
        var job = store.GetJob(Job)!;
        Assert.Equal([2501L, 2501], job.Metrics.Select(m => m.Count));
        Assert.Equal((2500L, 0.0001), (job.Metrics[0].LastStep, job.Metrics[0].Last));
    }

    [Fact]
    public async Task A_quiet_pipe_commits_what_it_has_after_the_interval_and_other_readers_see_it_before_the_end()
    {
        using var dir = NewStore();
        using var pipe = new TestPipe();
        var running = Task.Run(() => Record(dir, pipe, new MetricsPipeOptions { BatchLines = 1000, Interval = TimeSpan.FromMilliseconds(200) }));

        pipe.Send("1 loss=1 reward=2\n2 loss=3 reward=4\n");
        Assert.True(SpinWait.SpinUntil(() => Points(dir) == 4, TimeSpan.FromSeconds(20)), "the two lines were not recorded while the pipe stayed open");
        Assert.False(running.IsCompleted);

        pipe.Send("3 loss=5\n");
        pipe.End();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal((3L, 5L, 2, false), (result.Lines, result.Points, result.Transactions, result.Interrupted));
        Assert.Equal(5, Points(dir));
    }

    [Fact]
    public void A_bad_line_records_every_line_before_it_nothing_after_and_says_so()
    {
        using var dir = NewStore();
        var ex = Assert.Throws<UserErrorException>(() =>
            Record(dir, Lines("1 loss=1\n2 loss=2\n3 loss=3\n4 loss=oops\n5 loss=5\n"), new MetricsPipeOptions { BatchLines = 2 }));
        Assert.Equal("<stdin>:4:8: 'loss=oops': 'oops' is not a number (NaN and inf are accepted); lines 1–3 were recorded, nothing after", ex.Message);
        Assert.Contains("--skip-bad", ex.Hint, StringComparison.Ordinal);
        Assert.Equal(3, Points(dir));

        using var empty = NewStore();
        var first = Assert.Throws<UserErrorException>(() => Record(empty, Lines("loss=1\n"), new MetricsPipeOptions()));
        Assert.EndsWith("; nothing was recorded, nothing after", first.Message, StringComparison.Ordinal);
        Assert.Equal(0, Points(empty));
    }

    [Fact]
    public void Skip_bad_reports_each_bad_line_as_it_comes_and_records_the_good_ones()
    {
        using var dir = NewStore();
        var bad = new List<MetricLineProblem>();
        var result = Record(dir, Lines("1 loss=1\nx\n3 loss=3 loss=4\n4 loss=4\n"), new MetricsPipeOptions { SkipBad = true }, bad);
        Assert.Equal([(2L, 1), (3L, 10)], bad.Select(p => (p.Line, p.Column)));
        Assert.Equal((4L, 2L, 2L), (result.Lines, result.Points, result.BadLines));
        Assert.Equal(2, Points(dir));
    }

    [Fact]
    public async Task A_cancel_records_every_complete_line_read_so_far_and_not_a_partial_one()
    {
        using var dir = NewStore();
        using var pipe = new TestPipe();
        using var cancel = new CancellationTokenSource();
        var running = Task.Run(() => Record(dir, pipe, new MetricsPipeOptions { Interval = TimeSpan.FromHours(1) }, cancel: cancel.Token));

        pipe.Send("1 loss=1\n2 loss=2\n3 los");
        Assert.True(SpinWait.SpinUntil(() => pipe.Consumed, TimeSpan.FromSeconds(20))); // the reader took the bytes and waits for more
        Assert.Equal(0, Points(dir)); // an hour's interval: nothing committed yet
        cancel.Cancel();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(result.Interrupted);
        Assert.Equal((2L, 2L, 1), (result.Lines, result.Points, result.Transactions));
        Assert.Equal(2, Points(dir));
        pipe.End();
    }

    [Fact]
    public void The_same_step_twice_keeps_both_points_and_the_later_value_is_the_last()
    {
        using var dir = NewStore();
        Record(dir, Lines("5 loss=1\n5 loss=2\n"), new MetricsPipeOptions { BatchLines = 1 });
        Record(dir, Lines("5 loss=3\n"), new MetricsPipeOptions());
        using var store = TestStores.OpenForReading(dir.Store);
        Assert.Equal([1.0, 2, 3], store.ReadMetrics(Job, "loss").Select(p => p.Value));
        var loss = store.GetJob(Job)!.Metrics.Single();
        Assert.Equal((3L, 5L, 3.0), (loss.Count, loss.LastStep, loss.Last));
    }

    /// <summary>A pipe in memory: a read waits for what <see cref="Send"/> writes, and returns 0 after <see cref="End"/>.</summary>
    private sealed class TestPipe : Stream
    {
        private readonly BlockingCollection<byte[]> _chunks = [];
        private byte[] _current = [];
        private int _at;
        private int _sent;
        private int _taken;
        private volatile bool _waiting;

        /// <summary>The reader has taken every chunk sent and is waiting for the next (so it has handed on every complete line).</summary>
        public bool Consumed => _waiting && Volatile.Read(ref _taken) == Volatile.Read(ref _sent);

        public void Send(string text)
        {
            Interlocked.Increment(ref _sent);
            _chunks.Add(Encoding.UTF8.GetBytes(text));
        }

        public void End() => _chunks.CompleteAdding();

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_at == _current.Length)
            {
                _waiting = true;
                var took = _chunks.TryTake(out var next, Timeout.Infinite);
                _waiting = false;
                if (!took)
                {
                    return 0;
                }

                Interlocked.Increment(ref _taken);
                (_current, _at) = (next!, 0);
            }

            var n = Math.Min(count, _current.Length - _at);
            Array.Copy(_current, _at, buffer, offset, n);
            _at += n;
            return n;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _chunks.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
