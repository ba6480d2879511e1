using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>
/// Which verl key tree a mapping is read against: the release, FSDP or Megatron, the DAPO entry point, and whether the
/// recipe trains a critic (PPO with GAE advantages), which adds the <c>critic.*</c> keys.
/// </summary>
public sealed record VerlVariant(string Release, bool Megatron, bool Dapo, bool Critic)
{
    /// <summary>The key tree of this variant (the DAPO entry point's extra keys included where the release has one).</summary>
    public KeyTree Tree => FrameworkCatalog.Verl(Release, Megatron, Dapo && FrameworkCatalog.VerlHasDapoEntryPoint(Release));

    public bool Is07 => Release.StartsWith("0.7.", StringComparison.Ordinal);

    /// <summary>True when the tree has <paramref name="key"/> (for fan-outs that exist only in some variants).</summary>
    public bool Has(string key) => Tree.Contains(key);
}

/// <summary>What one mapping entry produces in the forward direction.</summary>
public abstract record VerlForward
{
    private VerlForward()
    {
    }

    /// <summary>Emit these verl keys (a key starting with <c>+</c> is added with Hydra's <c>+key=</c>).</summary>
    /// <param name="From">The trainplat key(s) the values came from, for <c>--explain</c>.</param>
    public sealed record Emit(IReadOnlyList<(string Key, JsonNode? Value)> Keys, string From) : VerlForward;

    /// <summary>Nothing to emit and nothing lost: the value is verl's own behaviour, or it is implied by other keys.</summary>
    public sealed record Implied(string Why) : VerlForward;

    /// <summary>The value has no counterpart in this variant: reported as a warning, never silently dropped.</summary>
    public sealed record Unmapped(string Why) : VerlForward;

    /// <summary>verl cannot run what the recipe asks for (a usage error, exit 2).</summary>
    public sealed record Unsupported(string Why, string Hint) : VerlForward;
}

/// <summary>
/// One row of the verl mapping table: a trainplat concept and its verl key(s), both directions.
/// <list type="bullet">
/// <item><see cref="Trainplat"/>: the trainplat config keys the entry reads (export) and writes back (import), first the main one.</item>
/// <item><see cref="Keys"/>: every verl key the entry may emit in a variant, <c>+</c>-prefixed when the release adds it
/// with Hydra's <c>+key=</c>; empty when the concept has no verl key in that variant.</item>
/// <item><see cref="Forward"/>: trainplat values (a lookup by dotted key, null when unset) → what to emit; called when
/// at least one of <see cref="Trainplat"/> is set (an entry reading several keys guards the ones it needs).</item>
/// <item><see cref="Reverse"/>: verl values (a lookup by key, without <c>+</c>; null when absent) → trainplat values by dotted key
/// (objects such as <c>rl.reward_function</c> come back whole); empty when none of the entry's verl keys was given.</item>
/// <item><see cref="Conversion"/>: the conversion in words, for docs/frameworks.md and <c>--explain</c>.</item>
/// </list>
/// </summary>
public sealed record VerlMapping(
    IReadOnlyList<string> Trainplat,
    Func<VerlVariant, IReadOnlyList<string>> Keys,
    Func<Func<string, JsonNode?>, VerlVariant, VerlForward> Forward,
    Func<Func<string, JsonNode?>, VerlVariant, IReadOnlyDictionary<string, JsonNode?>> Reverse,
    Func<VerlVariant, string> Conversion);

/// <summary>One row of the per-release mapping documentation (docs/frameworks.md).</summary>
public sealed record VerlMappingRow(string Trainplat, string VerlKeys, string Conversion);

/// <summary>
/// The verl mapping: ONE table of <see cref="VerlMapping"/> entries that export reads forward and import reads backward,
/// so that an import is the inverse of an export for every mapped key. Facts checked against verl's code at v0.7.0 and
/// v0.9.0 (see the comments on the entries where the two releases differ).
/// </summary>
public static class VerlMappings
{
    private const string Actor = "actor_rollout_ref.actor.";
    private const string Rollout = "actor_rollout_ref.rollout.";
    private const string Ref = "actor_rollout_ref.ref.";
    private const string Model = "actor_rollout_ref.model.";

    private static readonly string[] KlCtrlFields = ["type", "target_kl", "horizon"];

    private static readonly IReadOnlyDictionary<string, JsonNode?> Nothing = new Dictionary<string, JsonNode?>();

    /// <summary>The table, in emit order.</summary>
    public static IReadOnlyList<VerlMapping> Table { get; } = Build();

    /// <summary>The rows of <see cref="Table"/> for one variant: trainplat key, verl key(s), conversion in words.</summary>
    public static IReadOnlyList<VerlMappingRow> Rows(VerlVariant variant) =>
        Table.Select(m =>
        {
            var keys = m.Keys(variant);
            return new VerlMappingRow(string.Join(", ", m.Trainplat), keys.Count == 0 ? "(none)" : string.Join(", ", keys), m.Conversion(variant));
        }).ToArray();

