using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Tests.Frameworks;

public sealed class TrlExportTests : IDisposable
{
    private static readonly FrameworkTarget Trl = FrameworkTarget.Parse("trl");

    private readonly string _empty = Path.Combine(Path.GetTempPath(), "trainplat-trl-" + Guid.NewGuid().ToString("N")[..12]);

    public TrlExportTests() => Directory.CreateDirectory(_empty);

    public void Dispose() => Directory.Delete(_empty, recursive: true);

    /// <summary>Every TRL-capable built-in at 7B and at a size that renders to several nodes or more GPUs.</summary>
    public static TheoryData<string, string> Capable => new()
    {
        { "sft_full", "7B" }, { "sft_full", "70B" },
        { "sft_lora", "7B" }, { "sft_lora", "72B" },
        { "sft_qlora", "7B" }, { "sft_qlora", "405B" },
        { "dpo_full", "7B" }, { "dpo_full", "32B" }, { "dpo_full", "72B" },
        { "dpo_lora", "7B" }, { "dpo_lora", "72B" },
        { "simpo", "7B" }, { "simpo", "72B" },
        { "orpo", "7B" }, { "orpo", "72B" },
        { "reward_model", "7B" }, { "reward_model", "72B" },
        { "grpo_basic", "7B" }, { "grpo_basic", "32B" }, { "grpo_basic", "72B" },
        { "grpo_lora", "7B" }, { "grpo_lora", "3B" }, { "grpo_lora", "72B" },
        { "dapo", "7B" }, { "dapo", "32B" }, { "dapo", "72B" },
    };

    private ResolvedConfig Render(string recipe, string size, params string[] sets)
    {
        var result = RecipeResolver.Resolve(new RenderRequest(recipe, size, null, null, null, null, sets, _empty));
        Assert.True(result.Config is not null, result.Error);
        return result.Config!;
    }

