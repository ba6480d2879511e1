using System.Diagnostics;
using System.Runtime.InteropServices;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// The Native AOT build, published once per test run into a temporary folder (or taken from the folder in
/// <c>TRAINPLAT_AOT_BIN</c>, where <c>dotnet publish -p:PublishAot=true -o DIR</c> put it). The publish itself fails
/// on any trim or AOT warning (warnings are errors), so a passing fixture is the warning-free build.
/// </summary>
public sealed class AotBuildFixture : IDisposable
{
    private readonly string? _publishDir;

    public AotBuildFixture()
    {
        if (Environment.GetEnvironmentVariable("TRAINPLAT_AOT_BIN") is { Length: > 0 } given)
        {
            Binary = Path.Combine(given, "trainplat");
            Assert.True(File.Exists(Binary), $"TRAINPLAT_AOT_BIN is {given}, but there is no trainplat in it");
            return;
        }

        _publishDir = Path.Combine(Path.GetTempPath(), "trainplat-aot-" + Guid.NewGuid().ToString("N")[..12]);
        // Its own artifacts folder: the publish restores and builds for a runtime identifier, and must not share obj/
        // with the builds the other tests start (the package test packs the same project at the same time).
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Repo.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "publish", "tool/TrainingPlatform.Tool", "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "-p:PublishAot=true",
            "--artifacts-path", Path.Combine(_publishDir, "artifacts"), "-o", Path.Combine(_publishDir, "bin"),
        })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var publish = CliRun.Exec(start, TimeSpan.FromMinutes(20));
        Assert.True(publish.ExitCode == 0, "the Native AOT publish failed (test.sh installs clang and zlib1g-dev):\n" + publish);
        Binary = Path.Combine(_publishDir, "bin", "trainplat");
    }

    /// <summary>The native executable.</summary>
    public string Binary { get; }

    public void Dispose()
    {
        if (_publishDir is null)
        {
            return;
        }

        try
        {
            Directory.Delete(_publishDir, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder is harmless
        }
    }
}

/// <summary>
/// The native binary through the everyday commands: the same exit code, stdout and stderr as the JIT build. It compares
/// the two builds itself, so it runs in the JIT pass only (test.sh gives it the binary it published, in TRAINPLAT_AOT_BIN).
/// </summary>
[Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
public sealed class AotBuildTests(AotBuildFixture aot) : IClassFixture<AotBuildFixture>
{
    [Fact]
    public void The_native_binary_runs_the_everyday_commands_as_the_JIT_build_does()
    {
        using var project = TempDir.CopyOf(Repo.Examples);

        Same(project.Path, 0, "--version");
        Same(project.Path, 0, "validate");
        Same(project.Path, 0, "validate", "recipes");
        Same(project.Path, 2, "validate", "missing.yaml");
        Same(project.Path, 0, "render", "grpo_basic", "-s", "70B", "--format", "json");
        Same(project.Path, 0, "diff", "grpo_basic", "grpo_math_small", "-s", "7B");
        Same(project.Path, 0, "diff", "recipes/sft_chat.yaml", "recipes/grpo_math_small.yaml", "--format", "json");
        Same(project.Path, 0, "export", "grpo_basic", "-s", "7B", "--to", "verl");
        Same(project.Path, 0, "data", "snapshot", "data/train.jsonl", "data/prefs.parquet", "--check", "--format", "json", "--no-record", "--no-cache"); // no stat cache: the second build would otherwise read the first one's
    }

    [Fact]
    public void Stores_written_by_either_build_read_the_same_in_both()
    {
        using var native = TempDir.CopyOf(Repo.Examples);
        using var jit = TempDir.CopyOf(Repo.Examples);

        // The writing commands, each build in its own project: the same output but for the job id.
        string[][] snapshots = [["data", "snapshot", "data/train.jsonl"], ["data", "snapshot", "data/prefs.parquet"]];
        foreach (var args in snapshots)
        {
            var n = Native(native.Path, args);
            Assert.True(n.ExitCode == 0, n.ToString());
            Assert.Equal(n, Jit(jit.Path, args));
        }

        string[] create = ["job", "create", "-r", "grpo_math_small", "-s", "7B", "-d", "train=data/train.jsonl", "--tag", "aot"];
        var nativeJob = Native(native.Path, create);
        var jitJob = Jit(jit.Path, create);
        Assert.True(nativeJob.ExitCode == 0, nativeJob.ToString());
        Assert.Matches("^[0-9a-f]{12}\n$", nativeJob.Out);
        var nativeId = nativeJob.Out.Trim();
        var jitId = jitJob.Out.Trim();
        Assert.Equal(WithoutId(nativeJob, nativeId), WithoutId(jitJob, jitId));

        foreach (var step in new[] { 1, 2, 3 })
        {
            string[] Log(string id) => ["metrics", "log", id, "--step", $"{step}", $"loss={1.0 / step}", $"reward={0.1 * step}", "--start"];
            var n = Native(native.Path, Log(nativeId));
            Assert.True(n.ExitCode == 0, n.ToString());
            Assert.Equal(WithoutId(n, nativeId), WithoutId(Jit(jit.Path, Log(jitId)), jitId));
        }

        // The reading commands: both builds on the store the native binary wrote, then on the one the JIT build wrote.
        foreach (var (dir, id) in new[] { (native.Path, nativeId), (jit.Path, jitId) })
        {
            Same(dir, 0, "job", "list");
            Same(dir, 0, "job", "list", "--format", "json");
            Same(dir, 0, "job", "show", id);
            Same(dir, 0, "job", "show", id[..6]);
            Same(dir, 0, "metrics", "show", id);
            Same(dir, 0, "lineage", id);
            Same(dir, 0, "lineage", "--dataset", "data/train.jsonl");
            Same(dir, 0, "lineage", "--recipe", "grpo_basic");
            Same(dir, 0, "data", "list");
            Same(dir, 0, "report", "--all", "--generated-at", "2026-12-01T00:00:00Z", "-o", "-");
            Same(dir, 0, "suggest", "grpo_math_small", "-s", "7B");
            Same(dir, 0, "store", "check");
            Same(dir, 0, "store", "check", "--format", "json");
            Same(dir, 2, "job", "show", "abcdef123456");
        }

        Assert.Contains(nativeId, Native(native.Path, "job", "list").Out, StringComparison.Ordinal);
        Assert.Contains("loss", Native(jit.Path, "metrics", "show", jitId).Out, StringComparison.Ordinal);
    }

    /// <summary>Runs both builds in <paramref name="dir"/>: the exit code is <paramref name="exit"/> and the output is the same.</summary>
    private void Same(string dir, int exit, params string[] args)
    {
        var jit = Jit(dir, args);
        var native = Native(dir, args);
        Assert.True(jit.ExitCode == exit, $"JIT build, {string.Join(' ', args)}: {jit}");
        Assert.True(native == jit, $"{string.Join(' ', args)}\n=== native\n{native}\n=== JIT\n{jit}");
    }

    private CliResult Native(string dir, params string[] args) => CliRun.Exec(CliRun.StartInfo(aot.Binary, dir, args), TimeSpan.FromMinutes(2));

    /// <summary>The JIT build, always (not the binary in TRAINPLAT_BIN): the other side of the comparison.</summary>
    private static CliResult Jit(string dir, params string[] args) => CliRun.Program("dotnet", dir, [ToolUnderTest.Dll, .. args]);

    private static CliResult WithoutId(CliResult r, string id) =>
        r with { Out = r.Out.Replace(id, "ID", StringComparison.Ordinal), Error = r.Error.Replace(id, "ID", StringComparison.Ordinal) };
}
