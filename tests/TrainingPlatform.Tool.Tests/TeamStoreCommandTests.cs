using System.Net;
using System.Net.Sockets;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// Issue 20 against a real PostgreSQL server (<c>TRAINPLAT_TEST_PG</c>): <c>store migrate</c>, <c>store copy</c> from a
/// file to the server and back reproducing a byte-identical export, two project folders sharing the server, and one
/// clear line (exit 2, no password) for a wrong password, an unreachable server and a database without the schema.
/// </summary>
public sealed class TeamStoreCommandTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static string SmallMetrics => Path.Combine(Repo.Root, "tests", "TrainingPlatform.Tool.Tests", "Data", "metrics-small.jsonl");

    private static CliResult Run(string folder, params string[] args)
    {
        var r = CliRun.InProcess(folder, args);
        Assert.True(r.ExitCode == ExitCodes.Ok, $"trainplat {string.Join(' ', args)}: {r}");
        return r;
    }

    /// <summary>The server as it is shown: user, host and port, database — no password.</summary>
    private static string Shown(TestPostgres.Schema schema)
    {
        var s = schema.Settings;
        return $"postgresql://{s.Username}@{s.Host}{(s.Port == 5432 ? "" : ":" + s.Port)}/{s.Database}";
    }

    [Fact]
    public void Store_copy_file_to_server_to_file_reproduces_a_byte_identical_export_and_copying_again_changes_nothing()
    {
        using var server = TestPostgres.NewSchema(migrate: false);
        using var temp = TempDir.CopyOf(Repo.Examples);
        File.Copy(SmallMetrics, Path.Combine(temp.Path, "metrics-small.jsonl"));
        var id = CliRun.Pinned(temp.Path, T0, 1, "job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl").Out.Trim();
        Assert.Equal(ExitCodes.Ok, CliRun.Pinned(temp.Path, T0.AddMinutes(1), 2, "metrics", "import", id, "metrics-small.jsonl", "--start").ExitCode);
        Assert.Equal(ExitCodes.Ok, CliRun.Pinned(temp.Path, T0.AddMinutes(2), 3, "job", "clone", id, "--gpus", "16", "--nodes", "2").ExitCode);
        var before = Run(temp.Path, "job", "export", "--all").Out;

        var url = server.ConnectionString;
        Assert.Equal($"created the lineage store {Shown(server)} at schema 1\n", Run(temp.Path, "store", "migrate", "--store", url).Out);
        var up = Run(temp.Path, "store", "copy", ".trainplat/lineage.db", url);
        Assert.StartsWith($"copied .trainplat/lineage.db to {Shown(server)}: 2 jobs read: 2 added, 0 updated (newer copy), 0 unchanged;", up.Out, StringComparison.Ordinal);
        Assert.Equal(before, Run(temp.Path, "job", "export", "--all", "--store", url).Out);

        var again = Run(temp.Path, "store", "copy", ".trainplat/lineage.db", url, "--format", "json");
        Assert.Contains("\"jobs_unchanged\": 2", again.Out, StringComparison.Ordinal);
        Assert.Contains("\"points_added\": 0", again.Out, StringComparison.Ordinal);

        var down = Run(temp.Path, "store", "copy", url, "offline.db");
        Assert.StartsWith($"copied {Shown(server)} to offline.db: 2 jobs read: 2 added", down.Out, StringComparison.Ordinal);
        Assert.Equal(before, Run(temp.Path, "job", "export", "--all", "--store", "offline.db").Out);

        var info = Run(temp.Path, "store", "info", "--store", url, "--format", "json").Out;
        Assert.Contains("\"kind\": \"postgresql\"", info, StringComparison.Ordinal);
        Assert.Contains($"\"location\": \"{Shown(server)}\"", info, StringComparison.Ordinal);
        Assert.Contains("\"jobs\": 2", info, StringComparison.Ordinal);
        Assert.Contains("\"points\": 20", info, StringComparison.Ordinal);
        foreach (var text in new[] { up.Out, up.Error, again.Out, down.Out, info })
        {
            Assert.DoesNotContain(server.Settings.Password!, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Two_project_folders_share_the_server_through_TRAINPLAT_STORE_with_the_password_in_PGPASSWORD()
    {
        using var server = TestPostgres.NewSchema(migrate: false);
        using var first = TempDir.CopyOf(Repo.Examples);
        using var second = TempDir.CopyOf(Repo.Examples);
        Run(first.Path, "store", "migrate", "--store", server.ConnectionString);

        // The URL a user writes: no password in it; PGPASSWORD gives it (Npgsql reads it as libpq does).
        var s = server.Settings;
        var url = $"postgresql://{s.Username}@{s.Host}:{s.Port}/{s.Database}?options={Uri.EscapeDataString("-c search_path=" + server.Name)}";
        var environment = new Dictionary<string, string> { ["TRAINPLAT_STORE"] = url, ["PGPASSWORD"] = s.Password! };
        foreach (var folder in new[] { first.Path, second.Path })
        {
            var create = CliRun.Process(folder, environment, "job", "create", "-r", "grpo_math_small", "-s", "7B");
            Assert.True(create.ExitCode == 0, create.ToString());
            Assert.False(File.Exists(Path.Combine(folder, ".trainplat", "lineage.db")), "the job went to a file, not the server");
        }

        var list = CliRun.Process(second.Path, environment, "job", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.EndsWith("2 jobs\n", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_password_an_unreachable_server_and_a_database_without_the_schema_are_each_one_line_with_exit_2()
    {
        using var server = TestPostgres.NewSchema(migrate: false);
        using var temp = TempDir.CopyOf(Repo.Examples);
        var s = server.Settings;
        const string Wrong = "not-the-password-4711";

        int unused;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            unused = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var cases = new (string Location, string Expected)[]
        {
            ($"postgresql://{s.Username}:{Wrong}@{s.Host}:{s.Port}/{s.Database}", $"the server refused the password of user {s.Username}"),
            ($"Host=127.0.0.1;Port={unused};Database=lineage;Username=ann;Password={Wrong};Timeout=5", $"postgresql://ann@127.0.0.1:{unused}/lineage: cannot reach the PostgreSQL server"),
            (server.ConnectionString, $"{Shown(server)}: the database has no trainplat store schema"),
        };
        foreach (var (location, expected) in cases)
        {
            foreach (var args in new[] { new[] { "job", "list" }, ["store", "info"], ["job", "create", "-r", "grpo_math_small", "-s", "7B"] })
            {
                var r = CliRun.InProcess(temp.Path, [.. args, "--store", location]);
                var shown = $"{string.Join(' ', args)} [{expected}]: {r}";
                Assert.True(r.ExitCode == ExitCodes.UsageError, shown);
                var errors = r.Error.Split('\n').Where(l => l.StartsWith("trainplat: error:", StringComparison.Ordinal)).ToArray();
                Assert.True(errors.Length == 1, shown);
                Assert.Contains(expected, errors[0], StringComparison.Ordinal);
                Assert.DoesNotContain(Wrong, r.Out + r.Error, StringComparison.Ordinal);
                Assert.DoesNotContain(s.Password!, r.Out + r.Error, StringComparison.Ordinal);
                Assert.DoesNotContain("internal error", r.Error, StringComparison.Ordinal);
            }
        }

        Assert.False(Directory.Exists(Path.Combine(temp.Path, ".trainplat")));
    }
}
