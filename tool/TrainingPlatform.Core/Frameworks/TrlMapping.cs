namespace TrainingPlatform.Core.Frameworks;

/// <summary>
/// The TRL mapping in one place: the value tables export and import share, and the rows docs/frameworks.md shows
/// (a test keeps the rows in step with what export emits).
/// </summary>
internal static class TrlMapping
{
    internal sealed record Row(string TrainplatKey, string TrlField, string Conversion, params string[] Classes);

    private const string Sft = "SFTConfig";
    private const string Dpo = "DPOConfig";
    private const string Grpo = "GRPOConfig";
    private const string Reward = "RewardConfig";
    private const string Orpo = "ORPOConfig";
    private const string Cpo = "CPOConfig";

    /// <summary>trainplat optimizer names → transformers <c>optim</c> values.</summary>
    public static readonly IReadOnlyDictionary<string, string> Optimizers = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["adamw"] = "adamw_torch",
        ["adamw_fused"] = "adamw_torch_fused",
        ["adamw_8bit"] = "adamw_bnb_8bit",
        ["paged_adamw_8bit"] = "paged_adamw_8bit",
        ["paged_adamw_32bit"] = "paged_adamw_32bit",
        ["adafactor"] = "adafactor",
        ["sgd"] = "sgd",
        ["lion"] = "lion_32bit",
    };

    /// <summary>verl-style loss aggregation → TRL GRPO <c>loss_type</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> LossTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["token-mean"] = "dapo",
        ["seq-mean-token-mean"] = "grpo",
        ["seq-mean-token-sum-norm"] = "dr_grpo",
    };

    /// <summary>parallelism.strategy → the accelerate config the <c>trl</c> command line ships.</summary>
    public static readonly IReadOnlyDictionary<string, string> AccelerateConfigs = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ddp"] = "multi_gpu",
        ["fsdp"] = "fsdp1",
        ["fsdp2"] = "fsdp2",
        ["deepspeed_zero1"] = "zero1",
        ["deepspeed_zero2"] = "zero2",
        ["deepspeed_zero3"] = "zero3",
    };

    public static readonly IReadOnlyList<Row> Rows =
    [
        new("model.path", "model_name_or_path", "as is (ModelConfig)"),
        new("data.train_files", "dataset_name", "the first file (ScriptArguments); more files: warning"),
        new("rl.reward_model", "reward_model_name_or_path", "as is (the grpo script's arguments)", Grpo),
        new("rl.reward_function", "reward_funcs", "[path without .py, slashes as dots, + \".\" + name]: a dotted import path", Grpo),
        new("model.precision", "bf16", "true when bf16"),
        new("model.precision", "fp16", "true when fp16 (fp32: both false)"),
        new("model.gradient_checkpointing", "gradient_checkpointing", "as is"),
        new("model.attn_implementation", "attn_implementation", "as is (ModelConfig)"),
        new("model.trust_remote_code", "trust_remote_code", "as is"),
        new("model.quantization", "load_in_4bit", "true for nf4 or fp4 (ModelConfig)"),
        new("model.quantization", "bnb_4bit_quant_type", "nf4 or fp4 (ModelConfig)"),
        new("model.quantization", "load_in_8bit", "true for int8 (ModelConfig)"),
        new("model.use_remove_padding", "padding_free", "as is", Sft, Dpo),
        new("optimizer.name", "optim", "adamw → adamw_torch, adamw_fused → adamw_torch_fused, adamw_8bit → adamw_bnb_8bit, lion → lion_32bit, others by the same name"),
        new("optimizer.learning_rate", "learning_rate", "as is"),
        new("optimizer.weight_decay", "weight_decay", "as is"),
        new("optimizer.beta1", "adam_beta1", "as is"),
        new("optimizer.beta2", "adam_beta2", "as is"),
        new("optimizer.eps", "adam_epsilon", "as is"),
        new("optimizer.lr_scheduler", "lr_scheduler_type", "as is (the same names)"),
        new("optimizer.warmup_steps", "warmup_steps", "as is"),
        new("optimizer.warmup_ratio", "warmup_ratio", "as is"),
        new("optimizer.max_grad_norm", "max_grad_norm", "as is; null (no clipping) → 0.0 (transformers clips only above 0)"),
        new("optimizer.min_learning_rate", "lr_scheduler_kwargs", "{min_lr: value} with lr_scheduler cosine_with_min_lr; otherwise a warning"),
        new("batch.micro_batch_size_per_gpu", "per_device_train_batch_size", "the micro batch when it divides global / GPUs, else the largest divisor below it", Sft, Dpo, Reward, Orpo, Cpo),
        new("batch.global_batch_size", "gradient_accumulation_steps", "global / (per_device_train_batch_size × GPUs); the global batch must be a multiple of the GPU count", Sft, Dpo, Reward, Orpo, Cpo),
        new("rl.rollout_n", "num_generations", "as is", Grpo),
        new("batch.micro_batch_size_per_gpu", "per_device_train_batch_size", "in completions: the micro batch when it divides mini × rollout_n / GPUs, else the largest divisor below it", Grpo),
        new("batch.mini_batch_size", "gradient_accumulation_steps", "mini × rollout_n / (per_device_train_batch_size × GPUs): one optimizer step is one policy update", Grpo),
        new("batch.global_batch_size", "generation_batch_size", "global × rollout_n completions per generation (batch.generation_batch_size when set)", Grpo),
        new("rl.ppo_epochs", "num_iterations", "as is", Grpo),
        new("rl.rollout_n", "per_device_eval_batch_size", "with eval_steps: the smallest e with e × GPUs a multiple of rollout_n (TRL's check)", Grpo),
        new("rl.kl_coef", "beta", "kl_coef with use_kl_loss true (TRL's KL is the k3 estimator), else 0.0", Grpo),
        new("rl.clip_ratio_low", "epsilon", "as is", Grpo),
        new("rl.clip_ratio_high", "epsilon_high", "as is", Grpo),
        new("rl.entropy_coef", "entropy_coef", "as is", Grpo),
        new("rl.temperature", "temperature", "as is", Grpo),
        new("rl.top_p", "top_p", "as is", Grpo),
        new("rl.loss_agg_mode", "loss_type", "token-mean → dapo, seq-mean-token-mean → grpo, seq-mean-token-sum-norm → dr_grpo", Grpo),
        new("algorithm: dapo", "mask_truncated_completions", "true (DAPO's overlong filtering)", Grpo),
        new("rl.norm_adv_by_std", "scale_rewards", "true → group, false → none", Grpo),
        new("rl.rollout_engine", "use_vllm", "vllm → true, hf → false", Grpo),
        new("rl.rollout_engine", "vllm_mode", "colocate (vLLM on the training GPUs, as in verl)", Grpo),
        new("rl.gpu_memory_utilization", "vllm_gpu_memory_utilization", "as is", Grpo),
        new("parallelism.rollout_tensor_parallel_size", "vllm_tensor_parallel_size", "as is", Grpo),
        new("data.max_response_length", "max_completion_length", "as is", Grpo, Orpo, Cpo),
        new("preference.loss_type", "loss_type", "[loss_type] (a list at 1.9) for sigmoid, ipo, hinge, robust", Dpo),
        new("algorithm: simpo", "loss_type", "simpo", Cpo),
        new("algorithm: simpo", "cpo_alpha", "0.0: no behaviour-cloning term", Cpo),
        new("preference.beta", "beta", "as is (ORPO: lambda)", Dpo, Cpo, Orpo),
        new("preference.label_smoothing", "label_smoothing", "as is", Dpo, Cpo),
        new("preference.simpo_gamma", "simpo_gamma", "as is: TRL subtracts simpo_gamma / beta from the length-normalised log-ratio before scaling by beta, a margin of simpo_gamma in reward units", Cpo),
        new("data.max_seq_length", "max_length", "as is", Sft, Dpo, Reward, Orpo, Cpo),
        new("data.packing", "packing", "as is", Sft),
        new("data.shuffle", "shuffle_dataset", "as is", Grpo),
        new("data.shuffle", "train_sampling_strategy", "true → random, false → sequential", Sft, Dpo, Reward, Orpo, Cpo),
        new("data.truncation", "truncation_mode", "left → keep_end, right → keep_start", Sft, Dpo),
        new("trainer.epochs", "num_train_epochs", "as is"),
        new("trainer.max_steps", "max_steps", "as is; GRPO: × (global / mini × num_iterations) optimizer steps per step"),
        new("trainer.seed", "seed", "as is"),
        new("trainer.save_steps", "save_steps", "as is, with save_strategy steps; GRPO: × optimizer steps per step"),
        new("trainer.eval_steps", "eval_steps", "as is, with eval_strategy steps; GRPO: × optimizer steps per step"),
        new("trainer.save_steps", "save_strategy", "steps, when save_steps is set"),
        new("trainer.eval_steps", "eval_strategy", "steps, when eval_steps is set"),
        new("trainer.logging_steps", "logging_steps", "as is; GRPO: × optimizer steps per step"),
        new("trainer.output_dir", "output_dir", "as is"),
        new("trainer.experiment_name", "run_name", "as is"),
        new("trainer.logger", "report_to", "the list without console (only console: none)"),
        new("lora.rank", "use_peft", "true with a lora section or algorithm lora/qlora (ModelConfig)"),
        new("lora.rank", "lora_r", "as is (ModelConfig)"),
        new("lora.alpha", "lora_alpha", "as is; must be whole (an int in ModelConfig)"),
        new("lora.dropout", "lora_dropout", "as is (ModelConfig)"),
        new("lora.target_modules", "lora_target_modules", "a list; all-linear → [all-linear] (ModelConfig makes a one-element list a string)"),
        new("parallelism.strategy", "accelerate_config", "ddp → multi_gpu (single_gpu on one GPU), fsdp → fsdp1, fsdp2, deepspeed_zeroN → zeroN; megatron: exit 2", Sft, Dpo, Reward, Grpo),
        new("trainer.gpus_per_node × trainer.nodes", "num_processes", "the GPU count (one process per GPU)", Sft, Dpo, Reward, Grpo),
        new("trainer.nodes", "num_machines", "when more than one node", Sft, Dpo, Reward, Grpo),
    ];
}
