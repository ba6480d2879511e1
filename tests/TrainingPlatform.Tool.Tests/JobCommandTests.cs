using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>The lineage commands: job, metrics, lineage; golden output with a pinned clock and seeded ids.</summary>
public sealed class JobCommandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static string SmallMetrics => Path.Combine(Repo.Root, "tests", "TrainingPlatform.Tool.Tests", "Data", "metrics-small.jsonl");

    /// <summary>User and host differ between machines: golden files name them by role.</summary>
    private static string Normalize(string text) =>
        text.Replace($" by {Environment.UserName} on {Environment.MachineName} ", " by <user> on <host> ", StringComparison.Ordinal)
            .Replace($"\"user\": \"{Environment.UserName}\"", "\"user\": \"<user>\"", StringComparison.Ordinal)
            .Replace($"\"host\": \"{Environment.MachineName}\"", "\"host\": \"<host>\"", StringComparison.Ordinal);

    private static string Create(string folder, DateTimeOffset at, int seed, params string[] extra)
    {
        var result = CliRun.Pinned(folder, at, seed, ["job", "create", "-r", "grpo_math_small", "-s", "7B", .. extra]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        return result.Out.Trim();
    }

    // Every command on the pinned clock and seeded ids (golden times and ids): in-process only.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void A_job_from_creation_to_success_with_metrics_and_lineage_golden()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        File.Copy(SmallMetrics, Path.Combine(temp.Path, "metrics-small.jsonl"));
        var create = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl",
            "-d", "eval=data/prefs.csv", "--name", "math-7b-baseline", "--tag", "baseline");
        Assert.Equal(ExitCodes.Ok, create.ExitCode);
        var id = create.Out.Trim();
        Assert.Matches("^[0-9a-f]{12}$", id);

        var steps = new List<string> { "$ job create …", create.Out + create.Error };
        void Run(DateTimeOffset at, params string[] args)
        {
            var r = CliRun.Pinned(temp.Path, at, 2, args);
            Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
            steps.Add("$ " + string.Join(' ', args).Replace(id, "ID", StringComparison.Ordinal));
            steps.Add(r.Out + r.Error);
        }

        Run(T0.AddMinutes(5), "job", "update", id[..6], "--status", "running");
        Run(T0.AddMinutes(6), "metrics", "import", id, "metrics-small.jsonl");
        Run(T0.AddMinutes(7), "metrics", "log", id, "--step", "100", "loss=0.21", "reward=0.71");
        Run(T0.AddHours(3).AddMinutes(12), "job", "update", id, "--status", "succeeded", "--note", "reward plateaued");
        Run(T0.AddHours(4), "metrics", "show", id);
        Run(T0.AddHours(4), "job", "show", id);
        Run(T0.AddHours(4), "lineage", id);
        Run(T0.AddHours(4), "job", "list");
        Approvals.Verify(Normalize(string.Join("\n", steps)), "job_lifecycle");
    }

    [Fact]
    public void Impossible_transitions_unknown_ids_and_delete_without_yes_are_refused_with_exit_2()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Create(temp.Path, T0, 3);
        var back = CliRun.InProcess(temp.Path, "job", "update", id, "--status", "succeeded");
        Assert.Equal(ExitCodes.UsageError, back.ExitCode);
        Assert.Contains($"job {id} is pending; it cannot become succeeded", back.Error, StringComparison.Ordinal);
        Assert.Contains("from pending it can become running or failed or cancelled", back.Error, StringComparison.Ordinal);

        var unknown = CliRun.InProcess(temp.Path, "job", "show", "abcdef123456");
        Assert.Equal(ExitCodes.UsageError, unknown.ExitCode);
        Assert.Contains("no job abcdef123456", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("not a job id", CliRun.InProcess(temp.Path, "job", "show", "zz-top").Error, StringComparison.Ordinal);

        var delete = CliRun.InProcess(temp.Path, "job", "delete", id);
        Assert.Equal(ExitCodes.UsageError, delete.ExitCode);
        Assert.Contains("deleting needs --yes", delete.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "job", "show", id).ExitCode);
        var deleted = CliRun.InProcess(temp.Path, "job", "delete", id, "--yes");
        Assert.Equal(ExitCodes.Ok, deleted.ExitCode);
        Assert.Equal($"deleted job {id} and 0 metric points\n", deleted.Out);
        Assert.Equal(ExitCodes.UsageError, CliRun.InProcess(temp.Path, "job", "show", id).ExitCode);
        Assert.Equal("No jobs match.\n", CliRun.InProcess(temp.Path, "job", "list").Out);
    }

    [Fact]
    public void Reading_commands_on_a_project_that_recorded_nothing_create_no_store()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        Assert.Equal("No jobs match.\n", CliRun.InProcess(temp.Path, "job", "list").Out);
        Assert.Equal("No dataset versions recorded.\n", CliRun.InProcess(temp.Path, "data", "list").Out);
        Assert.Contains("not enough evidence", CliRun.InProcess(temp.Path, "suggest", "grpo_basic", "-s", "7B").Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, CliRun.InProcess(temp.Path, "lineage", "abcdef123456").ExitCode);
        var typo = CliRun.InProcess(temp.Path, "job", "list", "--store", "elsewhere/lineage.db");
        Assert.Contains("there is no lineage store at elsewhere/lineage.db yet", typo.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, ".trainplat")));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "elsewhere")));
    }

    [Fact]
    public void A_prefix_finds_a_job_only_when_it_is_unique()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var ids = Enumerable.Range(0, 40).Select(i => Create(temp.Path, T0.AddMinutes(i), 100 + i)).ToArray();
        var clash = ids.GroupBy(i => i[0]).First(g => g.Count() > 1).ToArray();
        var ambiguous = CliRun.InProcess(temp.Path, "job", "show", clash[0][..1] + "000");
        Assert.Equal(ExitCodes.UsageError, ambiguous.ExitCode);
        var shortPrefix = CliRun.InProcess(temp.Path, "job", "show", clash[0][..2]);
        Assert.Contains("too short", shortPrefix.Error, StringComparison.Ordinal);
        Assert.Contains("\"id\": \"" + ids[7] + "\"", CliRun.InProcess(temp.Path, "job", "show", ids[7][..8], "--format", "json").Out, StringComparison.Ordinal);
        var list = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "list", "--format", "json", "--limit", "5").Out)!.AsArray();
        Assert.Equal(ids.Reverse().Take(5), list.Select(j => j!["id"]!.GetValue<string>()));
        var table = CliRun.InProcess(temp.Path, "job", "list", "--limit", "3").Out;
        Assert.Contains("the newest 3 jobs; more match", table, StringComparison.Ordinal);
        Assert.Contains(ids[^1], table, StringComparison.Ordinal);
        Assert.DoesNotContain(ids[^4], table, StringComparison.Ordinal);
        Assert.EndsWith("40 jobs\n", CliRun.InProcess(temp.Path, "job", "list", "--limit", "0").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Job_show_json_carries_the_memory_estimate_as_render_printed_it_and_export_import_keeps_it()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var created = CliRun.InProcess(temp.Path, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.Equal(ExitCodes.Ok, created.ExitCode);
        var id = created.Out.Trim();
        var rendered = JsonNode.Parse(CliRun.InProcess(temp.Path, "render", "grpo_math_small", "-s", "7B", "--format", "json").Out)!;
        var job = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", id, "--format", "json").Out)!;
        Assert.True(JsonNode.DeepEquals(rendered["trainplat"]!["memory"], job["memory"]), job["memory"]?.ToJsonString());
        Assert.NotEmpty(job["memory"]!["terms"]!.AsArray());

        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "job", "export", "--all", "-o", "jobs.jsonl").ExitCode);
        using var other = new TempDir();
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(other.Path, "job", "import", Path.Combine(temp.Path, "jobs.jsonl")).ExitCode);
        var imported = JsonNode.Parse(CliRun.InProcess(other.Path, "job", "show", id, "--format", "json").Out)!;
        Assert.True(JsonNode.DeepEquals(job["memory"], imported["memory"]));
    }

    [Fact]
    public void Pre_flight_errors_refuse_the_job_unless_forced_and_the_forced_errors_are_recorded()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        string[] args = ["job", "create", "-r", "grpo_math_small", "-s", "7B", "--set", "batch.micro_batch_size_per_gpu=7"];
        var refused = CliRun.InProcess(temp.Path, args);
        Assert.Equal(ExitCodes.Findings, refused.ExitCode);
        Assert.Contains("pre-flight check", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--force", refused.Error, StringComparison.Ordinal);
        var rendered = CliRun.InProcess(temp.Path, "render", "grpo_math_small", "-s", "7B", "--set", "batch.micro_batch_size_per_gpu=7");
        Assert.Equal(rendered.ExitCode, refused.ExitCode);
        Assert.Equal("No jobs match.\n", CliRun.InProcess(temp.Path, "job", "list").Out);

        var forced = CliRun.InProcess(temp.Path, [.. args, "--force"]);
        Assert.Equal(ExitCodes.Ok, forced.ExitCode);
        var job = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", forced.Out.Trim(), "--format", "json").Out)!;
        Assert.NotEmpty(job["forced"]!.AsArray());
        Assert.Equal("batch.micro_batch_size_per_gpu=7", job["sets"]![0]!.GetValue<string>());
        Assert.Contains("TP0303", job["forced"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_create_or_clone_leaves_the_store_and_the_stat_cache_exactly_as_they_were()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var parent = Create(temp.Path, T0, 1, "-d", "train=data/train.jsonl");
        File.WriteAllText(Path.Combine(temp.Path, "NEW.jsonl"), "{\"prompt\": \"2+2\", \"answer\": \"4\"}\n");
        var before = StoreState(temp.Path);

        var create = CliRun.Pinned(temp.Path, T0.AddMinutes(1), 2, "job", "create", "-r", "grpo_math_small", "-s", "7B",
            "--set", "batch.micro_batch_size_per_gpu=7", "--dataset", "train=NEW.jsonl");
        Assert.Equal(ExitCodes.Findings, create.ExitCode);
        Assert.Contains("pre-flight check", create.Error, StringComparison.Ordinal);
        Assert.Equal(before, StoreState(temp.Path));

        var clone = CliRun.Pinned(temp.Path, T0.AddMinutes(2), 3, "job", "clone", parent,
            "--set", "batch.micro_batch_size_per_gpu=7", "--dataset", "train=NEW.jsonl");
        Assert.Equal(ExitCodes.Findings, clone.ExitCode);
        Assert.Contains("pre-flight check", clone.Error, StringComparison.Ordinal);
        Assert.Equal(before, StoreState(temp.Path));
    }

    /// <summary>Everything a job creation could have written: the export of the whole store and the bytes of every file under .trainplat/.</summary>
    private static string StoreState(string folder)
    {
        var export = CliRun.InProcess(folder, "job", "export", "--all");
        Assert.True(export.ExitCode == ExitCodes.Ok, export.ToString());
        var files = Directory.EnumerateFiles(Path.Combine(folder, ".trainplat"), "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(folder, f) + " " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
        return export.Out + string.Join("\n", files);
    }

    [Fact]
    public void Clone_keeps_the_recorded_recipe_version_even_after_the_file_changed_and_records_the_parent()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var parent = Create(temp.Path, T0, 4, "-d", "train=data/train.jsonl", "--set", "trainer.epochs=2");
        var recipeFile = Path.Combine(temp.Path, "recipes", "grpo_math_small.yaml");
        File.WriteAllText(recipeFile, File.ReadAllText(recipeFile).Replace("version: 0.1.0", "version: 0.2.0", StringComparison.Ordinal) + "\n# changed\n");
        File.AppendAllText(Path.Combine(temp.Path, "data", "train.jsonl"), "{\"prompt\": \"p\", \"response\": \"r\"}\n");

        var same = CliRun.Pinned(temp.Path, T0.AddHours(1), 5, "job", "clone", parent, "--format", "json");
        Assert.True(same.ExitCode == ExitCodes.Ok, same.ToString());
        var p = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", parent, "--format", "json").Out)!;
        var c = JsonNode.Parse(same.Out)!;
        Assert.Equal(parent, c["parent"]!.GetValue<string>());
        Assert.Equal("0.1.0", c["recipe"]!["version"]!.GetValue<string>());
        Assert.Equal(p["config_sha256"]!.GetValue<string>(), c["config_sha256"]!.GetValue<string>());
        Assert.Equal(p["datasets"]!.ToJsonString(), c["datasets"]!.ToJsonString()); // the parent's versions, not the file as it is now

        var changed = CliRun.Pinned(temp.Path, T0.AddHours(2), 6, "job", "clone", parent, "--set", "optimizer.learning_rate=5e-7", "-s", "14B", "--format", "json");
        var d = JsonNode.Parse(changed.Out)!;
        Assert.NotEqual(p["config_sha256"]!.GetValue<string>(), d["config_sha256"]!.GetValue<string>());
        Assert.Equal(["trainer.epochs=2", "optimizer.learning_rate=5e-7"], d["sets"]!.AsArray().Select(x => x!.GetValue<string>()));
        Assert.Equal("14B", d["model_size"]!.GetValue<string>());

        var diff = CliRun.InProcess(temp.Path, "diff", "job:" + parent, "job:" + d["id"]!.GetValue<string>());
        Assert.Equal(ExitCodes.Ok, diff.ExitCode);
        Assert.Contains("optimizer.learning_rate", diff.Out, StringComparison.Ordinal);
        Assert.Contains($"job:{parent} (grpo_math_small@0.1.0, 7B)", diff.Out, StringComparison.Ordinal);

        var children = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", parent, "--format", "json").Out)!["children"]!.AsArray();
        Assert.Equal(2, children.Count);
        var recorded = CliRun.InProcess(temp.Path, "recipe", "show", "grpo_math_small@0.1.0");
        Assert.Equal(ExitCodes.Ok, recorded.ExitCode);
        Assert.DoesNotContain("# changed", recorded.Out, StringComparison.Ordinal);
        Assert.Contains("version: 0.1.0", recorded.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_metrics_file_imports_nothing_and_reports_every_bad_line_unless_skip_bad()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var id = Create(temp.Path, T0, 7);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(temp.Path, "job", "update", id, "--status", "running").ExitCode);
        temp.Write("m.jsonl", "{\"step\": 1, \"loss\": 1.0}\n{\"step\": 2, \"loss\": \"x\", \"acc\": 0.5}\nnot json\n{\"loss\": 0.9}\n{\"step\": 5, \"loss\": 0.8}\n");
        var bad = CliRun.InProcess(temp.Path, "metrics", "import", id, "m.jsonl");
        Assert.Equal(ExitCodes.UsageError, bad.ExitCode);
        Assert.Contains("m.jsonl:3: ", bad.Error, StringComparison.Ordinal);
        Assert.Contains("m.jsonl:4: ", bad.Error, StringComparison.Ordinal);
        Assert.Contains("2 bad lines; nothing was imported", bad.Error, StringComparison.Ordinal);
        Assert.Contains("has no metrics yet", CliRun.InProcess(temp.Path, "metrics", "show", id).Out, StringComparison.Ordinal);

        var skipped = CliRun.InProcess(temp.Path, "metrics", "import", id, "m.jsonl", "--skip-bad", "--format", "json");
        Assert.Equal(ExitCodes.Ok, skipped.ExitCode);
        var report = JsonNode.Parse(skipped.Out)!;
        Assert.Equal(3, report["points"]!.GetValue<long>()); // line 2's "x" is text, not a value: its acc counts
        Assert.Equal(2, report["bad_lines"]!.GetValue<long>());
        var again = CliRun.InProcess(temp.Path, "metrics", "import", id, "m.jsonl", "--skip-bad");
        Assert.Contains("nothing added", again.Out, StringComparison.Ordinal);
        var show = JsonNode.Parse(CliRun.InProcess(temp.Path, "metrics", "show", id, "--format", "json").Out)!["metrics"]!.AsArray();
        Assert.Equal(["acc", "loss"], show.Select(m => m!["name"]!.GetValue<string>()));
        Assert.Equal(2, show[1]!["count"]!.GetValue<long>());
        Assert.Equal(0.8, show[1]!["best"]!.GetValue<double>());

        Assert.Contains("is not a number", CliRun.InProcess(temp.Path, "metrics", "log", id, "--step", "3", "loss=abc").Error, StringComparison.Ordinal);
        Assert.Contains("no such file", CliRun.InProcess(temp.Path, "metrics", "import", id, "missing.csv").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_then_import_into_an_empty_store_reproduces_everything_and_a_second_import_changes_nothing()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var a = Create(temp.Path, T0, 8, "-d", "train=data/train.jsonl", "-d", "prefs=data");
        CliRun.InProcess(temp.Path, "metrics", "import", a, SmallMetrics, "--start");
        var b = CliRun.Pinned(temp.Path, T0.AddHours(1), 9, "job", "clone", a).Out.Trim();
        CliRun.Pinned(temp.Path, T0.AddHours(1), 9, "metrics", "log", b, "--step", "1", "loss=nan", "reward=0.5", "--start");

        var export = CliRun.InProcess(temp.Path, "job", "export", "--all", "-o", "all.jsonl");
        Assert.Equal(ExitCodes.Ok, export.ExitCode);
        Assert.Contains("exported 2 jobs and 22 metric points to all.jsonl", export.Error, StringComparison.Ordinal);

        var first = CliRun.InProcess(temp.Path, "job", "import", "all.jsonl", "--store", "copy.db", "--format", "json");
        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Equal(2, JsonNode.Parse(first.Out)!["jobs_added"]!.GetValue<int>());
        var second = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "import", "all.jsonl", "--store", "copy.db", "--format", "json").Out)!;
        Assert.Equal(0, second["jobs_added"]!.GetValue<int>());
        Assert.Equal(0, second["points_added"]!.GetValue<long>());
        Assert.Equal(2, second["jobs_unchanged"]!.GetValue<int>());

        CliRun.InProcess(temp.Path, "job", "export", "--all", "--store", "copy.db", "-o", "again.jsonl");
        Assert.Equal(File.ReadAllText(Path.Combine(temp.Path, "all.jsonl")), File.ReadAllText(Path.Combine(temp.Path, "again.jsonl")));
        Assert.Equal(CliRun.InProcess(temp.Path, "lineage", b).Out, CliRun.InProcess(temp.Path, "lineage", b, "--store", "copy.db").Out);
        Assert.Equal(CliRun.InProcess(temp.Path, "metrics", "show", a).Out, CliRun.InProcess(temp.Path, "metrics", "show", a, "--store", "copy.db").Out);

        var single = CliRun.InProcess(temp.Path, "job", "export", b);
        var types = single.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["type"]!.GetValue<string>()).ToArray();
        Assert.Equal(1, types.Count(t => t == "job"));
        Assert.Equal("header", types[0]);

        temp.Write("broken.jsonl", File.ReadAllText(Path.Combine(temp.Path, "all.jsonl"))[..400] + "\n{\"type\": \"job\"}\n");
        var broken = CliRun.InProcess(temp.Path, "job", "import", "broken.jsonl", "--store", "other.db");
        Assert.Equal(ExitCodes.UsageError, broken.ExitCode);
        Assert.Contains("broken.jsonl:", broken.Error, StringComparison.Ordinal);
        Assert.Equal("No jobs match.\n", CliRun.InProcess(temp.Path, "job", "list", "--store", "other.db").Out);
    }

    [Fact]
    public void Lineage_finds_the_jobs_that_used_a_dataset_or_a_recipe()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var a = Create(temp.Path, T0, 10, "-d", "train=data/train.jsonl");
        var b = Create(temp.Path, T0.AddMinutes(1), 11, "-d", "train=data/prefs.csv");
        var byName = CliRun.InProcess(temp.Path, "lineage", "--dataset", "data/train.jsonl", "--format", "json");
        Assert.Equal([a], JsonNode.Parse(byName.Out)!.AsArray().Select(x => x!["job"]!.GetValue<string>()));
        var byHash = CliRun.InProcess(temp.Path, "lineage", "--dataset", "5583b766", "--format", "json");
        Assert.Equal([b], JsonNode.Parse(byHash.Out)!.AsArray().Select(x => x!["job"]!.GetValue<string>()));
        var byBase = JsonNode.Parse(CliRun.InProcess(temp.Path, "lineage", "--recipe", "grpo_basic@1.2.0", "--format", "json").Out)!.AsArray();
        Assert.Equal([b, a], byBase.Select(x => x!["job"]!.GetValue<string>()));
        Assert.All(byBase, x => Assert.Equal("grpo_math_small@0.1.0", x!["via"]!.GetValue<string>()));
        var none = CliRun.InProcess(temp.Path, "lineage", "--recipe", "grpo_math_small@9.9.9");
        Assert.Equal(ExitCodes.UsageError, none.ExitCode);
        Assert.Contains("recorded versions: 0.1.0", none.Error, StringComparison.Ordinal);
        Assert.Contains("give one of JOB, --dataset and --recipe", CliRun.InProcess(temp.Path, "lineage", a, "--recipe", "x").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Job_list_filters_by_status_recipe_task_size_and_date()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var a = Create(temp.Path, T0, 12);
        var b = CliRun.Pinned(temp.Path, T0.AddDays(2), 13, "job", "create", "-r", "sft_chat", "-s", "1.5B").Out.Trim();
        CliRun.InProcess(temp.Path, "job", "update", b, "--status", "running");
        string[] Ids(params string[] filter) =>
            [.. JsonNode.Parse(CliRun.InProcess(temp.Path, ["job", "list", "--format", "json", .. filter]).Out)!.AsArray().Select(x => x!["id"]!.GetValue<string>())];
        Assert.Equal([b], Ids("--status", "running"));
        Assert.Equal([a], Ids("--recipe", "grpo_math_small"));
        Assert.Equal([a], Ids("--recipe", "grpo_math_small@0.1.0"));
        Assert.Empty(Ids("--recipe", "grpo_math_small@0.0.1"));
        Assert.Equal([b], Ids("--model-size", "1.5b"));
        Assert.Equal([b], Ids("--since", T0.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        Assert.Equal([a], Ids("--task", "rlhf"));
        Assert.Contains("unknown status 'done'", CliRun.InProcess(temp.Path, "job", "list", "--status", "done").Error, StringComparison.Ordinal);
        Assert.Contains("is not a date", CliRun.InProcess(temp.Path, "job", "list", "--since", "yesterday").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_written_by_a_newer_trainplat_is_refused_and_left_untouched()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        Create(temp.Path, T0, 14);
        var db = Path.Combine(temp.Path, ".trainplat", "lineage.db");
        using (var raw = new LiteDB.LiteDatabase($"Filename={db};Connection=direct"))
        {
            var meta = raw.GetCollection("meta");
            var schema = meta.FindById("schema");
            schema["version"] = 99;
            schema["tool"] = "9.9.0";
            meta.Update(schema);
        }

        var before = File.ReadAllBytes(db);
        var stamp = File.GetLastWriteTimeUtc(db);
        var result = CliRun.InProcess(temp.Path, "job", "list");
        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("written by trainplat 9.9.0", result.Error, StringComparison.Ordinal);
        Assert.Contains("upgrade trainplat", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(db));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(db));
    }

    [Fact]
    public void A_schema_1_store_is_read_as_it_is_and_migrated_by_the_first_write_with_a_backup_keeping_its_dataset_versions()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var fixture = Path.Combine(Repo.Root, "tests", "TrainingPlatform.Core.Tests", "Fixtures", "lineage-schema1.db");
        Directory.CreateDirectory(Path.Combine(temp.Path, ".trainplat"));
        File.Copy(fixture, Path.Combine(temp.Path, ".trainplat", "lineage.db"));
        // A reading command reads the old schema as it is: nothing is upgraded, copied or created.
        var read = CliRun.InProcess(temp.Path, "data", "list");
        Assert.Equal(ExitCodes.Ok, read.ExitCode);
        Assert.Equal("", read.Error);
        Assert.Contains("5 versions of 4 datasets", read.Out, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(fixture), File.ReadAllBytes(Path.Combine(temp.Path, ".trainplat", "lineage.db")));
        Assert.Equal(["lineage.db"], Directory.EnumerateFiles(Path.Combine(temp.Path, ".trainplat")).Select(Path.GetFileName));

        // The first command that writes upgrades it, after a backup copy.
        var list = CliRun.InProcess(temp.Path, "job", "create", "-r", "grpo_math_small", "-s", "7B");
        Assert.Equal(ExitCodes.Ok, list.ExitCode);
        Assert.Contains("upgraded the lineage store .trainplat/lineage.db from schema 1 to 3; the old file is kept as .trainplat/lineage.db.schema1.bak", list.Error, StringComparison.Ordinal);
        Assert.Contains("5 versions of 4 datasets", CliRun.InProcess(temp.Path, "data", "list").Out, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(fixture), File.ReadAllBytes(Path.Combine(temp.Path, ".trainplat", "lineage.db.schema1.bak")));
        var again = CliRun.InProcess(temp.Path, "data", "list");
        Assert.Equal("", again.Error);
    }

    /// <summary>The issue's end-to-end acceptance, through the built tool as separate processes.</summary>
    [Fact]
    public void End_to_end_create_run_import_10000_points_succeed_and_trace_the_lineage()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        Assert.Equal(0, GitWorkTree.Run(temp.Path, "init", "-q").ExitCode);
        GitWorkTree.Run(temp.Path, "add", "-A");
        Assert.Equal(0, GitWorkTree.Run(temp.Path, "commit", "-qm", "recipes").ExitCode);
        var commit = GitWorkTree.Run(temp.Path, "rev-parse", "HEAD").Out.Trim();

        var create = CliRun.Process(temp.Path, null, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl", "--name", "e2e");
        Assert.True(create.ExitCode == 0, create.ToString());
        var id = create.Out.Trim();
        Assert.Equal(0, CliRun.Process(temp.Path, null, "job", "update", id, "--status", "running").ExitCode);

        var points = new StringBuilder();
        for (var step = 0; step < 2500; step++)
        {
            points.Append(CultureInfo.InvariantCulture, $"{{\"step\": {step}, \"loss\": {2.0 / (1 + step):R}, \"reward\": {step / 2500.0:R}, \"kl\": {step * 1e-5:R}, \"entropy\": {1.0 - (step / 5000.0):R}}}\n");
        }

        temp.Write("metrics.jsonl", points.ToString());
        var import = CliRun.Process(temp.Path, null, "metrics", "import", id, "metrics.jsonl");
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("imported 10,000 points of 4 metrics", import.Out, StringComparison.Ordinal);
        Assert.Equal(0, CliRun.Process(temp.Path, null, "job", "update", id, "--status", "succeeded").ExitCode);

        var lineage = CliRun.Process(temp.Path, null, "lineage", id);
        Assert.Equal(0, lineage.ExitCode);
        Assert.Contains($"job {id} \"e2e\"  succeeded", lineage.Out, StringComparison.Ordinal);
        Assert.Contains("recipe   grpo_math_small@0.1.0  sha256 ", lineage.Out, StringComparison.Ordinal);
        Assert.Contains("extends  grpo_basic@1.2.0", lineage.Out, StringComparison.Ordinal);
        Assert.Contains("config   sha256 ", lineage.Out, StringComparison.Ordinal);
        Assert.Contains("train  data/train.jsonl@659a86f5414c  jsonl", lineage.Out, StringComparison.Ordinal);
        Assert.Contains($"git      {commit[..12]}", lineage.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("dirty", lineage.Out, StringComparison.Ordinal);
        Assert.Contains("metrics  4 metrics, 10,000 points", lineage.Out, StringComparison.Ordinal);

        var json = JsonNode.Parse(CliRun.Process(temp.Path, null, "job", "show", id, "--format", "json").Out)!;
        Assert.NotNull(json["started"]);
        Assert.NotNull(json["finished"]);
        Assert.Equal(10_000, json["metrics"]!.AsArray().Sum(m => m!["count"]!.GetValue<long>()));

        var refused = CliRun.Process(temp.Path, null, "job", "delete", id);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("deleting needs --yes", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, CliRun.Process(temp.Path, null, "job", "show", id).ExitCode);
    }
}