    /// <summary>The rows for verl <paramref name="release"/> (FSDP or Megatron; PPO with a critic shows the critic fan-outs).</summary>
    public static IReadOnlyList<VerlMappingRow> Rows(string release, bool megatron) => Rows(new VerlVariant(release, megatron, Dapo: true, Critic: true));

    private static List<VerlMapping> Build() =>
    [
        // model
        Direct("model.path", v => Fan(v, Model + "path", v.Critic ? "critic.model.path" : null)),
        Direct("model.use_remove_padding", v => Fan(v, Model + "use_remove_padding", v.Critic ? "critic.model.use_remove_padding" : null)),
        Direct("model.gradient_checkpointing", v => Fan(v, Model + "enable_gradient_checkpointing", v.Critic ? "critic.model.enable_gradient_checkpointing" : null)),
        Direct("model.trust_remote_code", v => Fan(v, Model + "trust_remote_code", v.Critic ? "critic.model.trust_remote_code" : null)),
        Enum("model.precision", _ => [Rollout + "dtype"], [("bf16", "bfloat16"), ("fp16", "float16"), ("fp32", "float32")],
            "the rollout engine's dtype (bf16 → bfloat16); FSDP keeps fp32 master weights with mixed precision either way"),
        Only("model.chat_template", "tokenizer_default", "verl formats prompts with the tokenizer's own chat template"),
        Only("model.quantization", "none", "verl trains unquantized weights"),

        // optimizer
        Enum("optimizer.name", v => [Actor + "optim.optimizer"],
            [("adamw", "AdamW"), ("adamw_fused", "AdamW")], "adamw → AdamW (FSDP); Megatron's adam is AdamW with decoupled weight decay",
            megatron: [("adamw", "adam"), ("adamw_fused", "adam")]),
        Direct("optimizer.learning_rate", _ => [Actor + "optim.lr"]),
        new(["optimizer.min_learning_rate", "optimizer.learning_rate"],
            v => v.Megatron ? [Actor + "optim.min_lr"] : [Actor + "optim.min_lr_ratio"],
            (get, v) =>
            {
                if (get("optimizer.min_learning_rate") is not { } min)
                {
                    return new VerlForward.Implied("no minimum learning rate");
                }

                if (v.Megatron)
                {
                    return Emit(Actor + "optim.min_lr", min.DeepClone(), "optimizer.min_learning_rate");
                }

                var lr = Number(get("optimizer.learning_rate"));
                return lr is > 0
                    ? Emit(Actor + "optim.min_lr_ratio", Rounded(Number(min)!.Value / lr.Value), "optimizer.min_learning_rate, optimizer.learning_rate")
                    : new VerlForward.Unmapped("verl's min_lr_ratio is relative to the learning rate, which is not set");
            },
            (get, v) =>
            {
                if (v.Megatron)
                {
                    return get(Actor + "optim.min_lr") is { } abs ? One("optimizer.min_learning_rate", abs.DeepClone()) : Nothing;
                }

                var ratio = Number(get(Actor + "optim.min_lr_ratio"));
                var lr = Number(get(Actor + "optim.lr"));
                return ratio is { } r && lr is { } l ? One("optimizer.min_learning_rate", JsonValue.Create(Rounded(r * l))) : Nothing;
            },
            v => v.Megatron ? "absolute minimum learning rate (optim.min_lr)" : "min_lr_ratio = min_learning_rate / learning_rate"),
        Direct("optimizer.weight_decay", _ => [Actor + "optim.weight_decay"]),
        new(["optimizer.beta1", "optimizer.beta2"], _ => [Actor + "optim.betas"],
            (get, _) => Emit(Actor + "optim.betas", new JsonArray(JsonValue.Create(Number(get("optimizer.beta1")) ?? 0.9), JsonValue.Create(Number(get("optimizer.beta2")) ?? 0.999)),
                "optimizer.beta1, optimizer.beta2"),
            (get, _) => get(Actor + "optim.betas") is JsonArray { Count: 2 } b
                ? new Dictionary<string, JsonNode?> { ["optimizer.beta1"] = b[0]?.DeepClone(), ["optimizer.beta2"] = b[1]?.DeepClone() }
                : Nothing,
            _ => "the list [beta1, beta2]"),
        Only("optimizer.eps", 1e-8, "verl builds torch's AdamW with its default eps 1e-8 and has no key for it"),
        new(["optimizer.lr_scheduler"], v => v.Megatron ? [Actor + "optim.lr_decay_style"] : [Actor + "optim.lr_scheduler_type"],
            (get, v) =>
            {
                var name = get("optimizer.lr_scheduler")?.GetValue<string>();
                var key = v.Megatron ? Actor + "optim.lr_decay_style" : Actor + "optim.lr_scheduler_type";
                string? verl = name switch
                {
                    "constant" or "constant_with_warmup" => "constant",
                    "cosine" or "cosine_with_min_lr" => "cosine",
                    "linear" when v.Megatron => "linear",
                    _ => null,
                };
                return verl is null
                    ? new VerlForward.Unmapped($"verl {(v.Megatron ? "Megatron" : "FSDP")} has no '{name}' schedule (it offers {(v.Megatron ? "constant, linear, cosine" : "constant, cosine")})")
                    : Emit(key, JsonValue.Create(verl), "optimizer.lr_scheduler");
            },
            (get, v) => get(v.Megatron ? Actor + "optim.lr_decay_style" : Actor + "optim.lr_scheduler_type") is JsonValue s && s.TryGetValue<string>(out var name)
                ? One("optimizer.lr_scheduler", JsonValue.Create(name))
                : Nothing,
            v => v.Megatron
                ? "constant/constant_with_warmup → constant, linear → linear, cosine/cosine_with_min_lr → cosine (warm-up is lr_warmup_steps)"
                : "constant/constant_with_warmup → constant, cosine/cosine_with_min_lr → cosine (verl 0.7.0 already deprecates warmup_style for lr_scheduler_type)"),
        Direct("optimizer.warmup_steps", _ => [Actor + "optim.lr_warmup_steps"]),
        Direct("optimizer.warmup_ratio", _ => [Actor + "optim.lr_warmup_steps_ratio"]),
        new(["optimizer.max_grad_norm"], v => Fan(v, Actor + "optim.clip_grad", Actor + "grad_clip"),
            (get, v) => get("optimizer.max_grad_norm") is { } norm
                ? EmitAll(Fan(v, Actor + "optim.clip_grad", Actor + "grad_clip"), norm, "optimizer.max_grad_norm")
                : new VerlForward.Unmapped("verl always clips gradients (clip_grad must be a number); null cannot be expressed"),
            (get, _) => First(get, Actor + "optim.clip_grad", Actor + "grad_clip") is { } n ? One("optimizer.max_grad_norm", n.DeepClone()) : Nothing,
            _ => "same value; the FSDP actor at 0.7.0/0.9.0 reads actor.grad_clip, the optimizer config optim.clip_grad"),
        Direct("rl.critic_learning_rate", v => v.Critic ? ["critic.optim.lr"] : []),

        // batch
        Direct("batch.global_batch_size", _ => ["data.train_batch_size"], "prompts per step, as verl counts them"),
        Direct("batch.mini_batch_size", _ => [Actor + "ppo_mini_batch_size"],
            "prompts per policy update: verl multiplies by rollout.n and divides by the data-parallel size itself"),
        Direct("batch.micro_batch_size_per_gpu", v => Fan(v, Actor + "ppo_micro_batch_size_per_gpu"), "responses per GPU per forward/backward"),
        new(["rl.log_prob_micro_batch_size_per_gpu", "batch.micro_batch_size_per_gpu"],
            _ => [Rollout + "log_prob_micro_batch_size_per_gpu", Ref + "log_prob_micro_batch_size_per_gpu"],
            (get, _) => get("rl.log_prob_micro_batch_size_per_gpu") is { } own
                ? EmitAll([Rollout + "log_prob_micro_batch_size_per_gpu", Ref + "log_prob_micro_batch_size_per_gpu"], own, "rl.log_prob_micro_batch_size_per_gpu")
                : get("batch.dynamic_batch_size") is JsonValue d && d.GetValue<bool>()
                    ? new VerlForward.Implied("dynamic batch size: log-prob batches are sized by tokens")
                    : get("batch.micro_batch_size_per_gpu") is { } micro
                        ? EmitAll([Rollout + "log_prob_micro_batch_size_per_gpu", Ref + "log_prob_micro_batch_size_per_gpu"], micro, "batch.micro_batch_size_per_gpu (no rl.log_prob_micro_batch_size_per_gpu)")
                        : new VerlForward.Implied("no micro batch"),
            (get, _) => First(get, Rollout + "log_prob_micro_batch_size_per_gpu", Ref + "log_prob_micro_batch_size_per_gpu") is { } n
                ? One("rl.log_prob_micro_batch_size_per_gpu", n.DeepClone())
                : Nothing,
            _ => "rollout and ref log-prob micro batch per GPU; when unset, the training micro batch"),
        Direct("rl.critic_micro_batch_size_per_gpu", v => v.Critic ? ["critic.ppo_micro_batch_size_per_gpu"] : []),
        Direct("batch.dynamic_batch_size", v => Fan(v, Actor + "use_dynamic_bsz", Ref + "log_prob_use_dynamic_bsz", Rollout + "log_prob_use_dynamic_bsz",
            v.Critic ? "critic.use_dynamic_bsz" : null), "actor, rollout and ref log-prob (and critic) token-budget batching"),
        Direct("batch.max_tokens_per_gpu", v => Fan(v, Actor + "ppo_max_token_len_per_gpu", Ref + "log_prob_max_token_len_per_gpu",
            Rollout + "log_prob_max_token_len_per_gpu", v.Critic ? "critic.ppo_max_token_len_per_gpu" : null), "token budget per GPU, same for every role"),
        Direct("batch.generation_batch_size", v => Fan(v, "data.gen_batch_size"), "prompts per generation batch (dynamic sampling draws several)"),
        Unmapped("batch.micro_batch_size", "verl's global ppo_micro_batch_size is deprecated; set batch.micro_batch_size_per_gpu"),
        Unmapped("batch.gradient_accumulation_steps", "verl derives accumulation from ppo_mini_batch_size and the per-GPU micro batch"),

        // data
        Files("data.train_files"),
        Files("data.val_files"),
        Direct("data.prompt_key", _ => ["data.prompt_key"]),
        Direct("data.max_prompt_length", _ => ["data.max_prompt_length"]),
        Direct("data.max_response_length", _ => ["data.max_response_length"]),
        Direct("data.filter_overlong_prompts", _ => ["data.filter_overlong_prompts"]),
        Direct("data.shuffle", _ => ["data.shuffle"]),
        Direct("data.truncation", _ => ["data.truncation"]),
        Unmapped("data.max_seq_length", "verl bounds prompts and responses separately (data.max_prompt_length, data.max_response_length)"),
        Unmapped("data.packing", "verl removes padding instead (model.use_remove_padding)"),

        // trainer
        Direct("trainer.epochs", _ => ["trainer.total_epochs"]),
        Direct("trainer.max_steps", _ => ["trainer.total_training_steps"]),
        Direct("trainer.seed", _ => ["data.seed"], "the dataloader's shuffle seed (verl has no global seed key)"),
        new(["trainer.gpus_per_node", "trainer.nodes", "trainer.total_gpus"], _ => ["trainer.n_gpus_per_node", "trainer.nnodes"],
            (get, _) => new VerlForward.Emit(
                [("trainer.n_gpus_per_node", get("trainer.gpus_per_node")?.DeepClone()), ("trainer.nnodes", get("trainer.nodes")?.DeepClone())],
                "trainer.gpus_per_node, trainer.nodes"),
            (get, _) =>
            {
                var result = new Dictionary<string, JsonNode?>();
                if (get("trainer.n_gpus_per_node") is { } g)
                {
                    result["trainer.gpus_per_node"] = g.DeepClone();
                }

                if (get("trainer.nnodes") is { } n)
                {
                    result["trainer.nodes"] = n.DeepClone();
                }

                return result;
            },
            _ => "the rendered cluster: GPUs per node and nodes (total_gpus is their product)"),
        Direct("trainer.save_steps", _ => ["trainer.save_freq"]),
        Direct("trainer.eval_steps", _ => ["trainer.test_freq"]),
        Unmapped("trainer.logging_steps", "verl logs every step"),
        Implied("trainer.framework", "the export target itself"),
        Direct("trainer.output_dir", _ => ["trainer.default_local_dir"]),
        Direct("trainer.logger", _ => ["trainer.logger"]),
        Direct("trainer.project_name", _ => ["trainer.project_name"]),
        Direct("trainer.experiment_name", _ => ["trainer.experiment_name"]),
        Direct("trainer.critic_warmup", _ => ["trainer.critic_warmup"]),

        // lora
        Direct("lora.rank", _ => [Model + "lora_rank"]),
        new(["lora.alpha"], _ => [Model + "lora_alpha"],
            (get, _) => Emit(Model + "lora_alpha", WholeAsInt(get("lora.alpha")), "lora.alpha"),
            (get, _) => get(Model + "lora_alpha") is { } a ? One("lora.alpha", a.DeepClone()) : Nothing,
            _ => "same value (an integer in verl's tree when whole)"),
        Direct("lora.target_modules", _ => [Model + "target_modules"]),
        Only("lora.dropout", 0.0, "verl's LoRA has no dropout key (PEFT's default 0)"),

        // preference (verl's PPO trainer runs no preference losses)
        Unmapped("preference.loss_type", "verl's PPO trainer has no preference loss"),
        Unmapped("preference.beta", "verl's PPO trainer has no preference loss"),
        Unmapped("preference.label_smoothing", "verl's PPO trainer has no preference loss"),
        Unmapped("preference.simpo_gamma", "verl's PPO trainer has no preference loss"),
        Unmapped("preference.reference_free", "verl's PPO trainer has no preference loss"),

        // rl
        Direct("rl.advantage_estimator", _ => ["algorithm.adv_estimator"], "same names (gae, grpo, rloo, reinforce_plus_plus, remax, grpo_passk)"),
        Direct("rl.rollout_n", _ => [Rollout + "n"]),
        new(["rl.kl_coef", "rl.use_kl_loss"], _ => [Actor + "kl_loss_coef", "algorithm.kl_ctrl.kl_coef"],
            (get, _) => get("rl.kl_coef") is null ? new VerlForward.Implied("no KL coefficient")
                : get("rl.use_kl_loss") is JsonValue u && u.GetValue<bool>()
                ? Emit(Actor + "kl_loss_coef", get("rl.kl_coef")!.DeepClone(), "rl.kl_coef (rl.use_kl_loss: true)")
                : Emit("algorithm.kl_ctrl.kl_coef", get("rl.kl_coef")!.DeepClone(), "rl.kl_coef (rl.use_kl_loss: false)"),
            (get, _) => get(Actor + "use_kl_loss") is JsonValue u && u.TryGetValue<bool>(out var loss) && loss
                ? get(Actor + "kl_loss_coef") is { } c ? One("rl.kl_coef", c.DeepClone()) : Nothing
                : get("algorithm.kl_ctrl.kl_coef") is { } k ? One("rl.kl_coef", k.DeepClone()) : Nothing,
            _ => "actor.kl_loss_coef when rl.use_kl_loss, else algorithm.kl_ctrl.kl_coef (the in-reward penalty)"),
        Direct("rl.kl_loss_type", _ => [Actor + "kl_loss_type"]),
        Direct("rl.use_kl_loss", _ => [Actor + "use_kl_loss"]),
        Direct("rl.use_kl_in_reward", _ => ["algorithm.use_kl_in_reward"]),
        new(["rl.kl_ctrl"], _ => ["algorithm.kl_ctrl.type", "algorithm.kl_ctrl.target_kl", "algorithm.kl_ctrl.horizon"],
            (get, _) => new VerlForward.Emit(
                [.. KlCtrlFields.Where(f => get("rl.kl_ctrl")?[f] is not null).Select(f => ("algorithm.kl_ctrl." + f, get("rl.kl_ctrl")![f]!.DeepClone()))],
                "rl.kl_ctrl"),
            (get, _) =>
            {
                var o = new JsonObject();
                foreach (var f in KlCtrlFields)
                {
                    if (get("algorithm.kl_ctrl." + f) is { } value)
                    {
                        o[f] = value.DeepClone();
                    }
                }

                return o.Count == 0 ? Nothing : One("rl.kl_ctrl", o);
            },
            _ => "type, target_kl, horizon field by field"),
        Direct("rl.norm_adv_by_std", _ => ["algorithm.norm_adv_by_std_in_grpo"]),
        Direct("rl.entropy_coef", _ => [Actor + "entropy_coeff"]),
        Direct("rl.clip_ratio_low", _ => [Actor + "clip_ratio_low"]),
        Direct("rl.clip_ratio_high", _ => [Actor + "clip_ratio_high"]),
        Direct("rl.clip_ratio_c", _ => [Actor + "clip_ratio_c"]),
        Direct("rl.loss_agg_mode", _ => [Actor + "loss_agg_mode"]),
        Direct("rl.temperature", _ => [Rollout + "temperature"]),
        Direct("rl.top_p", _ => [Rollout + "top_p"]),
        Direct("rl.gamma", _ => ["algorithm.gamma"]),
        Direct("rl.lam", _ => ["algorithm.lam"]),
        Direct("rl.ppo_epochs", _ => [Actor + "ppo_epochs"], "the critic follows the actor's ppo_epochs"),
        Direct("rl.value_clip", v => v.Critic ? ["critic.cliprange_value"] : []),
        Direct("rl.dynamic_sampling", v => Fan(v, "algorithm.filter_groups.enable"),
            "algorithm.filter_groups.enable (0.7.0: only through recipe.dapo.main_dapo; 0.9.0: in the main tree)"),
        Direct("rl.max_num_gen_batches", v => Fan(v, "algorithm.filter_groups.max_num_gen_batches")),
        new(["rl.overlong_buffer_length", "data.max_response_length"], v => OverlongKeys(v, "len", withMaxLength: true),
            (get, v) =>
            {
                if (get("rl.overlong_buffer_length") is not { } length)
                {
                    return new VerlForward.Implied("no overlong buffer");
                }

                var keys = OverlongKeys(v, "len", withMaxLength: true);
                if (keys.Count == 0)
                {
                    return new VerlForward.Unmapped($"verl {v.Release} has an overlong buffer only in DAPO's reward manager (algorithm: dapo)");
                }

                var on = Number(length) > 0;
                var emitted = new List<(string, JsonNode?)> { (keys[0], JsonValue.Create(on)), (keys[1], length.DeepClone()) };
                if (!v.Is07 && get("data.max_response_length") is { } max)
                {
                    emitted.Add((keys[2], max.DeepClone()));
                }

                return new VerlForward.Emit(emitted, "rl.overlong_buffer_length");
            },
            (get, v) =>
            {
                var keys = OverlongKeys(v, "len", withMaxLength: false);
                return keys.Count > 0 && get(Bare(keys[1])) is { } len
                    ? One("rl.overlong_buffer_length", get(Bare(keys[0])) is JsonValue e && e.TryGetValue<bool>(out var on) && !on ? JsonValue.Create(0) : len.DeepClone())
                    : Nothing;
            },
            v => v.Is07 ? "reward_model.overlong_buffer.enable (length > 0) and .len, through recipe.dapo.main_dapo"
                : "+reward.reward_kwargs.overlong_buffer_cfg.enable/.len and +reward.reward_kwargs.max_resp_len (DAPO reward manager)"),
        new(["rl.overlong_penalty_factor"], v => OverlongKeys(v, "penalty_factor", withMaxLength: false).Skip(1).ToArray(),
            (get, v) => OverlongKeys(v, "penalty_factor", withMaxLength: false) is { Count: > 0 } keys
                ? Emit(keys[1], get("rl.overlong_penalty_factor")!.DeepClone(), "rl.overlong_penalty_factor")
                : new VerlForward.Unmapped($"verl {v.Release} has an overlong buffer only in DAPO's reward manager (algorithm: dapo)"),
            (get, v) => OverlongKeys(v, "penalty_factor", withMaxLength: false) is { Count: > 0 } keys && get(Bare(keys[1])) is { } f
                ? One("rl.overlong_penalty_factor", f.DeepClone())
                : Nothing,
            v => v.Is07 ? "reward_model.overlong_buffer.penalty_factor" : "+reward.reward_kwargs.overlong_buffer_cfg.penalty_factor"),
        new(["rl.reward_function"], v => RewardFunctionKeys(v),
            (get, v) =>
            {
                var fn = get("rl.reward_function")!;
                var keys = RewardFunctionKeys(v);
                return new VerlForward.Emit(
                    [(keys[0], fn["path"]?.DeepClone()), (keys[1], fn["name"]?.DeepClone() ?? JsonValue.Create("compute_score"))], "rl.reward_function");
            },
            (get, v) =>
            {
                var keys = RewardFunctionKeys(v);
                return get(keys[0]) is JsonValue p && p.TryGetValue<string>(out var path)
                    ? One("rl.reward_function", new JsonObject { ["path"] = path, ["name"] = get(keys[1])?.DeepClone() ?? JsonValue.Create("compute_score") })
                    : Nothing;
            },
            v => $"{string.Join(" and ", RewardFunctionKeys(v))} (name defaults to compute_score)"),
        new(["rl.reward_model"], v => RewardModelKeys(v),
            (get, v) => new VerlForward.Emit([(RewardModelKeys(v)[0], JsonValue.Create(true)), (RewardModelKeys(v)[1], get("rl.reward_model")!.DeepClone())], "rl.reward_model"),
            (get, v) => get(RewardModelKeys(v)[0]) is JsonValue e && e.TryGetValue<bool>(out var on) && on && get(RewardModelKeys(v)[1]) is { } p
                ? One("rl.reward_model", p.DeepClone())
                : Nothing,
            v => $"{RewardModelKeys(v)[0]}=True and {RewardModelKeys(v)[1]}"),
        Enum("rl.rollout_engine", _ => [Rollout + "name"], [("vllm", "vllm"), ("sglang", "sglang"), ("hf", "hf")], "same names"),
        Direct("rl.gpu_memory_utilization", _ => [Rollout + "gpu_memory_utilization"]),

        // parallelism
        new(["parallelism.strategy"], v => v.Megatron ? [] : Fan(v, Actor + "strategy", v.Critic ? "critic.strategy" : null),
            (get, v) => get("parallelism.strategy")?.GetValue<string>() switch
            {
                "megatron" => new VerlForward.Implied("the Megatron tree (_generated_ppo_megatron_trainer.yaml) is chosen"),
                "fsdp" => new VerlForward.Implied("verl's default strategy"),
                "fsdp2" => EmitAll(Fan(v, Actor + "strategy", v.Critic ? "critic.strategy" : null), JsonValue.Create("fsdp2"), "parallelism.strategy"),
                var other => new VerlForward.Unsupported($"verl trains with FSDP or Megatron, not '{other}'",
                    "set parallelism.strategy to fsdp, fsdp2 or megatron (--set parallelism.strategy=fsdp), or export to trl"),
            },
            (get, v) => v.Megatron ? One("parallelism.strategy", JsonValue.Create("megatron"))
                : get(Actor + "strategy") is JsonValue s && s.TryGetValue<string>(out var name) ? One("parallelism.strategy", JsonValue.Create(name)) : Nothing,
            v => v.Megatron ? "megatron selects the Megatron tree" : "fsdp selects the FSDP tree (default); fsdp2 → actor.strategy=fsdp2"),
        MegatronOnly("parallelism.tensor_parallel_size", "tensor_model_parallel_size"),
        MegatronOnly("parallelism.pipeline_parallel_size", "pipeline_model_parallel_size"),
        MegatronOnly("parallelism.context_parallel_size", "context_parallel_size"),
        MegatronOnly("parallelism.expert_parallel_size", "expert_model_parallel_size"),
        new(["parallelism.sequence_parallel_size"], v => v.Megatron ? [] : Fan(v, Actor + "ulysses_sequence_parallel_size", v.Critic ? "critic.ulysses_sequence_parallel_size" : null),
            (get, v) => v.Megatron
                ? Number(get("parallelism.sequence_parallel_size")) is 1 ? new VerlForward.Implied("no Ulysses SP on Megatron")
                    : new VerlForward.Unmapped("Megatron has no Ulysses sequence parallelism; use parallelism.context_parallel_size")
                : EmitAll(Fan(v, Actor + "ulysses_sequence_parallel_size", v.Critic ? "critic.ulysses_sequence_parallel_size" : null),
                    get("parallelism.sequence_parallel_size")!, "parallelism.sequence_parallel_size"),
            (get, _) => get(Actor + "ulysses_sequence_parallel_size") is { } sp ? One("parallelism.sequence_parallel_size", sp.DeepClone()) : Nothing,
            v => v.Megatron ? "(none: Megatron uses context parallelism)" : "Ulysses SP of the actor (ref follows; critic too)"),
        Implied("parallelism.data_parallel_size", "verl derives it from the GPUs and the model-parallel sizes"),
        Direct("parallelism.rollout_tensor_parallel_size", _ => [Rollout + "tensor_model_parallel_size"]),
        Direct("parallelism.param_offload", v => v.Megatron
            ? Fan(v, Actor + "megatron.param_offload", v.Critic ? "critic.megatron.param_offload" : null)
            : Fan(v, Actor + "fsdp_config.param_offload", v.Critic ? (v.Is07 ? "critic.model.fsdp_config.param_offload" : "critic.fsdp.param_offload") : null),
            "actor and critic (the critic's key moved from critic.model.fsdp_config to critic.fsdp at 0.9.0)"),
        Direct("parallelism.optimizer_offload", v => v.Megatron
            ? Fan(v, Actor + "megatron.optimizer_offload", v.Critic ? "critic.megatron.optimizer_offload" : null)
            : Fan(v, Actor + "fsdp_config.optimizer_offload", v.Critic ? (v.Is07 ? "critic.model.fsdp_config.optimizer_offload" : "critic.fsdp.optimizer_offload") : null),
            "actor and critic"),
        Direct("parallelism.ref_param_offload", v => v.Megatron ? [Ref + "megatron.param_offload"] : [Ref + "fsdp_config.param_offload"]),
        Direct("parallelism.fsdp_size", v => v.Megatron ? [] : [Actor + "fsdp_config.fsdp_size"], "FSDP shard group size (-1: all GPUs)"),
    ];

