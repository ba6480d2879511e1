namespace TrainingPlatform.Core.Resolution;

/// <summary>
/// Defaults that differ by framework, so no single schema default can hold them. Each value is the
/// framework's own default, cited by file and line; a framework with no entry has no default here.
/// </summary>
public static class FrameworkDefaults
{
    /// <summary>A framework's default for one key, with the upstream source for <c>--explain</c>.</summary>
    public sealed record Entry(double Value, string Source);

    private static readonly Dictionary<string, Entry> GpuMemoryUtilizationByFramework = new(StringComparer.Ordinal)
    {
        // actor_rollout_ref.rollout.gpu_memory_utilization
        ["verl"] = new(0.5, "verl default, verl/trainer/config/rollout/rollout.yaml:32 @ b178a3c (also v0.7.0)"),
        // GRPOConfig.vllm_gpu_memory_utilization (colocated vLLM)
        ["trl"] = new(0.3, "TRL default, trl/trainer/grpo_config.py:647 @ v1.9.0 (vllm_gpu_memory_utilization)"),
        // policy.generation.vllm_cfg.gpu_memory_utilization
        ["nemo_rl"] = new(0.6, "NeMo-RL default, examples/configs/grpo_math_1B.yaml:419 @ 7ea279a"),
    };

    /// <summary>The frameworks that have a default for <c>rl.gpu_memory_utilization</c>.</summary>
    public static IReadOnlyCollection<string> GpuMemoryUtilizationFrameworks => GpuMemoryUtilizationByFramework.Keys;

    /// <summary>
    /// The rollout engine's share of GPU memory the framework uses when <c>rl.gpu_memory_utilization</c> is not
    /// set, or null when the framework has no known default.
    /// </summary>
    public static Entry? GpuMemoryUtilization(string? framework) =>
        framework is not null && GpuMemoryUtilizationByFramework.TryGetValue(framework, out var entry) ? entry : null;
}
