using System.Diagnostics;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests.Frameworks;

/// <summary>
/// Issue 14's acceptance: every built-in with <c>trainer.framework: verl</c> exports at 7B, 32B and 72B to verl 0.7 and
/// 0.9 overrides that verl's own flattened config (upstream files in Frameworks/Verl, OmegaConf in struct mode) accepts
/// without one unknown key, and whose values are the render's.
/// </summary>
public sealed class VerlExportAcceptanceTests
{
    private static readonly string Fixtures = Path.Combine(Repo.Root, "tests", "TrainingPlatform.Tool.Tests", "Frameworks", "Verl");

    /// <summary>The checked verl key and the rendered trainplat key it must equal.</summary>
    private static readonly (string Verl, string Trainplat)[] Checked =
    [
        ("data.train_batch_size", "batch.global_batch_size"),
        ("actor_rollout_ref.rollout.n", "rl.rollout_n"),
        ("actor_rollout_ref.actor.optim.lr", "optimizer.learning_rate"),
        ("actor_rollout_ref.actor.ppo_mini_batch_size", "batch.mini_batch_size"),
        ("actor_rollout_ref.rollout.tensor_model_parallel_size", "parallelism.rollout_tensor_parallel_size"),
        ("trainer.n_gpus_per_node", "trainer.gpus_per_node"),
        ("trainer.nnodes", "trainer.nodes"),
    ];

