using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Frameworks;

namespace TrainingPlatform.Core.Tests.Frameworks;

public sealed class LaunchScriptTests
{
    private static string Value(LaunchFile file, string key) =>
        file.Overrides.Single(o => o.Key == key).Value?.ToJsonString() ?? "null";

    [Fact]
    public void A_script_joins_continuations_expands_variables_and_drops_the_pass_through_arguments()
    {
        const string script = """
            set -x
            export VLLM_USE_V1=1
            train=/data/gsm8k/train.parquet
            rollout_n=${ROLLOUT_N:-5}
            files="['$train', '${train}']"

            python3 -m verl.trainer.main_ppo --config-path=config \
                --config-name='ppo_megatron_trainer.yaml'\
                algorithm.adv_estimator=grpo \
                data.train_files="$files" \
                actor_rollout_ref.rollout.n=$rollout_n \
                trainer.logger='["console","wandb"]' \
                actor_rollout_ref.actor.optim.lr=1e-6 $@
                # actor_rollout_ref.actor.ppo_mini_batch_size=256 \
            """;

        var file = LaunchScript.Parse(script, "run.sh");

        Assert.Equal(LaunchFileKind.Script, file.Kind);
        Assert.Equal("verl.trainer.main_ppo", file.EntryPoint);
        Assert.Equal("ppo_megatron_trainer.yaml", file.ConfigName);
        Assert.True(file.IsMegatron);
        Assert.Equal(
            ["algorithm.adv_estimator", "data.train_files", "actor_rollout_ref.rollout.n", "trainer.logger", "actor_rollout_ref.actor.optim.lr"],
            file.Overrides.Select(o => o.Key));
        Assert.Equal("""["/data/gsm8k/train.parquet","/data/gsm8k/train.parquet"]""", Value(file, "data.train_files"));
        Assert.Equal("5", Value(file, "actor_rollout_ref.rollout.n"));
        Assert.Equal("""["console","wandb"]""", Value(file, "trainer.logger"));
        Assert.Equal(1e-6, file.Overrides.Single(o => o.Key == "actor_rollout_ref.actor.optim.lr").Value!.GetValue<double>());
        Assert.Equal([9, 10, 11, 12, 13], file.Overrides.Select(o => o.Line));
        Assert.Empty(file.Warnings);
    }