    /// <summary>The DAPO-only keys verl's release needs for the algorithm itself (reward manager).</summary>
    internal static IReadOnlyList<(string Key, JsonNode? Value)> DapoKeys(VerlVariant v) =>
        v.Is07 ? [("reward_model.reward_manager", JsonValue.Create("dapo"))] : [("reward.reward_manager.name", JsonValue.Create("dapo"))];

    /// <summary>The key without Hydra's <c>+</c>.</summary>
    public static string Bare(string key) => key.StartsWith('+') ? key[1..] : key;

    private static IReadOnlyList<string> OverlongKeys(VerlVariant v, string field, bool withMaxLength)
    {
        if (!v.Dapo)
        {
            return [];
        }

        if (v.Is07)
        {
            return ["reward_model.overlong_buffer.enable", "reward_model.overlong_buffer." + field];
        }

        const string cfg = "+reward.reward_kwargs.overlong_buffer_cfg.";
        return withMaxLength ? [cfg + "enable", cfg + field, "+reward.reward_kwargs.max_resp_len"] : [cfg + "enable", cfg + field];
    }

    private static string[] RewardFunctionKeys(VerlVariant v) => v.Is07
        ? ["custom_reward_function.path", "custom_reward_function.name"]
        : ["reward.custom_reward_function.path", "reward.custom_reward_function.name"];

