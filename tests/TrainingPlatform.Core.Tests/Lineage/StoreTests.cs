using System.Diagnostics;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>The LiteDB store's lock (one writer or reader at a time, across processes); its records and queries are <see cref="StoreContractTests"/>.</summary>
public sealed class StoreTests
{
    private static readonly RecipeVersionRecord SftV1 = Recipe("sft-basic", "1.0.0", "sft", T0);

    private static NewJob Sft() => NewJob("a1b2c3000001", SftV1, T0.AddMinutes(5), [("train", FileDataset("data/train.jsonl", "{\"prompt\":\"hi\",\"response\":\"hello\"}\n", 1, T0))]);

    [Fact]
    public async Task A_second_open_waits_for_the_first_to_close_and_then_sees_its_writes()
    {
        using var dir = new StoreDir();
        var sft = Sft();
        var first = TestStores.Open(dir.Store);
        first.CreateJob(sft);
        first.AppendMetrics(sft.Job.Id, [new(1, "loss", 1, T0)], null, T0);
        var clock = Stopwatch.StartNew();
        var second = Task.Run(() =>
        {
            using var store = TestStores.Open(dir.Store, "0.2.0", TimeSpan.FromSeconds(30));
            var opened = clock.Elapsed;
            store.AppendMetrics(sft.Job.Id, [new(2, "loss", 2, T0)], null, T0);
            return opened;
        });

        await Task.Delay(800);
        Assert.False(second.IsCompleted, "the second open did not wait for the first");
        first.Dispose();
        Assert.Same(second, await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.InRange(await second, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(20));
        using var third = TestStores.Open(dir.Store, "0.2.0", TimeSpan.Zero);
        Assert.Equal(2, third.CountPoints(sft.Job.Id));
    }

    [Fact]
    public void A_store_held_longer_than_the_timeout_is_reported_busy()
    {
        using var dir = new StoreDir();
        using (TestStores.Open(dir.Store))
        {
            var clock = Stopwatch.StartNew();
            var ex = Assert.Throws<UserErrorException>(() => TestStores.Open(dir.Store, "0.2.0", TimeSpan.FromMilliseconds(300)));
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
            Assert.Contains("busy", ex.Message, StringComparison.Ordinal);
            Assert.Contains(dir.Store, ex.Message, StringComparison.Ordinal);
            Assert.Contains("TRAINPLAT_STORE_TIMEOUT", ex.Hint, StringComparison.Ordinal);
        }

        using var free = TestStores.Open(dir.Store, "0.2.0", TimeSpan.Zero);
        Assert.Equal(LineageStore.SchemaVersion, free.Info.SchemaVersion);
    }
}
