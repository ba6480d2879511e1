using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Frameworks;

namespace TrainingPlatform.Core.Tests.Frameworks;

public sealed class VerlMappingTests
{
    public static TheoryData<string, bool, bool, bool> Variants()
    {
        var data = new TheoryData<string, bool, bool, bool>();
        foreach (var release in new[] { "0.7.0", "0.9.0" })
        {
            foreach (var megatron in new[] { false, true })
            {
                foreach (var critic in new[] { false, true })
                {
                    foreach (var dapo in new[] { false, true })
                    {
                        data.Add(release, megatron, critic, dapo);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_key_the_table_names_is_in_that_releases_tree(string release, bool megatron, bool critic, bool dapo)
    {
        var variant = new VerlVariant(release, megatron, dapo, critic);
        foreach (var mapping in VerlMappings.Table)
        {
            foreach (var key in mapping.Keys(variant).Where(k => !k.StartsWith('+')))
            {
                Assert.True(variant.Tree.Contains(key), $"{string.Join(", ", mapping.Trainplat)} → {key} is not in {variant.Tree.Name}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_entry_goes_forward_and_back_to_the_same_values(string release, bool megatron, bool critic, bool dapo)
    {
        var variant = new VerlVariant(release, megatron, dapo, critic);
        var sample = Sample(megatron);
        JsonNode? Get(string key) => sample.GetValueOrDefault(key);

        var verl = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var emitting = new List<VerlMapping>();
        foreach (var mapping in VerlMappings.Table)
        {
            Assert.All(mapping.Trainplat, key => Assert.True(sample.ContainsKey(key), $"the sample lacks {key}"));
            if (mapping.Forward(Get, variant) is VerlForward.Emit emit)
            {
                Assert.NotEmpty(emit.Keys);
                Assert.All(emit.Keys, k => Assert.Contains(k.Key, mapping.Keys(variant)));
                foreach (var (key, value) in emit.Keys)
                {
                    verl[VerlMappings.Bare(key)] = value;
                }

                emitting.Add(mapping);
            }
        }

        Assert.True(emitting.Count > 50, $"only {emitting.Count} entries emitted");
        foreach (var mapping in emitting)
        {
            var back = mapping.Reverse(k => verl.GetValueOrDefault(k), variant);
            Assert.True(back.ContainsKey(mapping.Trainplat[0]), $"{mapping.Trainplat[0]} does not come back from {string.Join(", ", mapping.Keys(variant))}");
            foreach (var (key, value) in back)
            {
                Assert.True(Same(sample[key], value), $"{key}: {sample[key]?.ToJsonString()} → {value?.ToJsonString()} in {variant}");
            }
        }
    }

    [Fact]
    public void Kl_coef_goes_to_the_kl_loss_or_to_the_reward_penalty_by_use_kl_loss()
    {
        var variant = new VerlVariant("0.9.0", false, false, false);
        var entry = Entry("rl.kl_coef");
        var loss = Keys(entry.Forward(Values(("rl.kl_coef", 0.001), ("rl.use_kl_loss", true)), variant));
        var reward = Keys(entry.Forward(Values(("rl.kl_coef", 0.002), ("rl.use_kl_loss", false)), variant));
        Assert.Equal(["actor_rollout_ref.actor.kl_loss_coef=0.001"], loss);
        Assert.Equal(["algorithm.kl_ctrl.kl_coef=0.002"], reward);
        var back = entry.Reverse(Values(("actor_rollout_ref.actor.use_kl_loss", false), ("algorithm.kl_ctrl.kl_coef", 0.002), ("actor_rollout_ref.actor.kl_loss_coef", 0.5)), variant);
        Assert.Equal(0.002, back["rl.kl_coef"]!.GetValue<double>());
    }

    [Fact]
    public void The_minimum_learning_rate_is_a_ratio_on_fsdp_and_absolute_on_megatron()
    {
        var entry = Entry("optimizer.min_learning_rate");
        var get = Values(("optimizer.min_learning_rate", 1e-7), ("optimizer.learning_rate", 1e-6));
        Assert.Equal(["actor_rollout_ref.actor.optim.min_lr_ratio=0.1"], Keys(entry.Forward(get, new VerlVariant("0.7.0", false, false, false))));
        Assert.Equal(["actor_rollout_ref.actor.optim.min_lr=1.0e-07"], Keys(entry.Forward(get, new VerlVariant("0.7.0", true, false, false))));
    }

    [Fact]
    public void Offload_goes_to_actor_and_critic_where_the_release_keeps_the_critics_key()
    {
        var entry = Entry("parallelism.param_offload");
        var get = Values(("parallelism.param_offload", true));
        Assert.Equal(["actor_rollout_ref.actor.fsdp_config.param_offload=True", "critic.model.fsdp_config.param_offload=True"],
            Keys(entry.Forward(get, new VerlVariant("0.7.0", false, false, true))));
        Assert.Equal(["actor_rollout_ref.actor.fsdp_config.param_offload=True", "critic.fsdp.param_offload=True"],
            Keys(entry.Forward(get, new VerlVariant("0.9.0", false, false, true))));
        Assert.Equal(["actor_rollout_ref.actor.megatron.param_offload=True"], Keys(entry.Forward(get, new VerlVariant("0.9.0", true, false, false))));
    }

    [Fact]
    public void Dapo_overlong_buffer_uses_the_entry_points_keys_at_0_7_and_reward_kwargs_at_0_9()
    {
        var entry = Entry("rl.overlong_buffer_length");
        var get = Values(("rl.overlong_buffer_length", 4096), ("data.max_response_length", 20480));
        Assert.Equal(["reward_model.overlong_buffer.enable=True", "reward_model.overlong_buffer.len=4096"],
            Keys(entry.Forward(get, new VerlVariant("0.7.0", false, true, false))));
        Assert.Equal(["+reward.reward_kwargs.overlong_buffer_cfg.enable=True", "+reward.reward_kwargs.overlong_buffer_cfg.len=4096", "+reward.reward_kwargs.max_resp_len=20480"],
            Keys(entry.Forward(get, new VerlVariant("0.9.0", false, true, false))));
        Assert.IsType<VerlForward.Unmapped>(entry.Forward(get, new VerlVariant("0.9.0", false, false, false)));
    }

    [Fact]
    public void Reward_keys_moved_under_reward_at_0_9()
    {
        var get = Values(("rl.reward_model", "rm/7b"));
        Assert.Equal(["reward_model.enable=True", "reward_model.model.path=rm/7b"], Keys(Entry("rl.reward_model").Forward(get, new VerlVariant("0.7.0", false, false, false))));
        Assert.Equal(["reward.reward_model.enable=True", "reward.reward_model.model_path=rm/7b"], Keys(Entry("rl.reward_model").Forward(get, new VerlVariant("0.9.0", false, false, false))));
    }

    [Fact]
    public void Strategies_verl_cannot_train_with_are_refused()
    {
        var result = Entry("parallelism.strategy").Forward(Values(("parallelism.strategy", "deepspeed_zero3")), new VerlVariant("0.9.0", false, false, false));
        Assert.Contains("FSDP or Megatron", Assert.IsType<VerlForward.Unsupported>(result).Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_describe_each_release_for_the_docs()
    {
        var old = VerlMappings.Rows("0.7.0", megatron: false);
        var current = VerlMappings.Rows("0.9.0", megatron: false);
        Assert.Equal(VerlMappings.Table.Count, old.Count);
        Assert.Contains(old, r => r.Trainplat == "rl.reward_function" && r.VerlKeys == "custom_reward_function.path, custom_reward_function.name");
        Assert.Contains(current, r => r.Trainplat == "rl.reward_function" && r.VerlKeys == "reward.custom_reward_function.path, reward.custom_reward_function.name");
        Assert.All(current, r => Assert.False(string.IsNullOrWhiteSpace(r.Conversion), r.Trainplat));
    }

    [Theory]
    [InlineData("null", null)]
    [InlineData("True", "true")]
    [InlineData("False", "false")]
    [InlineData("16", "16")]
    [InlineData("1.0e-06", "1e-06")]
    [InlineData("1.0", "1.0")]
    [InlineData("[0.9,0.999]", "[0.9,0.999]")]
    [InlineData("[console,wandb]", "[\"console\",\"wandb\"]")]
    [InlineData("token-mean", "\"token-mean\"")]
    [InlineData("'True'", "\"True\"")]
    [InlineData("'1.0'", "\"1.0\"")]
    [InlineData("'null'", "\"null\"")]
    [InlineData("'$HOME/data/train.parquet'", "\"$HOME/data/train.parquet\"")]
    [InlineData("'it\\'s here'", "\"it's here\"")]
    [InlineData("'a,b'", "\"a,b\"")]
    [InlineData("''", "\"\"")]
    [InlineData("{type:fixed,target_kl:0.1}", "{\"type\":\"fixed\",\"target_kl\":0.1}")]
    public void Hydra_values_are_written_as_verls_scripts_write_them_and_read_back(string hydra, string? json)
    {
        var value = json is null ? null : JsonNode.Parse(json);
        Assert.Equal(hydra, HydraValue.Format(value));
        Assert.True(Same(value, HydraValue.Parse(hydra)), $"{hydra} reads back as {HydraValue.Parse(hydra)?.ToJsonString()}");
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("FALSE", false)]
    [InlineData(" 1e-6 ", 1e-6)]
    [InlineData("0x10", "0x10")]
    [InlineData("${oc.env:HOME}/x", "${oc.env:HOME}/x")]
    [InlineData("\"double quoted\"", "double quoted")]
    public void Hydra_values_read_like_hydra(string text, object expected)
    {
        var value = HydraValue.Parse(text);
        Assert.True(Same(JsonValue.Create(expected), value), $"{text} → {value?.ToJsonString()}");
    }

    private static VerlMapping Entry(string trainplat) => VerlMappings.Table.Single(m => m.Trainplat[0] == trainplat);

    private static string[] Keys(VerlForward forward) =>
        [.. Assert.IsType<VerlForward.Emit>(forward).Keys.Select(k => k.Key + "=" + HydraValue.Format(k.Value))];

    private static Func<string, JsonNode?> Values(params (string Key, object Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => JsonValue.Create(v.Value) as JsonNode);
        return key => map.GetValueOrDefault(key);
    }

    private static bool Same(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (a.GetValueKind() == JsonValueKind.Number && b.GetValueKind() == JsonValueKind.Number)
        {
            var x = double.Parse(a.ToJsonString(), CultureInfo.InvariantCulture);
            var y = double.Parse(b.ToJsonString(), CultureInfo.InvariantCulture);
            return Math.Abs(x - y) <= Math.Abs(x) * 1e-12;
        }

        return a switch
        {
            JsonArray x => b is JsonArray y && x.Count == y.Count && x.Zip(y).All(p => Same(p.First, p.Second)),
            JsonObject x => b is JsonObject y && x.Count == y.Count && x.All(p => y.ContainsKey(p.Key) && Same(p.Value, y[p.Key])),
            _ => a.ToJsonString() == b.ToJsonString(),
        };
    }

    /// <summary>A value for every trainplat key the table reads, each different from verl's default where it can be.</summary>
    private static Dictionary<string, JsonNode?> Sample(bool megatron) => new(StringComparer.Ordinal)
    {
        ["model.path"] = "Qwen/Qwen2.5-7B-Instruct",
        ["model.use_remove_padding"] = false,
        ["model.gradient_checkpointing"] = false,
        ["model.trust_remote_code"] = true,
        ["model.precision"] = "fp16",
        ["model.chat_template"] = "tokenizer_default",
        ["model.quantization"] = "none",
        ["optimizer.name"] = "adamw",
        ["optimizer.learning_rate"] = 2e-6,
        ["optimizer.min_learning_rate"] = 2e-7,
        ["optimizer.weight_decay"] = 0.1,
        ["optimizer.beta1"] = 0.9,
        ["optimizer.beta2"] = 0.95,
        ["optimizer.eps"] = 1e-8,
        ["optimizer.lr_scheduler"] = "cosine",
        ["optimizer.warmup_steps"] = 10,
        ["optimizer.warmup_ratio"] = 0.05,
        ["optimizer.max_grad_norm"] = 0.5,
        ["rl.critic_learning_rate"] = 2e-5,
        ["batch.global_batch_size"] = 512,
        ["batch.mini_batch_size"] = 128,
        ["batch.micro_batch_size_per_gpu"] = 4,
        ["batch.micro_batch_size"] = 32,
        ["batch.gradient_accumulation_steps"] = 4,
        ["batch.generation_batch_size"] = 1536,
        ["batch.dynamic_batch_size"] = true,
        ["batch.max_tokens_per_gpu"] = 24576,
        ["rl.log_prob_micro_batch_size_per_gpu"] = 8,
        ["rl.critic_micro_batch_size_per_gpu"] = 16,
        ["data.train_files"] = new JsonArray("a.parquet", "b.parquet"),
        ["data.val_files"] = new JsonArray("c.parquet"),
        ["data.prompt_key"] = "question",
        ["data.max_prompt_length"] = 1024,
        ["data.max_response_length"] = 2048,
        ["data.filter_overlong_prompts"] = true,
        ["data.shuffle"] = false,
        ["data.truncation"] = "left",
        ["data.max_seq_length"] = 4096,
        ["data.packing"] = false,
        ["trainer.epochs"] = 3,
        ["trainer.max_steps"] = 100,
        ["trainer.seed"] = 7,
        ["trainer.gpus_per_node"] = 4,
        ["trainer.nodes"] = 2,
        ["trainer.total_gpus"] = 8,
        ["trainer.save_steps"] = 20,
        ["trainer.eval_steps"] = 5,
        ["trainer.logging_steps"] = 1,
        ["trainer.framework"] = "verl",
        ["trainer.output_dir"] = "checkpoints/run",
        ["trainer.logger"] = new JsonArray("console", "wandb"),
        ["trainer.project_name"] = "project",
        ["trainer.experiment_name"] = "experiment",
        ["trainer.critic_warmup"] = 2,
        ["lora.rank"] = 64,
        ["lora.alpha"] = 32,
        ["lora.target_modules"] = "all-linear",
        ["lora.dropout"] = 0.0,
        ["preference.loss_type"] = "sigmoid",
        ["preference.beta"] = 0.1,
        ["preference.label_smoothing"] = 0.0,
        ["preference.simpo_gamma"] = 0.5,
        ["preference.reference_free"] = false,
        ["rl.advantage_estimator"] = "grpo",
        ["rl.rollout_n"] = 5,
        ["rl.kl_coef"] = 0.001,
        ["rl.use_kl_loss"] = true,
        ["rl.kl_loss_type"] = "low_var_kl",
        ["rl.use_kl_in_reward"] = false,
        ["rl.kl_ctrl"] = new JsonObject { ["type"] = "adaptive", ["target_kl"] = 0.1, ["horizon"] = 10000 },
        ["rl.norm_adv_by_std"] = false,
        ["rl.entropy_coef"] = 0.001,
        ["rl.clip_ratio_low"] = 0.2,
        ["rl.clip_ratio_high"] = 0.28,
        ["rl.clip_ratio_c"] = 10.0,
        ["rl.loss_agg_mode"] = "seq-mean-token-mean",
        ["rl.temperature"] = 0.9,
        ["rl.top_p"] = 0.95,
        ["rl.gamma"] = 0.99,
        ["rl.lam"] = 0.95,
        ["rl.ppo_epochs"] = 2,
        ["rl.value_clip"] = 0.5,
        ["rl.dynamic_sampling"] = true,
        ["rl.max_num_gen_batches"] = 10,
        ["rl.overlong_buffer_length"] = 4096,
        ["rl.overlong_penalty_factor"] = 1.0,
        ["rl.reward_function"] = new JsonObject { ["path"] = "reward.py", ["name"] = "score" },
        ["rl.reward_model"] = "models/rm",
        ["rl.rollout_engine"] = "sglang",
        ["rl.gpu_memory_utilization"] = 0.7,
        ["parallelism.strategy"] = megatron ? "megatron" : "fsdp2",
        ["parallelism.tensor_parallel_size"] = megatron ? 2 : 1,
        ["parallelism.pipeline_parallel_size"] = megatron ? 2 : 1,
        ["parallelism.context_parallel_size"] = megatron ? 2 : 1,
        ["parallelism.expert_parallel_size"] = 1,
        ["parallelism.sequence_parallel_size"] = megatron ? 1 : 2,
        ["parallelism.data_parallel_size"] = 2,
        ["parallelism.rollout_tensor_parallel_size"] = 2,
        ["parallelism.param_offload"] = true,
        ["parallelism.optimizer_offload"] = true,
        ["parallelism.ref_param_offload"] = true,
        ["parallelism.fsdp_size"] = 8,
    };
}