    private static string[] RewardModelKeys(VerlVariant v) => v.Is07
        ? ["reward_model.enable", "reward_model.model.path"]
        : ["reward.reward_model.enable", "reward.reward_model.model_path"];

    /// <summary>The keys among <paramref name="keys"/> (nulls skipped) that the variant's tree has; the first is required.</summary>
    private static string[] Fan(VerlVariant v, params string?[] keys) => [.. keys.OfType<string>().Where(k => k.StartsWith('+') || v.Has(k))];

    /// <summary>One trainplat key → the same value on every verl key of the variant; reverse reads the first verl key present.</summary>
    private static VerlMapping Direct(string trainplat, Func<VerlVariant, IReadOnlyList<string>> keys, string? words = null) =>
        new([trainplat], keys,
            (get, v) => keys(v) is { Count: > 0 } k
                ? EmitAll(k, get(trainplat)!, trainplat)
                : new VerlForward.Unmapped($"no counterpart in verl {v.Release} {(v.Megatron ? "Megatron" : "FSDP")}{(v.Critic ? "" : " without a critic")}"),
            (get, v) => keys(v).Select(k => get(Bare(k))).FirstOrDefault(x => x is not null) is { } value ? One(trainplat, value.DeepClone()) : Nothing,
            v => words ?? (keys(v).Count > 1 ? "same value on every key" : "same value"));

