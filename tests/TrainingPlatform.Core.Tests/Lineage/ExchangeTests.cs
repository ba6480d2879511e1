using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;
using static TrainingPlatform.Core.Tests.Lineage.LineageSamples;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary><c>job export</c> / <c>job import</c>: JSON Lines that move lineage between stores, keeping ids.</summary>
public sealed class ExchangeTests
{
    private static readonly RecipeVersionRecord SftBase = Recipe("sft-basic", "1.0.0", "sft", T0);
    private static readonly RecipeVersionRecord Dpo = Recipe("dpo-pref", "1.2.0", "dpo", T0.AddMinutes(1), extends: "sft-basic");
    private static readonly DatasetVersion Train = FileDataset("data/train.jsonl", "{\"prompt\":\"hi\",\"response\":\"hello\"}\n", 1, T0);
    private static readonly DatasetVersion Shards = FolderDataset("shards", T0.AddSeconds(1), ("a.jsonl", "{\"prompt\":\"x\"}\n", 1), ("sub/b.jsonl", "{\"prompt\":\"y\"}\n{\"prompt\":\"z\"}\n", 2));
    private static readonly DatasetVersion Unused = FileDataset("data/held-out.jsonl", "{\"prompt\":\"q\"}\n", 1, T0.AddSeconds(2));

    /// <summary>
    /// A parent job (succeeded, with loss incl. NaN and infinity, an imported file and a second metric), its clone (child,
    /// running, on the folder and the extends chain), a job without metrics, and a dataset version no job uses.
    /// </summary>
    private static void Fill(ILineageStore store)
    {
        var parent = NewJob("aaaa00000001", SftBase, T0.AddMinutes(2), [("train", Train)]);
        store.CreateJob(parent);
        store.UpdateJob(JobRules.Update(store.GetJob(parent.Job.Id)!, JobStatus.Running, null, T0.AddMinutes(3)));
        store.AppendMetrics(parent.Job.Id, Points("loss", 0, 500, s => s == 7 ? double.NaN : 3.0 / (s + 1), T0.AddMinutes(3)), null, T0.AddMinutes(4));
        store.AppendMetrics(parent.Job.Id, [.. Points("loss", 500, 10, s => 0.001, T0.AddMinutes(5)), new(510, "loss", double.NegativeInfinity, T0.AddMinutes(6)),
            .. Points("reward", 0, 20, s => s * 0.25, T0.AddMinutes(5))], "sha256:0f0f", T0.AddMinutes(6));
        store.UpdateJob(JobRules.Update(store.GetJob(parent.Job.Id)!, JobStatus.Succeeded, "best so far", T0.AddMinutes(7)));

        var child = NewJob("bbbb00000002", Dpo, T0.AddMinutes(8), [("eval", Shards), ("train", Train)], chain: [SftBase], parentId: parent.Job.Id, lr: "5e-06");
        store.CreateJob(child);
        store.UpdateJob(JobRules.Update(store.GetJob(child.Job.Id)!, JobStatus.Running, null, T0.AddMinutes(9)));
        store.AppendMetrics(child.Job.Id, Points("loss", 0, 9000, s => 1.0 / (s + 2), T0.AddMinutes(9)), null, T0.AddMinutes(10)); // two batches

        store.CreateJob(NewJob("cccc00000003", SftBase, T0.AddMinutes(11), modelSize: "1B", parameters: 1.24e9, lr: "1e-04"));
        store.Add(Unused);
    }

    private static string Write(StoreDir dir, string name, ILineageStore store)
    {
        var path = dir.File(name);
        File.WriteAllBytes(path, ExportBytes(store));
        return path;
    }

    /// <summary>Jobs (with summaries), points, recipe versions, configs and dataset versions with manifests, as text.</summary>
    private static string Contents(ILineageStore store)
    {
        var jobs = store.FindJobs(new JobQuery());
        return string.Join("\n", jobs.Select(j => Describe(j) + "\n" + string.Join(";", store.ReadMetrics(j.Id, null).Select(p => $"{p.Name}@{p.Step}={p.Value:R}@{p.Time.ToUnixTimeMilliseconds()}"))))
            + "\n" + string.Join("\n", jobs.SelectMany(j => j.Chain).Distinct().Select(h => store.GetRecipeVersion(h)!.ToString()))
            + "\n" + string.Join("\n", jobs.Select(j => store.GetConfig(j.ConfigHash)))
            + "\n" + string.Join("\n", store.List(null).Select(v => $"{v.Name}|{v.Path}|{v.IsFolder}|{v.Format}|{v.Size}|{v.Algorithm}|{v.Hash}|{v.Samples}|{string.Join(",", v.Fields)}|{v.Created:O}|"
                + string.Join(";", v.Files.Select(f => $"{f.Path},{f.Size},{f.Hash},{f.Format},{f.Samples},{string.Join("/", f.Fields)}"))));
    }

