using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 20 for the lineage file: <c>store info</c>, <c>store migrate</c> and <c>store copy</c>, and the store's location
/// from <c>--store</c>, TRAINPLAT_STORE or <c>store:</c> — a path or a PostgreSQL URL whose password is never shown.
/// </summary>
public sealed class StoreCommandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static string SmallMetrics => Path.Combine(Repo.Root, "tests", "TrainingPlatform.Tool.Tests", "Data", "metrics-small.jsonl");

    /// <summary>A project whose store holds two jobs (one a clone), a dataset version and metrics.</summary>
    private static TempDir Project()
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
            ["job", "update", id, "--status", "succeeded", "--note", "done"],
        })
        {
            var r = CliRun.Pinned(temp.Path, T0.AddMinutes(1), 2, args);
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        return temp;
    }

    private static CliResult Run(string folder, params string[] args)
    {
        var r = CliRun.InProcess(folder, args);
        Assert.True(r.ExitCode == ExitCodes.Ok, $"trainplat {string.Join(' ', args)}: {r}");
        return r;
    }

    [Fact]
    public void Store_info_shows_kind_location_schema_and_counts_as_text_and_json()
    {
        using var temp = Project();
        var text = Run(temp.Path, "store", "info");
        var json = Run(temp.Path, "store", "info", "--format", "json");
        Approvals.Verify(text.Out + "---\n" + json.Out, "store_info");
        Assert.Equal("", text.Error);
    }

    [Fact]
    public void Store_info_on_a_project_that_recorded_nothing_creates_nothing()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var r = Run(temp.Path, "store", "info");
        Assert.Contains("location:         .trainplat/lineage.db (not created yet: nothing recorded)", r.Out, StringComparison.Ordinal);
        Assert.Contains("jobs:             0", r.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, ".trainplat")));
    }

    [Fact]
    public void Store_copy_into_a_fresh_file_reproduces_a_byte_identical_export_and_a_second_copy_changes_nothing()
    {
        using var temp = Project();
        var before = Run(temp.Path, "job", "export", "--all").Out;
        Assert.Contains("\"points\"", before, StringComparison.Ordinal);

        var first = Run(temp.Path, "store", "copy", ".trainplat/lineage.db", "copy/team.db");
        var copied = Run(temp.Path, "job", "export", "--all", "--store", "copy/team.db").Out;
        Assert.Equal(before, copied);
        var storeBytes = File.ReadAllBytes(Path.Combine(temp.Path, "copy", "team.db"));

        var second = Run(temp.Path, "store", "copy", ".trainplat/lineage.db", "copy/team.db", "--format", "json");
        Assert.Equal(before, Run(temp.Path, "job", "export", "--all", "--store", "copy/team.db").Out);
        Assert.Contains("\"jobs_added\": 0", second.Out, StringComparison.Ordinal);
        Assert.Contains("\"points_added\": 0", second.Out, StringComparison.Ordinal);
        Assert.Equal(storeBytes.Length, new FileInfo(Path.Combine(temp.Path, "copy", "team.db")).Length);
        Approvals.Verify(first.Out + "---\n" + second.Out, "store_copy");

        // The copy's own contents: the same counts as the source.
        var infoFrom = Run(temp.Path, "store", "info", "--format", "json").Out.Replace(".trainplat/lineage.db", "X", StringComparison.Ordinal);
        var infoTo = Run(temp.Path, "store", "info", "--format", "json", "--store", "copy/team.db").Out.Replace("copy/team.db", "X", StringComparison.Ordinal);
        Assert.Equal(infoFrom, infoTo);
    }

    [Fact]
    public void Store_copy_reports_its_stages_on_standard_error_only_when_asked_or_on_a_terminal()
    {
        using var temp = Project();
        var quiet = Run(temp.Path, "store", "copy", ".trainplat/lineage.db", "a.db");
        Assert.Equal("", quiet.Error);
        var loud = Run(temp.Path, "store", "copy", ".trainplat/lineage.db", "b.db", "--progress");
        Assert.Equal("trainplat: reading .trainplat/lineage.db ...\ntrainplat: writing 2 jobs and 20 metric points to b.db ...\n", loud.Error);
        Assert.StartsWith("copied .trainplat/lineage.db to b.db: 2 jobs read: 2 added", loud.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Store_copy_refuses_the_same_store_twice_and_a_missing_source_and_writes_nothing()
    {
        using var temp = Project();
        var same = CliRun.InProcess(temp.Path, "store", "copy", ".trainplat/lineage.db", "./.trainplat/../.trainplat/lineage.db");
        Assert.Equal(ExitCodes.UsageError, same.ExitCode);
        Assert.Contains($"store copy: FROM and TO are the same store ({Path.Combine(temp.Path, ".trainplat", "lineage.db")})", same.Error, StringComparison.Ordinal);

        var missing = CliRun.InProcess(temp.Path, "store", "copy", "nothing.db", "out.db");
        Assert.Equal(ExitCodes.UsageError, missing.ExitCode);
        Assert.Contains("store copy: there is no lineage store at", missing.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Path, "nothing.db")));
        Assert.False(File.Exists(Path.Combine(temp.Path, "out.db")));

        var sameServer = CliRun.InProcess(temp.Path, "store", "copy", "postgresql://ann:secret@db.example:5432/lineage", "Host=DB.example;Database=lineage;Username=bob;Password=other");
        Assert.Equal(ExitCodes.UsageError, sameServer.ExitCode);
        Assert.Contains("FROM and TO are the same store (postgresql://ann@db.example/lineage)", sameServer.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", sameServer.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("other", sameServer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Store_migrate_creates_a_missing_file_and_says_when_it_is_current()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        Assert.Equal("created the lineage store .trainplat/lineage.db at schema 3\n", Run(temp.Path, "store", "migrate").Out);
        Assert.Equal("the lineage store .trainplat/lineage.db is at schema 3, this trainplat's: nothing to do\n", Run(temp.Path, "store", "migrate").Out);
    }

    [Fact]
    public void The_store_comes_from_the_option_then_TRAINPLAT_STORE_then_trainplat_yaml_then_the_default()
    {
        using var temp = Project();
        Run(temp.Path, "store", "copy", ".trainplat/lineage.db", "env.db");
        Run(temp.Path, "store", "migrate", "--store", "empty.db");
        var environment = new Dictionary<string, string> { ["TRAINPLAT_STORE"] = "env.db" };

        string Location(IDictionary<string, string>? env, params string[] extra)
        {
            var r = CliRun.Process(temp.Path, env, ["store", "info", "--format", "json", .. extra]);
            Assert.True(r.ExitCode == 0, r.ToString());
            return System.Text.Json.JsonDocument.Parse(r.Out).RootElement.GetProperty("location").GetString()!;
        }

        Assert.Equal(".trainplat/lineage.db", Location(null));
        Assert.Equal("env.db", Location(environment));
        Assert.Equal("empty.db", Location(environment, "--store", "empty.db"));

        File.AppendAllText(Path.Combine(temp.Path, "trainplat.yaml"), "store: empty.db\n");
        Assert.Equal("empty.db", Location(null));
        Assert.Equal("env.db", Location(environment));
    }

    [Fact]
    public void A_server_location_never_shows_its_password_in_store_info_errors_or_json()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        foreach (var location in new[]
        {
            "postgresql://ann:s3cr%21t@127.0.0.1:1/lineage?sslmode=disable",
            "Host=127.0.0.1;Port=1;Database=lineage;Username=ann;Password=s3cr!t;SSL Mode=Disable",
        })
        {
            foreach (var args in new[] { new[] { "store", "info" }, ["store", "info", "--format", "json"], ["job", "list"], ["store", "migrate"], ["store", "check"] })
            {
                var r = CliRun.InProcess(temp.Path, [.. args, "--store", location]);
                Assert.True(r.ExitCode == ExitCodes.UsageError, $"{string.Join(' ', args)} {location}: {r}");
                Assert.DoesNotContain("s3cr", r.Out + r.Error, StringComparison.Ordinal);
                Assert.Equal(1, r.Error.Split('\n').Count(l => l.StartsWith("trainplat: error:", StringComparison.Ordinal)));
            }
        }

        var check = CliRun.InProcess(temp.Path, "store", "check", "--store", "postgresql://ann:s3cr%21t@db.example/lineage");
        Assert.Contains("store check is for a lineage file; postgresql://ann@db.example/lineage is a PostgreSQL server", check.Error, StringComparison.Ordinal);

        var unknown = CliRun.InProcess(temp.Path, "job", "list", "--store", "postgresql://ann:s3cr%21t@db.example/lineage?colour=blue");
        Assert.Equal(ExitCodes.UsageError, unknown.ExitCode);
        Assert.Contains("the URL parameter 'colour' is not one trainplat passes on", unknown.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr", unknown.Error, StringComparison.Ordinal);
    }
}