    /// <summary>A list of files: one file is written as a string, as verl's scripts do; reverse gives a list either way.</summary>
    private static VerlMapping Files(string key) =>
        new([key], _ => [key],
            (get, _) => Emit(key, get(key) is JsonArray { Count: 1 } one ? one[0]?.DeepClone() : get(key)?.DeepClone(), key),
            (get, _) => get(key) switch
            {
                null => Nothing,
                JsonArray list => One(key, list.DeepClone()),
                var single => One(key, new JsonArray(single.DeepClone())),
            },
            _ => "a list; one file is written as a string, as verl's scripts do");

    private static VerlMapping Enum(string trainplat, Func<VerlVariant, IReadOnlyList<string>> keys, (string Ours, string Theirs)[] values, string words,
        (string Ours, string Theirs)[]? megatron = null) =>
        new([trainplat], keys,
            (get, v) =>
            {
                var table = v.Megatron && megatron is not null ? megatron : values;
                var ours = get(trainplat)!.GetValue<string>();
                return table.FirstOrDefault(p => p.Ours == ours).Theirs is { } theirs
                    ? EmitAll(keys(v), JsonValue.Create(theirs), trainplat)
                    : new VerlForward.Unmapped($"verl has no counterpart for {trainplat} '{ours}'");
            },
            (get, v) =>
            {
                var table = v.Megatron && megatron is not null ? megatron : values;
                return keys(v).Select(k => get(k)).FirstOrDefault(x => x is not null) is JsonValue value && value.TryGetValue<string>(out var theirs)
                    && table.FirstOrDefault(p => p.Theirs == theirs).Ours is { } ours
                    ? One(trainplat, JsonValue.Create(ours))
                    : Nothing;
            },
            _ => words);

