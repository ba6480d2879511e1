using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed class ImportTrlCommandTests
{
    private const string Dpo = """
        model_name_or_path: Qwen/Qwen2.5-7B-Instruct
        learning_rate: 5.0e-7
        beta: 0.1
        loss_type: [sigmoid]
        per_device_train_batch_size: 2
        gradient_accumulation_steps: 8
        num_processes: 8
        precompute_ref_log_probs: true
        """;

    [Fact]
    public void Writes_a_recipe_that_validates_and_renders_and_warns_per_unmapped_field()
    {
        using var dir = new TempDir();
        dir.Write("launch/dpo-run.yaml", Dpo);
        var r = CliRun.InProcess(dir.Path, "import", "trl", "launch/dpo-run.yaml", "--trainer", "dpo", "-o", "dpo_run.yaml");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith("wrote dpo_run.yaml: recipe dpo_run", r.Out, StringComparison.Ordinal);
        Assert.Contains("launch/dpo-run.yaml:8:1: warning TP0510", r.Error, StringComparison.Ordinal);
        Assert.Contains("precompute_ref_log_probs has no trainplat key; kept as extra.trl.precompute_ref_log_probs", r.Error, StringComparison.Ordinal);

        var validate = CliRun.InProcess(dir.Path, "validate", "dpo_run.yaml");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        var render = CliRun.InProcess(dir.Path, "render", "dpo_run.yaml", "--model-size", "7B");
        Assert.True(render.ExitCode == 0, render.ToString());
        Assert.Contains("global_batch_size: 128", render.Out, StringComparison.Ordinal);
        Assert.Contains("learning_rate: 5.0e-07", render.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_to_overwrite_without_force()
    {
        using var dir = new TempDir();
        dir.Write("dpo.yaml", Dpo);
        dir.Write("out.yaml", "keep me\n");
        var r = CliRun.InProcess(dir.Path, "import", "trl", "dpo.yaml", "--trainer", "dpo", "-o", "out.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("trainplat: error: out.yaml already exists", r.Error, StringComparison.Ordinal);
        Assert.Contains("hint: pass --force", r.Error, StringComparison.Ordinal);
        Assert.Equal("keep me\n", File.ReadAllText(Path.Combine(dir.Path, "out.yaml")));

        var forced = CliRun.InProcess(dir.Path, "import", "trl", "dpo.yaml", "--trainer", "dpo", "-o", "out.yaml", "--force");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("algorithm: dpo", File.ReadAllText(Path.Combine(dir.Path, "out.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Writes_into_the_recipes_folder_by_default_and_never_onto_its_input()
    {
        using var dir = new TempDir();
        dir.Write("dpo.yaml", Dpo);
        var r = CliRun.InProcess(dir.Path, "import", "trl", "dpo.yaml", "--trainer", "dpo", "--id", "my_dpo");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(Path.Combine(dir.Path, "recipes", "my_dpo.yaml")), r.ToString());

        var self = CliRun.InProcess(dir.Path, "import", "trl", "dpo.yaml", "--trainer", "dpo", "-o", "dpo.yaml", "--force");
        Assert.Equal(2, self.ExitCode);
        Assert.Contains("would overwrite the TRL config dpo.yaml", self.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_yaml_error_exits_2_with_file_line_and_column()
    {
        using var dir = new TempDir();
        dir.Write("bad.yaml", "learning_rate: 1.0e-5\nbeta: [0.1\n");
        var r = CliRun.InProcess(dir.Path, "import", "trl", "bad.yaml", "--trainer", "dpo", "-o", "x.yaml");
        Assert.Equal(2, r.ExitCode);
        Assert.Matches(@"bad\.yaml:\d+:\d+: error TP0001", r.Error);
        Assert.Contains("trainplat: error: bad.yaml is not valid YAML", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "x.yaml")));
    }

    [Fact]
    public void An_unknown_trainer_is_a_usage_error()
    {
        using var dir = new TempDir();
        dir.Write("a.yaml", Dpo);
        var r = CliRun.InProcess(dir.Path, "import", "trl", "a.yaml", "--trainer", "ppo");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("ppo", r.Error, StringComparison.Ordinal);
    }
}
