using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>`trainplat import verl` (issue 14): a launch script in, a recipe out that validates and renders.</summary>
public sealed class ImportCommandTests
{
    private const string Script = """
        set -x
        lr=1e-6
        python3 -m verl.trainer.main_ppo \
            algorithm.adv_estimator=grpo \
            data.train_files=/data/gsm8k/train.parquet \
            data.train_batch_size=1024 \
            actor_rollout_ref.model.path=Qwen/Qwen2.5-7B-Instruct \
            actor_rollout_ref.actor.optim.lr=$lr \
            actor_rollout_ref.actor.ppo_mini_batch_size=256 \
            actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=16 \
            actor_rollout_ref.rollout.n=5 \
            actor_rollout_ref.rollout.tensor_model_parallel_size=2 \
            actor_rollout_ref.rollout.load_format=safetensors \
            trainer.project_name=$PROJECT \
            trainer.n_gpus_per_node=8 \
            +trainer.my_flag=1 \
            trainer.nnodes=1 $@
        """;

    [Fact]
    public void A_script_imports_to_a_recipe_file_that_validates_and_renders()
    {
        using var dir = new TempDir();
        dir.Write("launch.sh", Script);

        var r = CliRun.InProcess(dir.Path, "import", "verl", "launch.sh", "--id", "my_grpo", "-o", "my_grpo.yaml");

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.StartsWith("wrote my_grpo.yaml: recipe my_grpo", r.Out, StringComparison.Ordinal);
        var recipe = File.ReadAllText(Path.Combine(dir.Path, "my_grpo.yaml"));
        Assert.Contains("id: my_grpo\n", recipe, StringComparison.Ordinal);
        Assert.Contains("source: \"launch.sh (verl ", recipe, StringComparison.Ordinal);
        Assert.Contains("    actor_rollout_ref.rollout.load_format: safetensors\n", recipe, StringComparison.Ordinal);
        Assert.Contains("launch.sh:13:1: warning TP0612: actor_rollout_ref.rollout.load_format has no trainplat key; kept under extra.verl as written", r.Error, StringComparison.Ordinal);
        Assert.Contains("launch.sh:14:1: warning TP0610: $PROJECT is not set in the script", r.Error, StringComparison.Ordinal);
        Assert.Contains("trainplat: note: render it with `trainplat render my_grpo --model Qwen/Qwen2.5-7B-Instruct`", r.Error, StringComparison.Ordinal);

        var validate = CliRun.InProcess(dir.Path, "validate", "my_grpo.yaml");
        Assert.True(validate.ExitCode == ExitCodes.Ok, validate.ToString());
        var render = CliRun.InProcess(dir.Path, "render", "my_grpo.yaml", "--model", "Qwen/Qwen2.5-7B-Instruct");
        Assert.True(render.ExitCode == ExitCodes.Ok, render.ToString());
        Assert.Contains("learning_rate: 1.0e-06", render.Out, StringComparison.Ordinal);
        Assert.Contains("    \"+trainer.my_flag\": 1\n", recipe, StringComparison.Ordinal);
        var export = CliRun.InProcess(dir.Path, "export", "my_grpo.yaml", "--to", "verl", "--model", "Qwen/Qwen2.5-7B-Instruct");
        Assert.True(export.ExitCode == ExitCodes.Ok, export.ToString());
        Assert.Contains("\n+trainer.my_flag=1\n", export.Out, StringComparison.Ordinal);
        Assert.Contains("\nactor_rollout_ref.rollout.load_format=safetensors\n", export.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_o_the_recipe_goes_to_the_recipes_folder_with_an_id_from_the_file_name_and_is_not_replaced_without_force()
    {
        using var dir = new TempDir();
        dir.Write("run-Qwen2.5-7b.overrides", "algorithm.adv_estimator=grpo\nactor_rollout_ref.rollout.n=8\n");

        var r = CliRun.InProcess(dir.Path, "import", "verl", "run-Qwen2.5-7b.overrides");

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.StartsWith("wrote recipes/run_qwen2_5_7b.yaml: recipe run_qwen2_5_7b", r.Out, StringComparison.Ordinal);
        var recipe = File.ReadAllText(Path.Combine(dir.Path, "recipes", "run_qwen2_5_7b.yaml"));
        Assert.Contains("    rollout_n: 8\n", recipe, StringComparison.Ordinal);

        var again = CliRun.InProcess(dir.Path, "import", "verl", "run-Qwen2.5-7b.overrides");
        Assert.Equal(ExitCodes.UsageError, again.ExitCode);
        Assert.StartsWith("trainplat: error: recipes/run_qwen2_5_7b.yaml already exists\n", again.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, CliRun.InProcess(dir.Path, "import", "verl", "run-Qwen2.5-7b.overrides", "--force").ExitCode);
    }

    [Fact]
    public void A_run_s_hydra_overrides_yaml_is_named_after_the_run_folder()
    {
        using var dir = new TempDir();
        dir.Write("outputs/grpo_run_1/.hydra/overrides.yaml", "- algorithm.adv_estimator=grpo\n- actor_rollout_ref.rollout.n=8\n");

        var r = CliRun.InProcess(dir.Path, "import", "verl", "outputs/grpo_run_1/.hydra/overrides.yaml", "-o", "imported.yaml");

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("id: grpo_run_1\n", File.ReadAllText(Path.Combine(dir.Path, "imported.yaml")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_output_never_overwrites_the_imported_file()
    {
        using var dir = new TempDir();
        var path = dir.Write("launch.sh", Script);

        var r = CliRun.InProcess(dir.Path, "import", "verl", "launch.sh", "-o", "launch.sh");

        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Equal("trainplat: error: -o launch.sh would overwrite the imported file launch.sh, which `trainplat import verl` reads\n  hint: write the output to another file\n", r.Error);
        Assert.Equal(Script, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("missing.sh", "trainplat: error: missing.sh: no such file")]
    [InlineData("empty.sh", "trainplat: error: empty.sh sets no verl keys")]
    public void A_file_with_nothing_to_import_is_a_usage_error(string file, string message)
    {
        using var dir = new TempDir();
        dir.Write("empty.sh", "set -x\necho hello\n");

        var r = CliRun.InProcess(dir.Path, "import", "verl", file);

        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.StartsWith(message + "\n  hint: ", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_default_id_never_shadows_a_built_in_recipe()
    {
        using var dir = new TempDir();
        dir.Write("ppo.sh", Script);

        var r = CliRun.InProcess(dir.Path, "import", "verl", "ppo.sh");

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.StartsWith("wrote recipes/ppo_imported.yaml: recipe ppo_imported", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_id_is_refused()
    {
        using var dir = new TempDir();
        dir.Write("launch.sh", Script);

        var r = CliRun.InProcess(dir.Path, "import", "verl", "launch.sh", "--id", "My-Recipe");

        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("trainplat: error: 'My-Recipe' is not a recipe id", r.Error, StringComparison.Ordinal);
    }
}