    /// <summary>A key whose only expressible value is verl's own behaviour: that value is implied, any other is unmapped.</summary>
    private static VerlMapping Only(string trainplat, object value, string why) =>
        new([trainplat], _ => [],
            (get, _) => Same(get(trainplat), value) ? new VerlForward.Implied(why) : new VerlForward.Unmapped(why),
            (_, _) => Nothing,
            _ => $"(none: {why}; only {Convert.ToString(value, CultureInfo.InvariantCulture)} is exported)");

    private static VerlMapping Unmapped(string trainplat, string why) =>
        new([trainplat], _ => [], (_, _) => new VerlForward.Unmapped(why), (_, _) => Nothing, _ => $"(none: {why})");

    private static VerlMapping Implied(string trainplat, string why) =>
        new([trainplat], _ => [], (_, _) => new VerlForward.Implied(why), (_, _) => Nothing, _ => $"(none: {why})");

    private static VerlMapping MegatronOnly(string trainplat, string field) =>
        new([trainplat], v => v.Megatron ? Fan(v, Actor + "megatron." + field, v.Critic ? "critic.megatron." + field : null) : [],
            (get, v) => v.Megatron
                ? EmitAll(Fan(v, Actor + "megatron." + field, v.Critic ? "critic.megatron." + field : null), get(trainplat)!, trainplat)
                : Number(get(trainplat)) is 1 ? new VerlForward.Implied("FSDP does not split layers")
                : new VerlForward.Unmapped($"verl's FSDP workers have no {field}; use parallelism.strategy: megatron"),
            (get, _) => get(Actor + "megatron." + field) is { } n ? One(trainplat, n.DeepClone()) : Nothing,
            v => v.Megatron ? "actor (ref follows; critic too)" : "(none on FSDP: only 1 is exported)");

