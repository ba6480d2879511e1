using System.Diagnostics;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Tool.Output;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>The progress line on a terminal's stderr: `data push` shows its snapshot, then its copy, each with its own rate.</summary>
public sealed class ProgressLineTests
{
    // The formatter itself, no process: nothing the native build would run differently.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void A_line_of_several_steps_follows_the_step_under_way_and_is_erased_at_the_end()
    {
        var snapshot = new SnapshotProgress();
        var copy = new SnapshotProgress();
        snapshot.AddPlanned(1, 4 << 20);
        snapshot.AddBytes(2 << 20);
        copy.AddPlanned(2, 8 << 20);
        copy.AddBytes(6 << 20);
        var copying = false;
        var error = new SynchronizedWriter();

        using (new SnapshotProgressWriter(error, () => copying ? ("push", copy) : ("snapshot", snapshot), enabled: true))
        {
            WaitFor(error, "snapshot: 2 of 4 MiB (50%)");
            Volatile.Write(ref copying, true);
            WaitFor(error, "push: 6 of 8 MiB (75%)");
        }

        Assert.Contains(", 0 of 1 files", error.Text, StringComparison.Ordinal);
        Assert.Contains(", 0 of 2 files", error.Text, StringComparison.Ordinal);
        Assert.EndsWith("\r\u001b[K", error.Text, StringComparison.Ordinal);
    }

    private static void WaitFor(SynchronizedWriter error, string text)
    {
        var clock = Stopwatch.StartNew();
        while (!error.Text.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"no '{text}' in the progress output: {error.Text}");
            Thread.Sleep(20);
        }
    }

    private sealed class SynchronizedWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return ToString();
                }
            }
        }

        public override void Write(string? value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }
    }
}