    [Fact]
    public void What_the_shell_computes_at_run_time_stays_a_placeholder_with_a_warning_naming_the_line()
    {
        const string script = """
            nodes=$(scontrol show hostnames | wc -l)
            python3 -m verl.trainer.main_ppo \
                data.train_files=$HOME/data/train.parquet \
                trainer.nnodes=$nodes \
                trainer.n_gpus_per_node=$((4 * GPUS)) \
                trainer.project_name=`whoami`
            """;

        var file = LaunchScript.Parse(script, "launch.sh");

        Assert.Equal("\"$HOME/data/train.parquet\"", Value(file, "data.train_files"));
        Assert.Equal("\"$(scontrol show hostnames | wc -l)\"", Value(file, "trainer.nnodes"));
        Assert.Equal("\"$((4 * GPUS))\"", Value(file, "trainer.n_gpus_per_node"));
        Assert.Equal("`whoami`", file.Overrides.Single(o => o.Key == "trainer.project_name").Value!.GetValue<string>());
        Assert.All(file.Warnings, w => Assert.Equal(DiagnosticCodes.ImportUnresolved, w.Code));
        Assert.All(file.Warnings, w => Assert.Equal("launch.sh", w.File));
        Assert.Equal([1, 3, 5, 6], file.Warnings.Select(w => w.Line));
        Assert.Contains("$HOME is not set in the script", file.Warnings[1].Message, StringComparison.Ordinal);
        Assert.Contains("arithmetic", file.Warnings[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Integer_arithmetic_over_the_script_s_variables_is_evaluated()
    {
        const string script = """
            max_prompt_length=$((1024 * 2))
            max_response_length=$((1024 * 20))
            train_prompt_bsz=512
            gen_prompt_bsz=$((train_prompt_bsz * 3))
            python3 -m recipe.dapo.main_dapo \
                data.gen_batch_size=${gen_prompt_bsz} \
                actor_rollout_ref.actor.ppo_max_token_len_per_gpu=$(((max_prompt_length + max_response_length) / 2)) \
                reward_model.overlong_buffer.len=$(( 1024*4 - -1 % 3 ))
            """;

        var file = LaunchScript.Parse(script, "dapo.sh");

        Assert.Equal(["1536", "11264", "4097"], file.Overrides.Select(o => o.Value!.ToJsonString()));
        Assert.Empty(file.Warnings);
    }

    [Fact]
    public void Defaults_in_expansions_use_the_variable_when_it_is_set()
    {
        const string script = """
            LR=3e-6
            python3 -m recipe.dapo.main_dapo actor_rollout_ref.actor.optim.lr=${LR:-1e-6} data.gen_batch_size=${GEN:-${LR}}
            """;

        var file = LaunchScript.Parse(script, "dapo.sh");

        Assert.Equal("recipe.dapo.main_dapo", file.EntryPoint);
        Assert.Equal(3e-6, file.Overrides[0].Value!.GetValue<double>());
        Assert.Equal(3e-6, file.Overrides[1].Value!.GetValue<double>());
        Assert.Empty(file.Warnings);
    }

    [Fact]
    public void Hydra_overrides_yaml_of_a_run_is_read_with_its_lines()
    {
        const string yaml = """
            - algorithm.adv_estimator=grpo
            - data.train_batch_size=1024
            - +actor_rollout_ref.actor.extra_flag=true
            - '~trainer.val_before_train'
            - "trainer.logger=['console','wandb']"
            """;

        var file = LaunchScript.Parse(yaml, "overrides.yaml");

        Assert.Equal(LaunchFileKind.HydraOverridesYaml, file.Kind);
        Assert.Equal(5, file.Overrides.Count);
        Assert.Equal(OverrideOperation.Add, file.Overrides[2].Operation);
        Assert.Equal(OverrideOperation.Delete, file.Overrides[3].Operation);
        Assert.Equal("trainer.val_before_train", file.Overrides[3].Key);
        Assert.Equal("""["console","wandb"]""", Value(file, "trainer.logger"));
        Assert.Equal([1, 2, 3, 4, 5], file.Overrides.Select(o => o.Line));
    }

    [Fact]
    public void A_plain_overrides_file_has_one_override_per_line_and_reports_a_line_that_is_none()
    {
        const string text = """
            # exported by trainplat
            data.train_batch_size=1024
            ++trainer.extra=null
            this is not an override
            """;

        var file = LaunchScript.Parse(text, "run.overrides");

        Assert.Equal(LaunchFileKind.OverridesFile, file.Kind);
        Assert.Equal(2, file.Overrides.Count);
        Assert.Equal(OverrideOperation.ForceAdd, file.Overrides[1].Operation);
        Assert.Null(file.Overrides[1].Value);
        var warning = Assert.Single(file.Warnings);
        Assert.Equal((DiagnosticCodes.ImportNotAnOverride, 4), (warning.Code, warning.Line));
    }

    [Theory]
    [InlineData("null", "null")]
    [InlineData("True", "true")]
    [InlineData("FALSE", "false")]
    [InlineData("42", "42")]
    [InlineData("-3", "-3")]
    [InlineData("1e-6", "1E-06")]
    [InlineData("0.6", "0.6")]
    [InlineData("'error'", "\"error\"")]
    [InlineData("\"a b\"", "\"a b\"")]
    [InlineData("low_var_kl", "\"low_var_kl\"")]
    [InlineData("Qwen/Qwen2-7B-Instruct", "\"Qwen/Qwen2-7B-Instruct\"")]
    [InlineData("[a, 'b c', 3]", "[\"a\",\"b c\",3]")]
    [InlineData("[]", "[]")]
    [InlineData("{type: fixed, kl_coef: 0.001}", "{\"type\":\"fixed\",\"kl_coef\":0.001}")]
    [InlineData("${oc.env:HOME}/x", "\"${oc.env:HOME}/x\"")]
    [InlineData("inf", "\"inf\"")]
    public void Hydra_values_parse_to_their_types(string text, string json) =>
        Assert.Equal(json, HydraValueParser.Parse(text)?.ToJsonString() ?? "null");

    [Fact]
    public void Floats_keep_their_value() =>
        Assert.Equal(1e-6, ((JsonValue)HydraValueParser.Parse("1e-6")!).GetValue<double>());
}
