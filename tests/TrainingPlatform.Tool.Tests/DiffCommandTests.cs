using System.Diagnostics;
using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed class DiffCommandTests
{
    private const string Base = """
        optimizer:
          learning_rate: 1.0e-6
          warmup_steps: 10
        batch:
          mini_batch_size: 256
        trainer:
          save_steps: 20
        """;

    [Fact]
    public void Golden_markdown_of_grpo_basic_at_7B_and_70B()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "diff", "grpo_basic", "grpo_basic", "--left-size", "7B", "--right-size", "70B", "--format", "markdown");
        Assert.True(r.ExitCode == 0, r.ToString());
        // verl's 70B GRPO scripts keep the 7B script's 1024 / 256 batches and switch to a token budget per GPU.
        Assert.DoesNotContain("`batch.global_batch_size`", r.Out);
        Assert.Contains("| minor | `batch.max_tokens_per_gpu` |  | `24000` | added |", r.Out);
        Assert.Contains("`parallelism.rollout_tensor_parallel_size`", r.Out);
        Approvals.Verify(r.Out, "diff_grpo_basic_7B_70B_markdown");
    }

    [Fact]
    public void Grpo_basic_against_grpo_large_scale_ranks_changes_by_the_schema()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "diff", "grpo_basic", "grpo_large_scale", "--model-size", "7B", "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var changes = JsonNode.Parse(r.Out)!["changes"]!.AsArray().ToDictionary(c => c!["path"]!.GetValue<string>(), c => c!);

        // The product's original example: learning rate and batch size critical, warm-up important.
        Assert.Equal("critical", changes["optimizer.learning_rate"]["severity"]!.GetValue<string>());
        Assert.NotNull(changes["optimizer.learning_rate"]["orders_of_magnitude"]);
        Assert.Equal("critical", changes["batch.global_batch_size"]["severity"]!.GetValue<string>());
        Assert.Equal("important", changes["batch.mini_batch_size"]["severity"]!.GetValue<string>());
        Assert.Equal("important", changes["optimizer.warmup_steps"]["severity"]!.GetValue<string>());
        Assert.Equal("added", changes["optimizer.warmup_steps"]["kind"]!.GetValue<string>());
        Assert.Equal("minor", changes["batch.micro_batch_size_per_gpu"]["severity"]!.GetValue<string>());
    }

    [Fact]
    public void Text_output_groups_changes_under_severities_with_ratios_and_orders_of_magnitude()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base + "\nextra:\n  tag: \"1\"\n");
        dir.Write("b.yaml", """
            batch:
              mini_batch_size: 128
            optimizer:
              learning_rate: 0.00001
            trainer:
              save_steps: 20
              seed: 7
            extra:
              tag: 1
            """);
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.yaml");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("""
            a.yaml → b.yaml

            critical (1)
              optimizer.learning_rate: 1.0e-06 → 1.0e-05 (+1.0 orders of magnitude)

            important (3)
              batch.mini_batch_size: 256 → 128 (×0.5)
              optimizer.warmup_steps: removed: 10
              trainer.seed: added: 7

            minor (1)
              extra.tag: type changed: "1" (text) → 1 (integer)

            5 changes: 1 critical, 3 important, 1 minor.

            """.ReplaceLineEndings("\n"), r.Out);
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void The_same_config_in_other_spellings_has_no_differences()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base);
        dir.Write("b.json", """
            {"trainer": {"save_steps": 20.0}, "batch": {"mini_batch_size": 256},
             "optimizer": {"warmup_steps": 1e1, "learning_rate": 0.000001}}
            """);
        foreach (var format in new[] { "text", "markdown" })
        {
            var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.json", "--format", format, "--fail-on", "minor");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.EndsWith("No differences.\n", r.Out);
        }

        var json = JsonNode.Parse(CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.json", "--format", "json").Out)!;
        Assert.Empty(json["changes"]!.AsArray());
        Assert.Equal(0, json["summary"]!["total"]!.GetValue<int>());
    }

    [Fact]
    public void Json_output_has_operands_summary_and_changes()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base);
        dir.Write("b.yaml", Base.Replace("256", "512", StringComparison.Ordinal).Replace("1.0e-6", "1.0e-7", StringComparison.Ordinal));
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.yaml", "--format", "json");
        var json = JsonNode.Parse(r.Out)!;
        Assert.Equal("a.yaml", json["left"]!["operand"]!.GetValue<string>());
        Assert.Equal("file", json["left"]!["kind"]!.GetValue<string>());
        Assert.Equal(1, json["summary"]!["critical"]!.GetValue<int>());
        Assert.Equal(1, json["summary"]!["important"]!.GetValue<int>());
        var lr = json["changes"]![0]!;
        Assert.Equal("optimizer.learning_rate", lr["path"]!.GetValue<string>());
        Assert.Equal("changed", lr["kind"]!.GetValue<string>());
        Assert.Equal(1e-6, lr["old"]!.GetValue<double>());
        Assert.Equal(-1.0, lr["orders_of_magnitude"]!.GetValue<double>());
        var batch = json["changes"]![1]!;
        Assert.Equal(2.0, batch["ratio"]!.GetValue<double>());
        Assert.Null(batch["orders_of_magnitude"]);
    }

    [Theory]
    [InlineData("critical", "none", 0)]
    [InlineData("important", "none", 0)]
    [InlineData("minor", "none", 0)]
    [InlineData("critical", "minor", 0)]
    [InlineData("important", "minor", 0)]
    [InlineData("minor", "minor", 1)]
    [InlineData("critical", "important", 0)]
    [InlineData("important", "important", 1)]
    [InlineData("minor", "important", 1)]
    [InlineData("critical", "critical", 1)]
    [InlineData("important", "critical", 1)]
    [InlineData("minor", "critical", 1)]
    public void Fail_on_exits_1_when_a_change_at_or_above_the_severity_exists(string failOn, string change, int expected)
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base);
        dir.Write("b.yaml", change switch
        {
            "critical" => Base.Replace("1.0e-6", "2.0e-6", StringComparison.Ordinal),
            "important" => Base.Replace("256", "512", StringComparison.Ordinal),
            "minor" => Base.Replace("save_steps: 20", "save_steps: 50", StringComparison.Ordinal),
            _ => Base,
        });
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.yaml", "--fail-on", failOn);
        Assert.True(r.ExitCode == expected, r.ToString());

        var withoutFailOn = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.yaml");
        Assert.Equal(0, withoutFailOn.ExitCode);
    }

    [Fact]
    public void Importance_globs_in_trainplat_yaml_override_the_schema()
    {
        using var dir = new TempDir();
        dir.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: t\nimportance:\n  \"trainer.*\": critical\n  \"optimizer.learning_rate\": minor\n");
        dir.Write("a.yaml", Base);
        dir.Write("b.yaml", Base.Replace("save_steps: 20", "save_steps: 50", StringComparison.Ordinal).Replace("1.0e-6", "2.0e-6", StringComparison.Ordinal));
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.yaml", "--format", "json", "--fail-on", "critical");
        Assert.Equal(1, r.ExitCode);
        var changes = JsonNode.Parse(r.Out)!["changes"]!.AsArray();
        Assert.Equal(["trainer.save_steps:critical", "optimizer.learning_rate:minor"],
            changes.Select(c => c!["path"]!.GetValue<string>() + ":" + c["severity"]!.GetValue<string>()));
    }

    [Fact]
    public void A_bad_severity_in_trainplat_yaml_exits_2()
    {
        using var dir = new TempDir();
        dir.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: t\nimportance:\n  \"rl.*\": high\n");
        dir.Write("a.yaml", Base);
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "a.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("'high', which is not a severity; use critical, important or minor", r.Error);
    }

    [Fact]
    public void Markdown_escapes_pipes_in_cells()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", "extra:\n  filter: \"a|b\"\n");
        dir.Write("b.yaml", "extra:\n  filter: \"a|c\"\n");
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.yaml", "--format", "markdown");
        Assert.Contains("| minor | `extra.filter` | `\"a\\|b\"` | `\"a\\|c\"` | changed |", r.Out);
        Assert.StartsWith("#### trainplat diff: `a.yaml` → `b.yaml`\n", r.Out);
    }

    // Colour needs a terminal that a redirected process does not have: in-process only (the next test is its end-to-end half).
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void Colour_only_when_the_context_allows_it_and_never_with_no_color()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base);
        dir.Write("b.yaml", Base.Replace("1.0e-6", "2.0e-6", StringComparison.Ordinal));
        string Run(params string[] args)
        {
            using var output = new StringWriter { NewLine = "\n" };
            using var error = new StringWriter();
            Cli.Run(["diff", "a.yaml", "b.yaml", .. args], new CliContext(output, error, dir.Path, Color: true, ErrorIsTerminal: true));
            return output.ToString();
        }

        Assert.Contains("\u001b[31m", Run());
        Assert.DoesNotContain("\u001b[", Run("--no-color"));
        Assert.DoesNotContain("\u001b[", Run("--format", "json"));
    }

    [Fact]
    public void A_redirected_diff_has_no_colour()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base);
        dir.Write("b.yaml", Base.Replace("1.0e-6", "2.0e-6", StringComparison.Ordinal));
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "b.yaml");
        Assert.Contains("optimizer.learning_rate", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", r.Out + r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_exits_2()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base);
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "missing.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains("trainplat: error: missing.yaml does not exist", r.Error);
        Assert.Contains("hint: check the path", r.Error);
    }

    [Fact]
    public void An_unknown_recipe_exits_2_with_the_nearest_ids()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "diff", "grpo_basc", "grpo_basic", "--model-size", "7B");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown recipe 'grpo_basc'", r.Error);
        Assert.Contains("nearest: grpo_basic", r.Error);
    }

    [Fact]
    public void Unparsable_yaml_exits_2_with_its_position()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base);
        dir.Write("bad.yaml", "optimizer:\n  learning_rate: [1.0e-6\n  warmup_steps: 10\n");
        var r = CliRun.InProcess(dir.Path, "diff", "a.yaml", "bad.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Matches(@"^bad\.yaml:2:18: error TP0001: ", r.Error);
        Assert.Contains("trainplat: error: bad.yaml cannot be read as a YAML or JSON mapping", r.Error);
    }

    [Theory]
    [InlineData(new[] { "job:17", "a.yaml" }, "job id prefix '17' is too short")]
    [InlineData(new[] { "job:abcdef123456", "a.yaml" }, "no job abcdef123456")]
    [InlineData(new[] { "grpo_basic", "a.yaml" }, "comparing recipe id 'grpo_basic' needs the model")]
    [InlineData(new[] { "a.yaml", "a.yaml", "--left-size", "7B" }, "--left-size applies to a recipe id, and LEFT 'a.yaml' is a file")]
    [InlineData(new[] { "a.yaml", "a.yaml", "--model-size", "7B" }, "--model-size applies to recipe ids, and neither operand is one")]
    [InlineData(new[] { "a.yaml", "a.yaml", "--gpus", "16" }, "--gpus applies to recipe ids, and neither operand is one")]
    [InlineData(new[] { "grpo_basic", "a.yaml", "-s", "7B", "-m", "qwen2.5-7b" }, "give --model or --model-size, not both")]
    [InlineData(new[] { "grpo_basic", "a.yaml", "-s", "7Q" }, "'7Q' is not a model size")]
    [InlineData(new[] { "grpo_basic", "a.yaml", "-s", "7B", "--gpus", "0" }, "--gpus must be a positive whole number")]
    [InlineData(new[] { "sub", "a.yaml" }, "sub is a folder, not a config file")]
    public void Input_errors_exit_2_with_one_clear_line(string[] args, string message)
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Base);
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));
        var r = CliRun.InProcess(dir.Path, ["diff", .. args]);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("trainplat: error: " + message, r.Error);
        Assert.DoesNotContain("   at ", r.Error);
    }

    [Fact]
    public void A_catalog_model_and_gpus_apply_to_recipe_ids()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "diff", "grpo_basic", "grpo_basic", "--model", "Qwen/Qwen2.5-7B-Instruct", "--right-size", "72B", "--gpus", "32", "--format", "json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var json = JsonNode.Parse(r.Out)!;
        Assert.Equal("grpo_basic (Qwen/Qwen2.5-7B-Instruct, 32 GPUs)", json["left"]!["label"]!.GetValue<string>());
        Assert.Equal("grpo_basic (72B, 32 GPUs)", json["right"]!["label"]!.GetValue<string>());
    }

    [Fact]
    public void Diff_has_help()
    {
        var r = CliRun.InProcess(Repo.Examples, "diff", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--fail-on <critical|important|minor>", r.Out);
    }
}

/// <summary><c>REV:PATH</c> operands against a real git repository, with the built tool as a separate process.</summary>
public sealed class DiffGitEndToEndTests : IDisposable
{
    private readonly TempDir _repo = new();

    public DiffGitEndToEndTests()
    {
        Git("init", "-q");
        _repo.Write("recipes/x.yaml", Recipe("1.0e-6", 64, 0.001));
        Git("add", ".");
        Git("commit", "-q", "-m", "first");
        _repo.Write("recipes/x.yaml", Recipe("1.0e-6", 128, 0.001));
        Git("commit", "-q", "-a", "-m", "second");
        _repo.Write("recipes/x.yaml", Recipe("0.000002", 128, 0.001));
    }

    [Fact]
    public void A_file_at_an_older_revision_compares_with_the_working_copy()
    {
        var r = CliRun.Process(_repo.Path, null, "diff", "HEAD~1:recipes/x.yaml", "recipes/x.yaml");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("""
            HEAD~1:recipes/x.yaml → recipes/x.yaml

            critical (1)
              config.optimizer.learning_rate: 1.0e-06 → 2.0e-06 (+0.3 orders of magnitude)

            important (1)
              config.batch.mini_batch_size: 64 → 128 (×2)

            2 changes: 1 critical, 1 important, 0 minor.

            """.ReplaceLineEndings("\n"), r.Out);

        var committed = CliRun.Process(_repo.Path, null, "diff", "HEAD~1:recipes/x.yaml", "HEAD:recipes/x.yaml", "--fail-on", "important");
        Assert.True(committed.ExitCode == 1, committed.ToString());
        Assert.Contains("config.batch.mini_batch_size: 64 → 128", committed.Out);
        Assert.DoesNotContain("learning_rate", committed.Out);
    }

    [Fact]
    public void Rev_path_follows_git_from_the_repository_root_and_dot_slash_from_the_current_folder()
    {
        var here = Path.Combine(_repo.Path, "recipes");
        var root = CliRun.Process(here, null, "diff", "HEAD:recipes/x.yaml", "x.yaml", "--format", "json");
        Assert.True(root.ExitCode == 0, root.ToString());
        Assert.Single(JsonNode.Parse(root.Out)!["changes"]!.AsArray());
        var dot = CliRun.Process(here, null, "diff", "HEAD:./x.yaml", "x.yaml", "--format", "json");
        Assert.True(dot.ExitCode == 0, dot.ToString());
        Assert.Equal(root.Out.Replace("HEAD:recipes/x.yaml", "HEAD:./x.yaml", StringComparison.Ordinal), dot.Out);

        // As in `git show HEAD:x.yaml`: without ./ the path is from the root, where there is no x.yaml.
        var bare = CliRun.Process(here, null, "diff", "HEAD:x.yaml", "x.yaml");
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("cannot read HEAD:x.yaml from git", bare.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_revision_exits_2_with_gits_reason()
    {
        var r = CliRun.Process(_repo.Path, null, "diff", "no-such-branch:recipes/x.yaml", "recipes/x.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains("trainplat: error: cannot read no-such-branch:recipes/x.yaml from git: invalid object name 'no-such-branch'", r.Error);
        Assert.Contains("hint: check the revision 'no-such-branch'", r.Error);
        Assert.DoesNotContain("   at ", r.Error);
    }

    [Fact]
    public void A_path_missing_at_the_revision_exits_2()
    {
        var r = CliRun.Process(_repo.Path, null, "diff", "HEAD:recipes/y.yaml", "recipes/x.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("path 'recipes/y.yaml' does not exist in 'HEAD'", r.Error);
    }

    [Fact]
    public void A_path_outside_the_repository_exits_2()
    {
        var r = CliRun.Process(_repo.Path, null, "diff", "HEAD:../outside.yaml", "recipes/x.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("trainplat: error: ../outside.yaml in HEAD:../outside.yaml is outside the git repository", r.Error);
    }

    [Fact]
    public void Outside_any_repository_rev_path_exits_2()
    {
        using var plain = new TempDir();
        plain.Write("x.yaml", "a: 1\n");
        var r = CliRun.Process(plain.Path, new Dictionary<string, string> { ["GIT_CEILING_DIRECTORIES"] = Path.GetDirectoryName(plain.Path)! },
            "diff", "HEAD:x.yaml", "x.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not a git repository", r.Error);
    }

    public void Dispose() => _repo.Dispose();

    private static string Recipe(string learningRate, int batch, double kl) => $"""
        apiVersion: trainplat/v1
        id: x
        version: 1.0.0
        task: rlhf
        algorithm: grpo
        description: A test recipe.
        source: Tests.
        config:
          optimizer:
            learning_rate: {learningRate}
          batch:
            mini_batch_size: {batch}
          rl:
            kl_coef: {kl.ToString(System.Globalization.CultureInfo.InvariantCulture)}
        """;

    private void Git(params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = _repo.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["-c", "user.name=trainplat tests", "-c", "user.email=tests@trainplat.invalid", "-c", "commit.gpgsign=false", .. args])
        {
            start.ArgumentList.Add(a);
        }

        var r = CliRun.Exec(start, TimeSpan.FromMinutes(1));
        Assert.True(r.ExitCode == 0, $"git {string.Join(' ', args)}: {r}");
    }
}
