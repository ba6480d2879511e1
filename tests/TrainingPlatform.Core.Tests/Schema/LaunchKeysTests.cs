using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Validation;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Tests.Schema;

/// <summary>The launch keys of issue 14 (model.path, data files, reward function, kl_ctrl, logger, ...).</summary>
public sealed class LaunchKeysTests
{
    private const string Head = """
        apiVersion: trainplat/v1
        id: launch
        version: 1.0.0
        task: rlhf
        algorithm: ppo
        description: launch keys
        source: test
        config:
        """ + "\n";

    private static IReadOnlyList<TrainingPlatform.Core.Diagnostics.Diagnostic> Validate(string config)
    {
        var doc = RecipeDocument.Parse(Head + config, "launch.yaml");
        return RecipeValidator.ValidateRecipe(doc, RecipeRegistry.BuiltInOnly()).Where(d => d.IsError).ToArray();
    }

    [Theory]
    [InlineData("model.path", "string")]
    [InlineData("model.use_remove_padding", "boolean")]
    [InlineData("data.train_files", "array")]
    [InlineData("data.val_files", "array")]
    [InlineData("data.prompt_key", "string")]
    [InlineData("data.filter_overlong_prompts", "boolean")]
    [InlineData("rl.reward_function", "object")]
    [InlineData("rl.reward_model", "string")]
    [InlineData("rl.log_prob_micro_batch_size_per_gpu", "integer")]
    [InlineData("rl.critic_micro_batch_size_per_gpu", "integer")]
    [InlineData("rl.clip_ratio_c", "number")]
    [InlineData("rl.kl_ctrl", "object")]
    [InlineData("rl.norm_adv_by_std", "boolean")]
    [InlineData("parallelism.ref_param_offload", "boolean")]
    [InlineData("parallelism.fsdp_size", "integer")]
    [InlineData("trainer.output_dir", "string")]
    [InlineData("trainer.logger", "array")]
    [InlineData("trainer.project_name", "string")]
    [InlineData("trainer.experiment_name", "string")]
    [InlineData("trainer.critic_warmup", "integer")]
    public void Every_contract_key_is_in_the_schema_with_its_type(string path, string type)
    {
        var key = RecipeSchema.Current.Find(path);
        Assert.NotNull(key);
        Assert.Equal([type], key.Types);
        Assert.Contains("verl", key.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recipe_with_every_launch_key_validates()
    {
        var errors = Validate("""
              model:
                path: Qwen/Qwen2.5-7B-Instruct
                use_remove_padding: true
              data:
                train_files: [$HOME/data/gsm8k/train.parquet]
                val_files: []
                prompt_key: prompt
                filter_overlong_prompts: true
              rl:
                reward_function: {path: reward.py}
                reward_model: my/rm
                log_prob_micro_batch_size_per_gpu: 16
                critic_micro_batch_size_per_gpu: 8
                clip_ratio_c: 3.0
                kl_ctrl: {type: adaptive, target_kl: 0.1, horizon: 10000}
                norm_adv_by_std: false
              parallelism:
                ref_param_offload: true
                fsdp_size: -1
              trainer:
                output_dir: checkpoints/run1
                logger: [console, wandb, tensorboard, mlflow, swanlab]
                project_name: p
                experiment_name: e
                critic_warmup: 0
            """);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("  rl:\n    kl_ctrl: {type: adaptve}\n", "TP0103", "config.rl.kl_ctrl.type 'adaptve' is not one of: fixed, adaptive", 10, 21)]
    [InlineData("  rl:\n    kl_ctrl:\n      type: fixed\n      target_kl: 0\n", "TP0104", "config.rl.kl_ctrl.target_kl is 0, but it must be greater than 0", 12, 18)]
    [InlineData("  rl:\n    kl_ctrl: {target_kl: 0.1}\n", "TP0101", "config.rl.kl_ctrl is missing required key 'type'", 10, 5)]
    [InlineData("  rl:\n    reward_function:\n      path: r.py\n      nme: f\n", "TP0100", "unknown key 'nme' in config.rl.reward_function", 12, 7)]
    [InlineData("  rl:\n    reward_function: r.py\n", "TP0102", "config.rl.reward_function must be a mapping, not text 'r.py'", 10, 22)]
    [InlineData("  rl:\n    clip_ratio_c: 1\n", "TP0104", "config.rl.clip_ratio_c is 1, but it must be greater than 1", 10, 19)]
    [InlineData("  parallelism:\n    fsdp_size: -2\n", "TP0104", "config.parallelism.fsdp_size is -2, but it must be -1 (all GPUs) or at least 1", 10, 16)]
    [InlineData("  trainer:\n    logger: [console, wandb, wandb]\n", "TP0107", "config.trainer.logger lists a value twice", 10, 13)]
    [InlineData("  trainer:\n    logger: [neptune]\n", "TP0103", "config.trainer.logger[0] 'neptune' is not one of: console, wandb, tensorboard, mlflow, swanlab", 10, 14)]
    [InlineData("  data:\n    train_files: []\n", "TP0107", "config.data.train_files is empty", 10, 18)]
    [InlineData("  data:\n    train_files: a.parquet\n", "TP0102", "config.data.train_files must be a list, not text 'a.parquet'", 10, 18)]
    [InlineData("  trainer:\n    critic_warmup: -1\n", "TP0104", "config.trainer.critic_warmup is -1, but it must be at least 0", 10, 20)]
    public void A_bad_launch_value_is_an_error_at_its_line_and_column(string config, string code, string message, int line, int column)
    {
        var errors = Validate(config);
        var error = Assert.Single(errors);
        Assert.Equal(code, error.Code);
        Assert.Equal(message, error.Message);
        Assert.Equal((line, column), (error.Line, error.Column));
    }

    [Fact]
    public void An_unknown_key_inside_reward_function_suggests_the_near_one()
    {
        var error = Assert.Single(Validate("  rl:\n    reward_function: {path: r.py, nmae: f}\n"));
        Assert.Equal("did you mean 'name'?", error.Hint);
    }

    [Fact]
    public void A_scaling_rule_setting_a_bad_member_points_at_the_member()
    {
        var errors = Validate("""
              rl:
                kl_ctrl: {type: fixed}
            scaling:
              - name: big
                when: {min_params: 30B}
                set:
                  rl.kl_ctrl: {type: adaptive, horizon: 0}
            """);
        var error = Assert.Single(errors);
        Assert.Equal("scaling rule 'big' sets rl.kl_ctrl.horizon to 0, but it must be at least 1", error.Message);
        Assert.Equal((15, 45), (error.Line, error.Column));
    }

    [Fact]
    public void Values_by_dotted_path_report_problems_inside_objects_and_lists()
    {
        var problems = RecipeSchema.Current.CheckValues([
            new("rl.kl_ctrl", JsonNode.Parse("""{"type":"fixed","nme":1}""")),
            new("rl.reward_function", JsonNode.Parse("""{"name":"f"}""")),
            new("trainer.logger", JsonNode.Parse("""["console","neptune"]""")),
            new("parallelism.fsdp_size", JsonValue.Create(-2)),
        ]);
        Assert.Equal(
            [
                "parallelism.fsdp_size must be -1 (all GPUs) or at least 1",
                "rl.kl_ctrl.nme is not a key of rl.kl_ctrl; its keys are type, target_kl, horizon",
                "rl.reward_function needs 'path'",
                "trainer.logger[1] must be one of: console, wandb, tensorboard, mlflow, swanlab",
            ],
            problems.Select(p => p.Path + " " + p.Problem));
    }

    [Fact]
    public void A_change_inside_an_object_value_is_reported_at_the_member_with_the_key_severity()
    {
        var left = JsonNode.Parse("""{"rl":{"kl_ctrl":{"type":"adaptive","target_kl":0.1}}}""");
        var right = JsonNode.Parse("""{"rl":{"kl_ctrl":{"type":"adaptive","target_kl":0.05}}}""");
        var change = Assert.Single(ConfigDiff.Compare(left, right));
        Assert.Equal("rl.kl_ctrl.target_kl", change.Path);
        Assert.Equal(Importance.Important, change.Severity);

        var recipeLeft = YamlTreeReader.Parse(Head + "  rl:\n    reward_function: {path: a.py}\n", "a").Root;
        var recipeRight = YamlTreeReader.Parse(Head + "  rl:\n    reward_function: {path: b.py}\n", "b").Root;
        var recipeChange = Assert.Single(ConfigDiff.Compare(recipeLeft, recipeRight, trainplatLayout: true));
        Assert.Equal("config.rl.reward_function.path", recipeChange.Path);
        Assert.Equal(Importance.Critical, recipeChange.Severity);
    }
}
