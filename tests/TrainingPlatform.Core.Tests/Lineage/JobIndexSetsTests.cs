using LiteDB;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// Issue 17 E21: <c>recommend</c> ranks a recipe by the jobs that ran it without overrides, so the job index carries
/// each job's <c>--set</c> overrides; rows written before it did take them from the job document.
/// </summary>
public sealed class JobIndexSetsTests
{
    private static LiteDatabase Raw(string path) =>
        new(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }) { UtcDate = true };

    [Fact]
    public void The_job_index_carries_the_overrides_and_an_older_row_without_them_reads_them_from_the_job()
    {
        using var dir = new StoreDir();
        var recipe = Recipe("grpo_math", "1.0.0", "rlhf", T0);
        using (var store = TestStores.Open(dir.Store))
        {
            store.CreateJob(NewJob("aaaaaaaaaaaa", recipe, T0, lr: "3e-06"));
            store.CreateJob(NewJob("bbbbbbbbbbbb", recipe, T0.AddHours(1), lr: "1e-05"));
        }

        using (var raw = Raw(dir.Store))
        {
            var facts = raw.GetCollection("job_facts");
            Assert.Equal(["training.lr=3e-06"], facts.FindById("aaaaaaaaaaaa")["sets"].AsArray.Select(s => s.AsString));

            // As a store written before issue 17 has it: no overrides in the index row.
            var old = facts.FindById("bbbbbbbbbbbb");
            old.Remove("sets");
            facts.Update(old);
        }

        using var reader = TestStores.OpenForReading(dir.Store);
        var listed = reader.ListJobs(new JobQuery(Task: "rlhf")).ToDictionary(j => j.Id, j => j.Sets);
        Assert.Equal(["training.lr=3e-06"], listed["aaaaaaaaaaaa"]);
        Assert.Equal(["training.lr=1e-05"], listed["bbbbbbbbbbbb"]);
    }
}