    [Fact]
    public void Export_then_import_into_an_empty_store_reproduces_everything_and_exports_the_same_bytes()
    {
        using var dir = new StoreDir();
        using var source = TestStores.Open(dir.File("source.db"));
        Fill(source);
        var first = Write(dir, "all.jsonl", source);

        using var target = TestStores.Open(dir.File("target.db"));
        var counts = target.Import(LineageExchange.Read(first));
        Assert.Equal(new ImportCounts(3, 0, 0, 2, 3, 3, 510 + 1 + 20 + 9000), counts);
        Assert.Equal(File.ReadAllBytes(first), ExportBytes(target));
        Assert.Equal(Contents(source), Contents(target));
        Assert.Equal(source.CountPoints(null), target.CountPoints(null));

        // The values a user would look at, spelled out.
        var lines = File.ReadAllLines(first);
        Assert.StartsWith("{\"type\":\"header\",\"format\":\"trainplat-lineage\",\"version\":1,", lines[0], StringComparison.Ordinal);
        Assert.Equal(["header", "recipe_version", "recipe_version", "config", "config", "config", "dataset_version", "dataset_version", "dataset_version", "job", "job", "job"],
            lines.Take(12).Select(l => l[9..l.IndexOf('"', 9)]));
        Assert.Contains(lines, l => l.Contains("[7,\"NaN\",", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("[510,\"-Infinity\",", StringComparison.Ordinal));
        Assert.True(double.IsNaN(target.ReadMetrics("aaaa00000001", "loss")[7].Value));
        Assert.Equal(double.NegativeInfinity, target.ReadMetrics("aaaa00000001", "loss")[^1].Value);
        var child = target.GetJob("bbbb00000002")!;
        Assert.Equal(("aaaa00000001", JobStatus.Running), (child.ParentId, child.Status));
        Assert.Equal([SftBase.Hash, Dpo.Hash], child.Chain);
        Assert.Equal(["a.jsonl", "sub/b.jsonl"], target.List("shards").Single().Files.Select(f => f.Path));
        Assert.Single(target.List("data/held-out.jsonl"));

        // The imported source hash is known: the same metrics file is not imported twice.
        Assert.True(target.AppendMetrics("aaaa00000001", [new(1, "loss", 1, T0)], "sha256:0f0f", T0.AddHours(1)).AlreadyImported);
    }

    [Fact]
    public void Importing_the_same_export_twice_adds_nothing()
    {
        using var dir = new StoreDir();
        using var source = TestStores.Open(dir.File("source.db"));
        Fill(source);
        var file = Write(dir, "all.jsonl", source);
        using var target = TestStores.Open(dir.File("target.db"));
        target.Import(LineageExchange.Read(file));
        var once = ExportBytes(target);
        var contents = Contents(target);

        Assert.Equal(new ImportCounts(0, 0, 3, 0, 0, 0, 0), target.Import(LineageExchange.Read(file)));
        Assert.Equal(once, ExportBytes(target));
        Assert.Equal(contents, Contents(target));

        // Also into the store it came from.
        Assert.Equal(new ImportCounts(0, 0, 3, 0, 0, 0, 0), source.Import(LineageExchange.Read(file)));
        Assert.Equal(File.ReadAllBytes(file), ExportBytes(source));
    }

    [Fact]
    public void A_job_changed_later_on_the_source_wins_and_an_older_copy_does_not()
    {
        using var dir = new StoreDir();
        using var source = TestStores.Open(dir.File("source.db"));
        Fill(source);
        var old = Write(dir, "old.jsonl", source);
        using var target = TestStores.Open(dir.File("target.db"));
        target.Import(LineageExchange.Read(old));

        // Later, on the source: the child finishes and logs more points.
        source.AppendMetrics("bbbb00000002", Points("loss", 9000, 100, s => 0.0001, T0.AddHours(1)), null, T0.AddHours(1));
        source.UpdateJob(JobRules.Update(source.GetJob("bbbb00000002")!, JobStatus.Succeeded, "done", T0.AddHours(2)));
        var newer = Write(dir, "new.jsonl", source);

        Assert.Equal(new ImportCounts(0, 1, 2, 0, 0, 0, 100), target.Import(LineageExchange.Read(newer)));
        var child = target.GetJob("bbbb00000002")!;
        Assert.Equal((JobStatus.Succeeded, T0.AddHours(2), "done"), (child.Status, child.Finished, child.Events[^1].Note));
        Assert.Equal(9100, child.Metrics.Single().Count);
        Assert.Equal(File.ReadAllBytes(newer), ExportBytes(target));
        Assert.Equal(Contents(source), Contents(target));

        // The old export again: nothing goes back.
        Assert.Equal(new ImportCounts(0, 0, 3, 0, 0, 0, 0), target.Import(LineageExchange.Read(old)));
        Assert.Equal(JobStatus.Succeeded, target.GetJob("bbbb00000002")!.Status);
        Assert.Equal(File.ReadAllBytes(newer), ExportBytes(target));
    }

    [Fact]
    public void One_job_exports_with_its_recipe_versions_config_datasets_and_points_only()
    {
        using var dir = new StoreDir();
        using var source = TestStores.Open(dir.File("source.db"));
        Fill(source);
        var bundle = source.Export(["bbbb00000002"]);
        Assert.Equal(["bbbb00000002"], bundle.Jobs.Select(j => j.Id));
        Assert.Equal([SftBase.Hash, Dpo.Hash], bundle.Recipes.Select(r => r.Hash));
        Assert.Equal([source.GetJob("bbbb00000002")!.ConfigHash], bundle.Configs.Select(c => c.Hash));
        Assert.Equal(["data/train.jsonl", "shards"], bundle.Datasets.Select(d => d.Name));
        Assert.Equal(9000, bundle.Metrics.Sum(m => m.Points.Count));
        Assert.Throws<UserErrorException>(() => source.Export(["ffff00000009"]));

        using var target = TestStores.Open(dir.File("target.db"));
        Assert.Equal(new ImportCounts(1, 0, 0, 2, 1, 2, 9000), target.Import(bundle));
        Assert.Equal(Describe(source.GetJob("bbbb00000002")!), Describe(target.GetJob("bbbb00000002")!));
    }

    [Fact]
    public void Summaries_survive_export_and_import_when_a_step_was_logged_again_with_an_earlier_time()
    {
        // A live `metrics log` of step 5, then `metrics import` of the trainer's file, which has step 5 too, timed earlier.
        using var dir = new StoreDir();
        using var source = TestStores.Open(dir.File("source.db"));
        source.CreateJob(NewJob("aaaa00000001", SftBase, T0));
        source.AppendMetrics("aaaa00000001", [new(5, "loss", 1.0, T0.AddSeconds(10))], null, T0.AddSeconds(10));
        source.AppendMetrics("aaaa00000001", [new(4, "loss", 3.0, T0), new(5, "loss", 2.0, T0.AddSeconds(1))], "sha256:trainer", T0.AddSeconds(20));
        using var target = TestStores.Open(dir.File("target.db"));
        target.Import(source.Export(null));

        Assert.Equal(source.GetJob("aaaa00000001")!.Metrics, target.GetJob("aaaa00000001")!.Metrics);
    }

    [Fact]
    public void A_malformed_line_is_reported_with_file_and_line_and_nothing_is_imported()
    {
        using var dir = new StoreDir();
        using var source = TestStores.Open(dir.File("source.db"));
        Fill(source);
        var lines = File.ReadAllLines(Write(dir, "all.jsonl", source));
        using var target = TestStores.Open(dir.File("target.db"));
        target.CreateJob(NewJob("dddd00000004", SftBase, T0));
        var before = ExportBytes(target);

        // A cut-off job line (line 11), and a job line without its status (line 12).
        var broken = dir.File("broken.jsonl");
        File.WriteAllLines(broken, [.. lines[..10], lines[10][..40], .. lines[11..]]);
        var ex = Assert.Throws<UserErrorException>(() => LineageExchange.Read(broken));
        Assert.StartsWith(broken + ":11: ", ex.Message, StringComparison.Ordinal);
        File.WriteAllLines(broken, [.. lines[..11], lines[11].Replace("\"status\":\"pending\",", "", StringComparison.Ordinal), .. lines[12..]]);
        Assert.StartsWith(broken + ":12: ", Assert.Throws<UserErrorException>(() => LineageExchange.Read(broken)).Message, StringComparison.Ordinal);
        File.WriteAllLines(broken, [.. lines[1..]]);
        Assert.StartsWith(broken + ":1: ", Assert.Throws<UserErrorException>(() => LineageExchange.Read(broken)).Message, StringComparison.Ordinal);
        File.WriteAllBytes(broken, [.. Encoding.UTF8.GetBytes(lines[0] + "\n" + lines[1] + "\n"), 0xff, 0xfe, (byte)'\n', .. Encoding.UTF8.GetBytes(lines[2] + "\n")]);
        Assert.StartsWith(broken + ":3: ", Assert.Throws<UserErrorException>(() => LineageExchange.Read(broken)).Message, StringComparison.Ordinal);

        // Well-formed lines whose import fails late (metrics of a job the export lacks): one transaction, nothing stays.
        File.WriteAllLines(broken, [.. lines, lines[^1].Replace("\"job\":\"bbbb00000002\"", "\"job\":\"eeee00000005\"", StringComparison.Ordinal)
            .Replace("\"id\":\"bbbb00000002:", "\"id\":\"eeee00000005:", StringComparison.Ordinal)]);
        var late = Assert.Throws<UserErrorException>(() => target.Import(LineageExchange.Read(broken)));
        Assert.Contains("eeee00000005", late.Message, StringComparison.Ordinal);
        Assert.Equal(before, ExportBytes(target));
        Assert.Empty(target.List(null));
        Assert.Equal(0, target.CountPoints(null));
    }
}