    private static VerlForward.Emit Emit(string key, JsonNode? value, string from) => new([(key, value)], from);

    private static VerlForward EmitAll(IReadOnlyList<string> keys, JsonNode value, string from) =>
        keys.Count == 0 ? new VerlForward.Unmapped("no counterpart in this verl variant") : new VerlForward.Emit([.. keys.Select(k => (k, value.DeepClone()))], from);

    private static JsonNode? First(Func<string, JsonNode?> get, params string[] keys) =>
        keys.Select(k => get(Bare(k))).FirstOrDefault(x => x is not null);

    private static Dictionary<string, JsonNode?> One(string key, JsonNode? value) => new() { [key] = value };

    /// <summary>A number however it is held (parsed JSON, an int, a double), else null.</summary>
    public static double? Number(JsonNode? node) => Numbers.Of(node);

    private static JsonNode? WholeAsInt(JsonNode? node) =>
        Number(node) is { } d && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue ? JsonValue.Create((int)d) : node?.DeepClone();

    /// <summary>A ratio of two decimal settings without binary noise (1e-7 / 1e-6 is 0.1, not 0.09999999999999999).</summary>
    private static double Rounded(double value) => double.Parse(value.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static bool Same(JsonNode? node, object value) => value switch
    {
        string s => node is JsonValue v && v.TryGetValue<string>(out var t) && t == s,
        double d => Number(node) is { } n && Math.Abs(n - d) <= Math.Abs(d) * 1e-9,
        _ => false,
    };
}