    public static TheoryData<string, string, string, bool> VerlBuiltIns()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var file in Directory.EnumerateFiles(Repo.Recipes, "*.yaml").Order(StringComparer.Ordinal))
        {
            if (!File.ReadAllText(file).Contains("framework: verl", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var size in new[] { "7B", "32B", "72B" })
            {
                foreach (var release in new[] { "0.7", "0.9" })
                {
                    data.Add(Path.GetFileNameWithoutExtension(file), size, release, false);
                }
            }
        }

        // The Megatron tree, chosen by parallelism.strategy.
        foreach (var release in new[] { "0.7", "0.9" })
        {
            data.Add("ppo", "72B", release, true);
            data.Add("grpo_basic", "7B", release, true);
        }

        return data;
    }

    // The test data only: no build runs.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
    public void Every_verl_builtin_is_covered() =>
        Assert.Equal(["dapo", "grpo_basic", "grpo_lora", "ppo"], VerlBuiltIns().Select(row => (string)row[0]).Distinct().Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(VerlBuiltIns))]
    public void Exported_overrides_apply_to_verls_own_config_in_struct_mode(string recipe, string size, string release, bool megatron)
    {
        using var temp = new TempDir();
        string[] options = megatron ? ["--set", "parallelism.strategy=megatron"] : [];
        var render = CliRun.InProcess(temp.Path, ["render", recipe, "-s", size, "--format", "json", .. options]);
        Assert.True(render.ExitCode == 0, render.ToString());
        var export = CliRun.InProcess(temp.Path, ["export", recipe, "-s", size, "--to", "verl@" + release, .. options]);
        Assert.True(export.ExitCode == 0, export.ToString());

        var target = FrameworkTarget.Parse("verl@" + release);
        var tree = FrameworkCatalog.Verl(target.Release, megatron, dapo: recipe == "dapo");
        var lines = export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.True(line.StartsWith('+') || tree.Contains(line[..line.IndexOf('=', StringComparison.Ordinal)]), line));

        var overrides = temp.Write("overrides.txt", export.Out);
        var values = Apply(release, megatron, dapo: recipe == "dapo", overrides, Checked.Select(c => c.Verl));
        var rendered = JsonNode.Parse(render.Out)!;
        foreach (var (verl, trainplat) in Checked)
        {
            var parts = trainplat.Split('.');
            var expected = rendered[parts[0]]![parts[1]]!;
            Assert.True(Equal(expected, values[verl]), $"{verl} = {values[verl]?.ToJsonString()}, render {trainplat} = {expected.ToJsonString()}");
        }
    }

    // The Python harness only: no build runs.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
    public void The_harness_rejects_a_key_the_release_does_not_have()
    {
        // A negative control: the acceptance test above is worth something only if struct mode really refuses unknown keys.
        using var temp = new TempDir();
        var overrides = temp.Write("overrides.txt", "data.train_batch_size=64\nactor_rollout_ref.actor.no_such_key=1\n");
        var result = Run(release: "0.9", megatron: false, dapo: false, overrides, ["data.train_batch_size"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown key actor_rollout_ref.actor.no_such_key", result.Error, StringComparison.Ordinal);
        // The 0.7 DAPO key exists only through the DAPO entry point's config.
        var dapo = temp.Write("dapo.txt", "reward_model.overlong_buffer.len=4096\n");
        Assert.Equal(1, Run("0.7", false, false, dapo, []).ExitCode);
        Assert.Equal(0, Run("0.7", false, true, dapo, []).ExitCode);
    }

    [Fact]
    public void The_grpo_basic_script_parses_and_passes_exactly_the_overrides()
    {
        using var temp = new TempDir();
        var overrides = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl");
        var script = CliRun.InProcess(temp.Path, "export", "grpo_basic", "-s", "7B", "--to", "verl", "--format", "script", "-o", "run.sh");
        Assert.True(script.ExitCode == 0, script.ToString());
        Assert.Equal("", script.Out);
        var path = Path.Combine(temp.Path, "run.sh");

        var syntax = Bash(temp.Path, null, "-n", path);
        Assert.True(syntax.ExitCode == 0, syntax.ToString());

        var bin = Directory.CreateDirectory(Path.Combine(temp.Path, "bin")).FullName;
        var stub = temp.Write("bin/python3", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(stub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var run = Bash(temp.Path, bin, path, "trainer.total_epochs=1", "with space");
        Assert.True(run.ExitCode == 0, run.ToString());
        // The recipe's $HOME/... data files are expanded by bash, as in verl's own scripts; everything else passes verbatim.
        var home = Environment.GetEnvironmentVariable("HOME") ?? "";
        Assert.Contains("$HOME/", overrides.Out, StringComparison.Ordinal);
        string[] expected = ["-m", "verl.trainer.main_ppo", .. overrides.Out.Replace("$HOME", home, StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries), "trainer.total_epochs=1", "with space"];
        Assert.Equal(expected, run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static Dictionary<string, JsonNode?> Apply(string release, bool megatron, bool dapo, string overrides, IEnumerable<string> keys)
    {
        var result = Run(release, megatron, dapo, overrides, keys);
        Assert.True(result.ExitCode == 0, result.ToString() + "\n--- overrides\n" + File.ReadAllText(overrides));
        return JsonNode.Parse(result.Out)!.AsObject().ToDictionary(p => p.Key, p => p.Value);
    }

    private static CliResult Run(string release, bool megatron, bool dapo, string overrides, IEnumerable<string> keys)
    {
        // Debian's python3 (python3-omegaconf, installed by .ci/run); a pyenv python3 first on PATH lacks OmegaConf.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(Fixtures, "apply_overrides.py"));
        start.ArgumentList.Add(Path.Combine(Fixtures, $"{release}.0-{(megatron ? "ppo_megatron_trainer" : "ppo_trainer")}.yaml"));
        if (dapo && release == "0.7")
        {
            start.ArgumentList.Add("--entry");
            start.ArgumentList.Add(Path.Combine(Fixtures, "0.7.0-dapo_trainer.yaml"));
        }

        start.ArgumentList.Add(overrides);
        foreach (var key in keys)
        {
            start.ArgumentList.Add(key);
        }

        return CliRun.Exec(start, TimeSpan.FromMinutes(1));
    }

    private static CliResult Bash(string cwd, string? pathFirst, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (pathFirst is not null)
        {
            start.Environment["PATH"] = pathFirst + ":" + Environment.GetEnvironmentVariable("PATH");
        }

        return CliRun.Exec(start, TimeSpan.FromMinutes(1));
    }

    private static bool Equal(JsonNode expected, JsonNode? actual) =>
        actual is not null && double.Parse(expected.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
            == double.Parse(actual.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
}
