using System.Security.Cryptography;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 13 items 1 and 3: a file that is not a sound lineage store — random bytes, a real store cut at 4 KiB or
/// 64 KiB or missing its last 8 KiB, a text file, a JSON Lines file, an empty file, a folder — is refused by every
/// command that opens a store with the one "damaged" message and exit 2, and nothing is written: every file in its
/// folder keeps its bytes and no lock or log file appears. The corpus is made here from a real store the test builds.
/// </summary>
public sealed class DamagedStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static string SmallMetrics => Path.Combine(Repo.Root, "tests", "TrainingPlatform.Tool.Tests", "Data", "metrics-small.jsonl");

    /// <summary>A project with a real store: two jobs (one a clone), a dataset version, metrics; and an export of it.</summary>
    private static (TempDir Project, string Id, byte[] Store) RealStore()
    {
        var temp = TempDir.CopyOf(Repo.Examples);
        File.Copy(SmallMetrics, Path.Combine(temp.Path, "metrics-small.jsonl"));
        var create = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl");
        Assert.True(create.ExitCode == 0, create.ToString());
        var id = create.Out.Trim();
        foreach (var args in new[]
        {
            new[] { "metrics", "import", id, "metrics-small.jsonl", "--start" },
            ["job", "clone", id, "--gpus", "16", "--nodes", "2"],
            ["job", "export", "--all", "-o", "export.jsonl"],
        })
        {
            var r = CliRun.Pinned(temp.Path, T0.AddMinutes(1), 2, args);
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        return (temp, id, File.ReadAllBytes(Path.Combine(temp.Path, ".trainplat", "lineage.db")));
    }

    /// <summary>The corpus: a name and how to put it at a path.</summary>
    private static IEnumerable<(string Name, Action<string> Make)> Corpus(byte[] store)
    {
        Assert.True(store.Length > 80 * 1024, $"the real store is only {store.Length} bytes: the truncations below would not cut into it");
        var random = new byte[store.Length];
        new Random(13).NextBytes(random);
        yield return ("random bytes", p => File.WriteAllBytes(p, random));
        yield return ("the first 4 KiB", p => File.WriteAllBytes(p, store[..4096]));
        yield return ("the first 64 KiB", p => File.WriteAllBytes(p, store[..(64 * 1024)]));
        yield return ("all but the last 8 KiB", p => File.WriteAllBytes(p, store[..^8192]));
        yield return ("a text file", p => File.Copy(Path.Combine(Repo.Root, "README.md"), p));
        yield return ("a JSON Lines file", p => File.Copy(SmallMetrics, p));
        yield return ("an empty file", p => File.WriteAllBytes(p, []));
        yield return ("a folder", p =>
        {
            Directory.CreateDirectory(p);
            File.WriteAllText(Path.Combine(p, "inside.txt"), "a file in a folder named like a store\n");
        }
        );
    }

    /// <summary>Every command that opens a store, with a recorded job id to name.</summary>
    private static IEnumerable<string[]> StoreCommands(string id, string store) =>
        new[]
        {
            new[] { "job", "list" },
            ["job", "show", id],
            ["job", "create", "-r", "grpo_math_small", "-s", "7B"],
            ["job", "update", id, "--status", "running"],
            ["job", "delete", id, "--yes"],
            ["job", "clone", id],
            ["job", "export", "--all"],
            ["job", "import", "export.jsonl"],
            ["metrics", "log", id, "--step", "1", "loss=0.5"],
            ["metrics", "import", id, "metrics-small.jsonl"],
            ["metrics", "show", id],
            ["lineage", id],
            ["lineage", "--dataset", "data/train.jsonl"],
            ["diff", "job:" + id, "grpo_math_small", "-s", "7B"],
            ["recipe", "show", "grpo_math_small@9.9.9"],
            ["suggest", "grpo_math_small", "-s", "7B"],
            ["recommend", "--task", "rlhf", "-s", "7B"],
            ["data", "list"],
            ["data", "show", "data/train.jsonl"],
            ["data", "snapshot", "data/train.jsonl"],
            ["data", "status"],
            ["data", "diff", "data/train.jsonl", "data/train.jsonl"],
            ["store", "info"],
            ["store", "migrate"],
        }.Select(args => (string[])[.. args, "--store", store]);

    private static Dictionary<string, string> Hashes(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToDictionary(
            p => Path.GetRelativePath(folder, p),
            p => File.Exists(p) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(p))) : "folder",
            StringComparer.Ordinal);

    [Fact]
    public void Every_command_refuses_every_damaged_store_with_one_message_and_writes_nothing()
    {
        var (project, id, store) = RealStore();
        using var temp = project;
        var failures = new List<string>();
        var n = 0;
        foreach (var (name, make) in Corpus(store))
        {
            var folder = Path.Combine(temp.Path, "damaged" + n++);
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, "lineage.db");
            make(path);
            var before = Hashes(folder);
            foreach (var args in StoreCommands(id, Path.GetRelativePath(temp.Path, path)))
            {
                var r = CliRun.InProcess(temp.Path, args);
                var shown = $"[{name}] trainplat {string.Join(' ', args)}: ";
                if (r.ExitCode != ExitCodes.UsageError || !r.Error.Contains($"the lineage store {path} is damaged (", StringComparison.Ordinal) ||
                    !r.Error.Contains("); restore it from a backup or `job import` an export", StringComparison.Ordinal) ||
                    r.Error.Contains("internal error", StringComparison.Ordinal))
                {
                    failures.Add(shown + r);
                }

                var after = Hashes(folder);
                if (!after.SequenceEqual(before))
                {
                    failures.Add(shown + "changed the folder: " + string.Join(", ", after.Except(before).Select(p => p.Key)) +
                        string.Join(", ", before.Except(after).Select(p => "-" + p.Key)));
                    before = after;
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(12)) + $"\n\n({failures.Count} failures)");
    }

    [Fact]
    public void A_text_file_given_as_store_is_never_truncated_or_replaced()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var readme = File.ReadAllBytes(Path.Combine(Repo.Root, "README.md"));
        File.WriteAllBytes(Path.Combine(temp.Path, "README.md"), readme);
        File.WriteAllText(Path.Combine(temp.Path, "hi.txt"), "hi\n");

        var list = CliRun.InProcess(temp.Path, "job", "list", "--store", "README.md");
        var create = CliRun.InProcess(temp.Path, "job", "create", "-r", "grpo_math_small", "-s", "7B", "--store", "hi.txt");

        Assert.Equal(ExitCodes.UsageError, list.ExitCode);
        Assert.Contains("it is a text file, not a LiteDB database", list.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.UsageError, create.ExitCode);
        Assert.Equal("", create.Out);
        Assert.Equal(readme, File.ReadAllBytes(Path.Combine(temp.Path, "README.md")));
        Assert.Equal("hi\n", File.ReadAllText(Path.Combine(temp.Path, "hi.txt")));
        Assert.Equal(["README.md", "hi.txt"], Directory.EnumerateFiles(temp.Path).Select(Path.GetFileName).Where(f => f is "README.md" or "hi.txt" || f!.Contains(".lock", StringComparison.Ordinal) || f.Contains("-log", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Store_check_reports_a_sound_store_clean_and_each_damaged_one_with_exit_1()
    {
        var (project, _, store) = RealStore();
        using var temp = project;
        var clean = CliRun.InProcess(temp.Path, "store", "check");
        Assert.True(clean.ExitCode == ExitCodes.Ok, clean.ToString());
        Assert.Matches(@"^\.trainplat/lineage\.db: no damage \(schema 3; .*2 jobs, 2 job_facts, \d+ metrics\)\n$", clean.Out);
        var json = CliRun.InProcess(temp.Path, "store", "check", "--format", "json");
        Assert.Contains("\"clean\": true", json.Out, StringComparison.Ordinal);
        Assert.Contains("\"jobs\": 2", json.Out, StringComparison.Ordinal);

        var n = 0;
        foreach (var (name, make) in Corpus(store))
        {
            var path = Path.Combine(temp.Path, "damaged" + n++ + ".db");
            make(path);
            var before = Hashes(temp.Path);
            var r = CliRun.InProcess(temp.Path, "store", "check", "--store", Path.GetFileName(path));
            Assert.True(r.ExitCode == ExitCodes.Findings, $"[{name}] {r}");
            Assert.Contains("damaged: ", r.Out, StringComparison.Ordinal);
            Assert.Equal(before, Hashes(temp.Path));
        }
    }

    [Fact]
    public void Store_check_names_a_record_that_does_not_read_and_a_job_whose_config_is_lost()
    {
        var (project, id, _) = RealStore();
        using var temp = project;
        var db = Path.Combine(temp.Path, ".trainplat", "lineage.db");
        using (var raw = new LiteDB.LiteDatabase($"Filename={db};Connection=direct"))
        {
            var jobs = raw.GetCollection("jobs");
            var job = jobs.FindById(id);
            job["created"] = "not a date";
            jobs.Update(job);
            raw.GetCollection("configs").DeleteAll();
        }

        var r = CliRun.InProcess(temp.Path, "store", "check");
        Assert.Equal(ExitCodes.Findings, r.ExitCode);
        Assert.Contains($".trainplat/lineage.db: jobs {id}: does not read as a record", r.Out, StringComparison.Ordinal);
        Assert.Contains("names config", r.Out, StringComparison.Ordinal);

        // The commands that meet the damaged record say so; they do not crash.
        var show = CliRun.InProcess(temp.Path, "job", "show", id);
        Assert.Equal(ExitCodes.UsageError, show.ExitCode);
        Assert.Contains("is damaged (", show.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", show.Error, StringComparison.Ordinal);
    }
}