    private static Dictionary<string, JsonNode?> Fields(ExportResult result) =>
        result.Keys.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);

    private static long L(Dictionary<string, JsonNode?> f, string key) => f[key]!.GetValue<long>();

    [Theory]
    [MemberData(nameof(Capable))]
    public void Every_key_is_a_field_of_its_class_model_config_or_the_script_arguments_with_a_fitting_type(string recipe, string size)
    {
        var rendered = Render(recipe, size);
        var result = TrlExport.Export(ExportSource.FromRender(rendered), Trl);
        var cls = FrameworkCatalog.Trl("1.9.0", result.Variant);
        var model = FrameworkCatalog.Trl("1.9.0", "ModelConfig");
        var launchedByTrl = TrlExport.Subcommand(result.Variant) is not null;
        var script = TrlCatalog.Script("1.9.0", result.Variant, launchedByTrl);
        Assert.NotEmpty(result.Keys);
        Assert.Equal(result.Keys.Count, result.Keys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count());
        foreach (var key in result.Keys)
        {
            var field = cls.Find(key.Key) ?? model.Find(key.Key) ?? script.Find(key.Key);
            Assert.True(field is not null, $"{recipe} {size}: {key.Key} is not a field of {result.Variant}, ModelConfig or the script arguments");
            Assert.True(TrlCatalog.TypeMatches(field!.Type, key.Value), $"{recipe} {size}: {key.Key} = {key.Value?.ToJsonString()} does not fit {field.Type}");
        }
    }

    [Theory]
    [MemberData(nameof(Capable))]
    public void The_effective_global_batch_equals_the_recipes(string recipe, string size)
    {
        var rendered = Render(recipe, size);
        var result = TrlExport.Export(ExportSource.FromRender(rendered), Trl);
        var f = Fields(result);
        var gpus = rendered.Gpus;
        var batch = (JsonObject)rendered.Config["batch"]!;
        var global = batch["global_batch_size"]!.GetValue<long>();
        var perStep = L(f, "per_device_train_batch_size") * gpus * L(f, "gradient_accumulation_steps");
        if (result.Variant == "GRPOConfig")
        {
            var n = ((JsonObject)rendered.Config["rl"]!)["rollout_n"]!.GetValue<long>();
            var mini = batch["mini_batch_size"]?.GetValue<long>() ?? global;
            Assert.Equal(n, L(f, "num_generations"));
            Assert.Equal(global, L(f, "generation_batch_size") / n);
            Assert.Equal(0, L(f, "generation_batch_size") % perStep);
            Assert.Equal(mini * n, perStep);
            if (f.TryGetValue("per_device_eval_batch_size", out var eval))
            {
                Assert.Equal(0, eval!.GetValue<long>() * gpus % n);
            }
        }
        else
        {
            Assert.Equal(global, perStep);
        }

        if (f.TryGetValue("num_processes", out var processes))
        {
            Assert.Equal(gpus, processes!.GetValue<long>());
        }
    }

    [Fact]
    public void The_class_follows_the_algorithm()
    {
        Assert.Equal("SFTConfig", TrlExport.Export(ExportSource.FromRender(Render("sft_qlora", "7B")), Trl).Variant);
        Assert.Equal("DPOConfig", TrlExport.Export(ExportSource.FromRender(Render("dpo_full", "7B")), Trl).Variant);
        Assert.Equal("RewardConfig", TrlExport.Export(ExportSource.FromRender(Render("reward_model", "7B")), Trl).Variant);
        Assert.Equal("ORPOConfig", TrlExport.Export(ExportSource.FromRender(Render("orpo", "7B")), Trl).Variant);
        var simpo = TrlExport.Export(ExportSource.FromRender(Render("simpo", "7B")), Trl);
        Assert.Equal("CPOConfig", simpo.Variant);
        var f = Fields(simpo);
        Assert.Equal("simpo", f["loss_type"]!.GetValue<string>());
        Assert.Equal(0.0, f["cpo_alpha"]!.GetValue<double>());
        Assert.Equal(1.375, f["simpo_gamma"]!.GetValue<double>()); // SimPO's gamma_beta_ratio 0.55 × beta 2.5, absolute in TRL
        Assert.Equal(2.5, f["beta"]!.GetValue<double>());
    }

    [Fact]
    public void Qlora_writes_the_peft_fields_of_model_config()
    {
        var f = Fields(TrlExport.Export(ExportSource.FromRender(Render("sft_qlora", "7B")), Trl));
        Assert.True(f["use_peft"]!.GetValue<bool>());
        Assert.Equal(8, L(f, "lora_r"));
        Assert.Equal(16, L(f, "lora_alpha"));
        Assert.True(f["load_in_4bit"]!.GetValue<bool>());
        Assert.Equal("nf4", f["bnb_4bit_quant_type"]!.GetValue<string>());
        Assert.Equal(6, ((JsonArray)f["lora_target_modules"]!).Count); // torchtune adapts q, v, output proj and the MLP, not k_proj
        Assert.Equal("adamw_torch_fused", f["optim"]!.GetValue<string>());
        Assert.Equal(0.0, f["max_grad_norm"]!.GetValue<double>()); // null: no clipping
    }

    [Fact]
    public void Dapo_writes_clip_higher_token_loss_and_truncation_masking_and_lists_what_trl_lacks()
    {
        var result = TrlExport.Export(ExportSource.FromRender(Render("dapo", "32B")), Trl);
        var f = Fields(result);
        Assert.Equal("GRPOConfig", result.Variant);
        Assert.Equal("trl grpo", result.Command);
        Assert.Equal(0.2, f["epsilon"]!.GetValue<double>());
        Assert.Equal(0.28, f["epsilon_high"]!.GetValue<double>());
        Assert.Equal("dapo", f["loss_type"]!.GetValue<string>());
        Assert.True(f["mask_truncated_completions"]!.GetValue<bool>());
        Assert.Equal(0.0, f["beta"]!.GetValue<double>());
        Assert.Equal(16, L(f, "num_machines"));
        var warned = result.Warnings.Select(w => w.Pointer).ToArray();
        Assert.Contains("/rl/dynamic_sampling", warned);
        Assert.Contains("/rl/overlong_buffer_length", warned);
        Assert.Contains("/batch/dynamic_batch_size", warned);
        Assert.Contains("/parallelism/sequence_parallel_size", warned);
        Assert.Contains("/extra/data.gen_batch_size", warned);
        Assert.All(result.Warnings, w => Assert.Equal(Severity.Warning, w.Severity));
    }

    [Fact]
    public void Grpo_steps_count_trl_optimizer_steps()
    {
        // grpo_basic at 7B: 1024 prompts per step, 256 per update: 4 TRL optimizer steps per trainplat step.
        var f = Fields(TrlExport.Export(ExportSource.FromRender(Render("grpo_basic", "7B")), Trl));
        Assert.Equal(80, L(f, "save_steps"));
        Assert.Equal(20, L(f, "eval_steps"));
        Assert.Equal(5, L(f, "num_generations"));
        Assert.Equal(0.001, f["beta"]!.GetValue<double>());
        Assert.Equal(2, L(f, "vllm_tensor_parallel_size"));
    }

    [Theory]
    [InlineData("ppo", "7B", "PPO trains a critic")]
    [InlineData("grpo_large_scale", "7B", "megatron")]
    [InlineData("grpo_large_scale", "32B", "tensor_parallel_size = 8")]
    public void Recipes_trl_cannot_run_exit_2_with_the_reason(string recipe, string size, string reason)
    {
        var error = Assert.Throws<UserErrorException>(() => TrlExport.Export(ExportSource.FromRender(Render(recipe, size)), Trl));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.False(error.IsFinding);
        Assert.Contains("verl", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_the_gpus_cannot_share_exits_with_the_numbers()
    {
        var error = Assert.Throws<UserErrorException>(() =>
            TrlExport.Export(ExportSource.FromRender(Render("sft_full", "7B", "batch.global_batch_size=18")), Trl));
        Assert.Contains("global_batch_size 18 is not a multiple of the 4 TRL processes", error.Message, StringComparison.Ordinal);
        Assert.Contains("multiple of 4", error.Hint, StringComparison.Ordinal);

        var grpo = Assert.Throws<UserErrorException>(() =>
            TrlExport.Export(ExportSource.FromRender(Render("grpo_basic", "7B", "batch.mini_batch_size=257", "batch.global_batch_size=1028")), Trl));
        Assert.Contains("257 × rollout_n 5 = 1285 completions", grpo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extra_trl_passes_through_checked_against_the_class()
    {
        var source = ExportSource.FromRender(Render("dpo_full", "7B"));
        var config = (JsonObject)source.Config.DeepClone();
        config["extra"] = new JsonObject { ["trl"] = new JsonObject { ["precompute_ref_log_probs"] = true, ["beta"] = 0.2 } };
        var result = TrlExport.Export(source with { Config = config }, Trl);
        var f = Fields(result);
        Assert.True(f["precompute_ref_log_probs"]!.GetValue<bool>());
        Assert.Equal(0.2, f["beta"]!.GetValue<double>());
        Assert.Contains(result.Warnings, w => w.Code == FrameworkCodes.ExportExtraReplaces && w.Message.Contains("replaces beta = 0.05", StringComparison.Ordinal));
        Assert.Equal("extra.trl.beta", result.Keys.Single(k => k.Key == "beta").From);

        config["extra"] = new JsonObject { ["trl"] = new JsonObject { ["num_generations"] = 4 } };
        var unknown = Assert.Throws<UserErrorException>(() => TrlExport.Export(source with { Config = config }, Trl));
        Assert.Contains("not a field of TRL 1.9.0 DPOConfig", unknown.Message, StringComparison.Ordinal);
        config["extra"] = new JsonObject { ["trl"] = new JsonObject { ["beta"] = "high" } };
        var mistyped = Assert.Throws<UserErrorException>(() => TrlExport.Export(source with { Config = config }, Trl));
        Assert.Contains("does not fit TRL's type for beta: float", mistyped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void New_schema_keys_map_to_trl_fields()
    {
        var source = ExportSource.FromRender(Render("grpo_basic", "7B"));
        var config = (JsonObject)source.Config.DeepClone();
        ((JsonObject)config["model"]!)["path"] = "Qwen/Qwen2.5-7B-Instruct";
        ((JsonObject)config["data"]!)["train_files"] = new JsonArray("data/gsm8k/train.parquet");
        ((JsonObject)config["data"]!)["val_files"] = new JsonArray("data/gsm8k/test.parquet");
        ((JsonObject)config["rl"]!)["reward_function"] = new JsonObject { ["path"] = "rewards/math.py", ["name"] = "score" };
        ((JsonObject)config["rl"]!)["norm_adv_by_std"] = false;
        ((JsonObject)config["trainer"]!)["output_dir"] = "checkpoints/grpo";
        ((JsonObject)config["trainer"]!)["logger"] = new JsonArray("console", "wandb");
        ((JsonObject)config["trainer"]!)["experiment_name"] = "qwen7b-gsm8k";
        ((JsonObject)config["trainer"]!)["project_name"] = "math";
        var result = TrlExport.Export(source with { Config = config }, Trl);
        var f = Fields(result);
        Assert.Equal("Qwen/Qwen2.5-7B-Instruct", f["model_name_or_path"]!.GetValue<string>());
        Assert.Equal("data/gsm8k/train.parquet", f["dataset_name"]!.GetValue<string>());
        Assert.Equal("rewards.math.score", ((JsonArray)f["reward_funcs"]!)[0]!.GetValue<string>());
        Assert.Equal("none", f["scale_rewards"]!.GetValue<string>());
        Assert.Equal("checkpoints/grpo", f["output_dir"]!.GetValue<string>());
        Assert.Equal("wandb", ((JsonArray)f["report_to"]!).Single()!.GetValue<string>());
        Assert.Equal("qwen7b-gsm8k", f["run_name"]!.GetValue<string>());
        Assert.Contains(result.Warnings, w => w.Pointer == "/trainer/project_name");
        Assert.Contains(result.Warnings, w => w.Pointer == "/data/val_files");
        Assert.DoesNotContain(result.Warnings, w => w.Pointer == "/model/path");
    }

    [Fact]
    public void Every_emitted_key_has_a_mapping_row_and_every_row_names_a_real_field()
    {
        foreach (var cls in new[] { "SFTConfig", "DPOConfig", "GRPOConfig", "RewardConfig", "ORPOConfig", "CPOConfig" })
        {
            var rows = TrlExport.MappingRows(cls);
            foreach (var row in rows)
            {
                Assert.True(TrlCatalog.Find("1.9.0", cls, TrlExport.Subcommand(cls) is not null, row.TrlField) is not null, $"{cls}: {row.TrlField}");
            }
        }

        foreach (var (recipe, size) in new[] { ("sft_qlora", "7B"), ("dpo_lora", "7B"), ("grpo_basic", "72B"), ("dapo", "7B"), ("reward_model", "72B"), ("orpo", "7B"), ("simpo", "7B") })
        {
            var result = TrlExport.Export(ExportSource.FromRender(Render(recipe, size)), Trl);
            var fields = TrlExport.MappingRows(result.Variant).Select(r => r.TrlField).ToHashSet(StringComparer.Ordinal);
            foreach (var key in result.Keys.Where(k => !k.From.StartsWith("extra.", StringComparison.Ordinal)))
            {
                Assert.True(fields.Contains(key.Key), $"{recipe}: {key.Key} has no mapping row for {result.Variant}");
            }
        }
    }

    [Fact]
    public void The_yaml_names_the_recipe_and_the_command_and_explains_each_key()
    {
        var rendered = Render("grpo_basic", "72B");
        var result = TrlExport.Export(ExportSource.FromRender(rendered), Trl);
        var text = TrlConfigWriter.Yaml(result, "9.9.9", explain: true);
        Assert.StartsWith("# TRL 1.9.0 GRPOConfig config, exported by trainplat 9.9.9\n# recipe: grpo_basic@1.2.0 (sha256 ", text, StringComparison.Ordinal);
        Assert.Contains("# run: trl grpo --config FILE", text, StringComparison.Ordinal);
        Assert.Contains("cluster: 32 GPUs (4 nodes × 8)", text, StringComparison.Ordinal);
        Assert.Matches(@"\ngeneration_batch_size: 5120 +# from global 1024 × rollout_n 5 \(recipe\)", text);
        Assert.Matches(@"\nlearning_rate: 1\.0e-06 +# from optimizer\.learning_rate \(recipe\)\n", text);

        // Loaded as YAML, the file holds exactly the exported keys and values.
        var tree = YamlTreeReader.Parse(TrlConfigWriter.Yaml(result, "9.9.9", explain: false), "x.yaml");
        Assert.False(tree.HasErrors);
        var root = (JsonObject)tree.Root!;
        Assert.Equal(result.Keys.Select(k => k.Key), root.Select(p => p.Key));
        foreach (var key in result.Keys)
        {
            Assert.True(JsonNode.DeepEquals(Normal(key.Value), Normal(root[key.Key])), key.Key);
        }
    }

    /// <summary>Numbers compared as doubles (YAML reads 1.0 as a float, JSON keeps longs).</summary>
    internal static JsonNode? Normal(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => JsonValue.Create(b),
        JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(s),
        JsonValue v when v.TryGetValue<double>(out var d) => JsonValue.Create(d),
        JsonValue v when v.TryGetValue<long>(out var l) => JsonValue.Create((double)l),
        JsonArray a => new JsonArray([.. a.Select(Normal)]),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Normal(p.Value)))),
        _ => node?.DeepClone(),
    };
}
