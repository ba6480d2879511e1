using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Resolution;

/// <summary>
/// The calibration table of docs/memory.md: our estimate against published measurements (torchtune README.md and
/// docs/source/tutorials/memory_optimizations.rst) and against configurations that verl documents as runnable
/// (docs/perf/device_tuning.rst, minimal resources). Measured rows must be within ±25%; runnable rows must fit.
/// </summary>
public sealed class MemoryCalibrationTests
{
    /// <summary>GiB → GB: the published torchtune figures are PyTorch allocator statistics in GiB.</summary>
    private const double GbPerGib = 1.073741824;

    /// <summary>How far a measured row may be from its published figure.</summary>
    private const double Tolerance = 0.25;

    /// <summary>A row: Published is the measured peak in GB (null for a runnable-only row, which must fit).</summary>
    public sealed record Row(string Model, string Recipe, string Settings, double? PublishedGb, string PublishedText, string Source, MemoryInputs Inputs)
    {
        /// <summary>A runnable row the estimate cannot show to fit, and why (the test holds it to that verdict, and the table says so).</summary>
        public string? Gap { get; init; }
    }

    private static MemoryInputs From(string model, string algorithm, string framework) =>
        ModelCatalog.BuiltIn.TryResolve(model, out var m)
            ? new MemoryInputs(
                m.Parameters, m.ActiveParameters, m.Layers, m.HiddenSize, m.Heads, m.KvHeads, m.HeadDim, m.VocabSize,
                Algorithm: algorithm, Lora: false, LoraRank: 0, Quantization: "none", Precision: "bf16", Strategy: "fsdp",
                Gpus: 1, TensorParallel: 1, PipelineParallel: 1, ContextParallel: 1, SequenceParallel: 1,
                ParamOffload: false, OptimizerOffload: false, MicroBatchPerGpu: 2, SequenceLength: 2048, GradientCheckpointing: true,
                GpuMemoryGb: MemoryEstimator.DeviceCapacityGb(80), RolloutTensorParallel: 0, RolloutGpuMemoryUtilization: null, HasReferenceModel: false, HasCritic: false)
            { Framework = framework }
            : throw new InvalidOperationException($"{model} is not in the built-in catalog");

    // torchtune README.md:119: "batch size 2 (without gradient accumulation), a dataset packed to sequence length 2048".
    private static MemoryInputs Torchtune(string model) => From(model, "sft", "torchtune");

    private static MemoryInputs VerlGrpo(string model, int gpus, double gpuGb, int rolloutTp, double utilization) => From(model, "grpo", "verl") with
    {
        Gpus = gpus,
        GpuMemoryGb = gpuGb,
        ParamOffload = true,
        OptimizerOffload = true,
        RolloutTensorParallel = rolloutTp,
        RolloutGpuMemoryUtilization = utilization,
        HasReferenceModel = true,
        MicroBatchPerGpu = 1,
    };

    /// <summary>
    /// What an "80 GB" H100/H800 holds in the tool's unit (1e9 bytes), as render computes it from `--gpu-memory 80`: the
    /// data-sheet figure is GiB, 85.9 GB (nvidia-smi reports 81559 MiB = 85.5 GB). The H20's "96 GB" likewise.
    /// </summary>
    private static readonly double H100Gb = MemoryEstimator.DeviceCapacityGb(80);

    private static readonly double H20Gb = MemoryEstimator.DeviceCapacityGb(96);

    /// <summary>
    /// The GRPO-LoRA tuning scripts set the legacy global <c>ppo_micro_batch_size</c> to their prompt count; verl divides it by
    /// GPUs / SP (fsdp_workers.py) to get the per-GPU micro batch, which is what <paramref name="micro"/> is.
    /// </summary>
    private static MemoryInputs VerlLora(string model, int gpus, int sp, int rolloutTp, double utilization, int micro) =>
        VerlGrpo(model, gpus, H100Gb, rolloutTp, utilization) with { Lora = true, LoraRank = 32, SequenceParallel = sp, SequenceLength = 512 + 1024, MicroBatchPerGpu = micro };

    public static IReadOnlyList<Row> Rows { get; } =
    [
        new("meta-llama/Llama-3.1-8B-Instruct", "full, torchtune 8B_full_single_device", "1 × 24 GB (4090), PagedAdamW8bit, optimizer_in_bwd, AC, b 2, s 2048",
            18.9 * GbPerGib, "18.9 GiB", "pytorch/torchtune README.md:125; recipes/configs/llama3_1/8B_full_single_device.yaml:60,66",
            Torchtune("meta-llama/Llama-3.1-8B-Instruct") with { Strategy = "ddp", GpuMemoryGb = MemoryEstimator.DeviceCapacityGb(24), Optimizer = "paged_adamw_8bit", OptimizerInBackward = true }),
        new("meta-llama/Llama-3.1-8B-Instruct", "LoRA r 8, torchtune 8B_lora_single_device", "1 × 24 GB (4090), AdamW, AC, b 2, s 2048",
            16.2 * GbPerGib, "16.2 GiB", "pytorch/torchtune README.md:127; recipes/configs/llama3_1/8B_lora_single_device.yaml:27",
            Torchtune("meta-llama/Llama-3.1-8B-Instruct") with { Strategy = "ddp", GpuMemoryGb = MemoryEstimator.DeviceCapacityGb(24), Algorithm = "lora", Lora = true, LoraRank = 8 }),
        new("meta-llama/Llama-3.1-8B-Instruct", "QLoRA r 8, torchtune 8B_qlora_single_device", "1 × 24 GB (4090), nf4 base, AdamW, AC, b 2, s 2048",
            7.4 * GbPerGib, "7.4 GiB", "pytorch/torchtune README.md:129; recipes/configs/llama3_1/8B_qlora_single_device.yaml:26",
            Torchtune("meta-llama/Llama-3.1-8B-Instruct") with { Strategy = "ddp", GpuMemoryGb = MemoryEstimator.DeviceCapacityGb(24), Algorithm = "qlora", Lora = true, LoraRank = 8, Quantization = "nf4" }),
        new("meta-llama/Llama-3.1-70B-Instruct", "full, torchtune 70B_full", "8 × 80 GB (A100), FSDP, fsdp_cpu_offload, AdamW, AC, b 2, s 2048",
            13.9 * GbPerGib, "13.9 GiB", "pytorch/torchtune README.md:130,135; recipes/configs/llama3_1/70B_full.yaml:86",
            Torchtune("meta-llama/Llama-3.1-70B-Instruct") with { Gpus = 8, ParamOffload = true, OptimizerOffload = true }),
        new("meta-llama/Llama-3.1-70B-Instruct", "LoRA r 16, torchtune 70B_lora", "8 × 80 GB (A100), FSDP, AdamW, AC, b 2, s 2048",
            27.6 * GbPerGib, "27.6 GiB", "pytorch/torchtune README.md:131; recipes/configs/llama3_1/70B_lora.yaml:19",
            Torchtune("meta-llama/Llama-3.1-70B-Instruct") with { Gpus = 8, Algorithm = "lora", Lora = true, LoraRank = 16 }),
        new("meta-llama/Llama-3.1-405B-Instruct", "QLoRA r 16, torchtune 405B_qlora", "8 × 80 GB (A100), FSDP, nf4 base, AdamW, AC, b 2, s 2048",
            44.8, "44.8 GB", "pytorch/torchtune README.md:132; recipes/configs/llama3_1/405B_qlora.yaml:25",
            Torchtune("meta-llama/Llama-3.1-405B-Instruct") with { Gpus = 8, Algorithm = "qlora", Lora = true, LoraRank = 16, Quantization = "nf4" }),
        new("meta-llama/Llama-3.2-3B-Instruct", "full, torchtune full_finetune_single_device", "1 × 80 GB (A100), bf16 AdamW, packed, chunked CE, AC, b 2, s 4096",
            24.9 * GbPerGib, "24.9 GiB", "pytorch/torchtune README.md:143,151",
            Torchtune("meta-llama/Llama-3.2-3B-Instruct") with { Strategy = "ddp", SequenceLength = 4096 }),
        new("meta-llama/Llama-3.2-3B-Instruct", "full, torchtune full_finetune_single_device", "as above + optimizer_in_bwd",
            23.1 * GbPerGib, "23.1 GiB", "pytorch/torchtune README.md:152",
            Torchtune("meta-llama/Llama-3.2-3B-Instruct") with { Strategy = "ddp", SequenceLength = 4096, OptimizerInBackward = true }),

        // verl docs/perf/device_tuning.rst, "MIN" rows: the scripts' offload, lengths, rollout TP and utilisation.
        new("Qwen/Qwen2.5-0.5B-Instruct", "GRPO-LoRA r 32, verl", "1 × H100 80 GB, offload, micro 1, s 512+1024, rollout TP 1, util 0.1",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:48-53; examples/tuning/0.5b/qwen2-0.5b_grpo-lora_1_h100_fsdp_vllm.sh",
            VerlLora("Qwen/Qwen2.5-0.5B-Instruct", 1, 1, 1, 0.1, 1)),
        new("Qwen/Qwen2.5-1.5B-Instruct", "GRPO-LoRA r 32, verl", "1 × H100 80 GB, offload, micro 128, s 512+1024, rollout TP 1, util 0.1",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:74-79; examples/tuning/1.5b/qwen2-1.5b_grpo-lora_1_h100_fsdp_vllm.sh",
            VerlLora("Qwen/Qwen2.5-1.5B-Instruct", 1, 1, 1, 0.1, 128)),
        new("Qwen/Qwen2.5-3B-Instruct", "GRPO-LoRA r 32, verl", "1 × H100 80 GB, offload, micro 62, s 512+1024, rollout TP 1, util 0.1",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:100-105; examples/tuning/3b/qwen2-3b_grpo-lora_1_h100_fsdp_vllm.sh",
            VerlLora("Qwen/Qwen2.5-3B-Instruct", 1, 1, 1, 0.1, 62)),
        new("Qwen/Qwen2.5-7B-Instruct (script: Qwen2-7B-Instruct)", "GRPO, verl", "2 × H800 80 GB, offload, micro 16, s 1024+1024, rollout TP 2, util 0.6",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:126-131; examples/tuning/7b/qwen2-7b_grpo_2_h800_fsdp_vllm.sh:16-35",
            VerlGrpo("Qwen/Qwen2.5-7B-Instruct", 2, H100Gb, 2, 0.6) with { MicroBatchPerGpu = 16, SequenceLength = 2048 }),
        new("Qwen/Qwen2.5-7B-Instruct", "GRPO-LoRA r 32, verl", "1 × H100 80 GB, offload, micro 16, s 512+1024, rollout TP 1, util 0.2",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:135-140; examples/tuning/7b/qwen2-7b_grpo-lora_1_h100_fsdp_vllm.sh",
            VerlLora("Qwen/Qwen2.5-7B-Instruct", 1, 1, 1, 0.2, 16)),
        new("Qwen/Qwen2.5-14B-Instruct (script: Qwen2.5-Coder-14B-Instruct)", "GRPO, verl", "4 × H800 80 GB, offload, micro 16, s 1024+1024, rollout TP 4, util 0.5",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:161-166; examples/tuning/14b/qwen2_14b_grpo_4_h800_fsdp_vllm.sh:15-34",
            VerlGrpo("Qwen/Qwen2.5-14B-Instruct", 4, H100Gb, 4, 0.5) with { MicroBatchPerGpu = 16, SequenceLength = 2048 })
        {
            Gap = "16 samples of 1024 + 1024 tokens at full length do not fit; the script runs because use_remove_padding packs only the real GSM8K tokens (line 21)",
        },
        new("Qwen/Qwen2.5-14B-Instruct", "GRPO-LoRA r 32, verl", "2 × H100 80 GB, offload, micro 58, SP 2, s 512+1024, rollout TP 2, util 0.25",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:170-175; examples/tuning/14b/qwen2-14b_grpo-lora_2_h100_fsdp_vllm.sh",
            VerlLora("Qwen/Qwen2.5-14B-Instruct", 2, 2, 2, 0.25, 58)),
        new("Qwen/Qwen2.5-32B-Instruct (script: Qwen2.5-32B)", "GRPO, verl Megatron", "8 × H20 96 GB, TP 8, offload, micro 1, s 2048+6144, rollout TP 8, util 0.6",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:196-201; examples/tuning/32b/qwen2_32B_grpo_8_h20_megatron_vllm.sh:19-38",
            VerlGrpo("Qwen/Qwen2.5-32B-Instruct", 8, H20Gb, 8, 0.6) with { Strategy = "megatron", TensorParallel = 8, SequenceLength = 8192 }),
        new("Qwen/Qwen2.5-32B-Instruct", "GRPO-LoRA r 32, verl", "4 × H100 80 GB, offload, micro 22, SP 2, s 512+1024, rollout TP 4, util 0.3",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:205-210; examples/tuning/32b/qwen2-32b_grpo-lora_4_h100_fsdp_vllm.sh",
            VerlLora("Qwen/Qwen2.5-32B-Instruct", 4, 2, 4, 0.3, 22)),
        new("Qwen/Qwen2.5-72B-Instruct (script: Qwen2-72B-Instruct)", "GRPO, verl", "32 × H20 96 GB, offload, dynamic batch 24000 tokens/GPU, rollout TP 16, util 0.6",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:231-236; examples/tuning/70b/qwen2-70b_grpo_32_h20_fsdp_vllm.sh:20-31",
            VerlGrpo("Qwen/Qwen2.5-72B-Instruct", 32, H20Gb, 16, 0.6) with { SequenceLength = 24000, SequenceIsPerGpu = true }),
        new("Qwen/Qwen2.5-72B-Instruct (script: Qwen2-72B-Instruct)", "GRPO, verl", "32 × H800 80 GB, offload, dynamic batch 24000 tokens/GPU, rollout TP 16, util 0.6",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:240-245; examples/tuning/70b/qwen2-70b_grpo_32_h800_fsdp_vllm.sh:22-33",
            VerlGrpo("Qwen/Qwen2.5-72B-Instruct", 32, H100Gb, 16, 0.6) with { SequenceLength = 24000, SequenceIsPerGpu = true }),
        new("Qwen/Qwen2.5-72B-Instruct", "GRPO-LoRA r 32, verl", "8 × H100 80 GB, offload, micro 5, SP 2, s 512+1024, rollout TP 8, util 0.4",
            null, "runs (MIN)", "volcengine/verl docs/perf/device_tuning.rst:249-254; examples/tuning/70b/qwen2-72b_grpo-lora_8_h100_fsdp_vllm.sh",
            VerlLora("Qwen/Qwen2.5-72B-Instruct", 8, 2, 8, 0.4, 5)),
    ];

    public static TheoryData<int> Indexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Rows.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    /// <summary>Our figure to compare with a PyTorch allocator peak: the total less the 2 GB CUDA-context allowance, which the allocator does not see.</summary>
    public static double Tensors(MemoryEstimate e) => e.TotalGb - MemoryEstimator.OverheadGb;

    [Theory]
    [MemberData(nameof(Indexes))]
    public void Each_row_agrees_with_its_published_figure(int index)
    {
        var row = Rows[index];
        var estimate = MemoryEstimator.Estimate(row.Inputs);
        if (row.PublishedGb is { } published)
        {
            var ratio = Tensors(estimate) / published;
            Assert.True(Math.Abs(ratio - 1) <= Tolerance,
                $"{row.Model} {row.Settings}: estimate {Tensors(estimate):0.0} GB vs published {published:0.0} GB ({(ratio - 1) * 100:+0;-0}%)\n{Dump(estimate)}");
        }
        else if (row.Gap is not null)
        {
            Assert.False(estimate.Fits, $"{row.Model}: now fits; drop its Gap note");
        }
        else
        {
            Assert.True(estimate.Fits, $"{row.Model} {row.Settings}: estimated {estimate.TotalGb:0.0} GB does not fit {estimate.GpuMemoryGb} GB\n{Dump(estimate)}");
            Assert.True(estimate.RolloutFits, $"{row.Model}: rollout rule fails");
            Assert.True(estimate.RolloutPhaseGb <= estimate.GpuMemoryGb, $"{row.Model}: rollout phase {estimate.RolloutPhaseGb:0.0} GB does not fit");
        }
    }

    /// <summary>The table as docs/memory.md prints it; the test fails when the page is out of date.</summary>
    [Fact]
    public void Docs_memory_md_carries_the_table()
    {
        var table = Table();
        var path = Path.Combine(TestPaths.RepoRoot, "docs", "memory.md");
        var docs = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("TRAINPLAT_APPROVE") == "1" && !docs.Contains(table, StringComparison.Ordinal))
        {
            // Replace the page's calibration table (the block of '|' lines that starts with the same header line).
            var header = table[..(table.IndexOf('\n', StringComparison.Ordinal) + 1)];
            var start = docs.IndexOf(header, StringComparison.Ordinal);
            Assert.True(start >= 0, "docs/memory.md has no calibration table header to replace:\n" + header);
            var end = start;
            while (end < docs.Length && docs[end] == '|')
            {
                end = docs.IndexOf('\n', end) is var newline and >= 0 ? newline + 1 : docs.Length;
            }

            docs = docs[..start] + table + (table.EndsWith('\n') ? "" : "\n") + docs[end..];
            File.WriteAllText(path, docs);
        }

        Assert.True(docs.Contains(table, StringComparison.Ordinal), "docs/memory.md lacks the current calibration table:\n" + table);
    }

    public static string Table()
    {
        var sb = new StringBuilder();
        sb.Append("| model | recipe | settings | published | source | our estimate (total / tensors) | difference |\n");
        sb.Append("|---|---|---|---|---|---|---|\n");
        foreach (var row in Rows)
        {
            var e = MemoryEstimator.Estimate(row.Inputs);
            var ours = string.Create(CultureInfo.InvariantCulture, $"{e.TotalGb:0.0} / {Tensors(e):0.0} GB");
            var difference = row.PublishedGb is { } p
                ? string.Create(CultureInfo.InvariantCulture, $"{(Tensors(e) / p - 1) * 100:+0;-0}% (vs {p:0.0} GB)")
                : string.Create(CultureInfo.InvariantCulture, $"{(e.Fits ? "fits" : "does NOT fit")} {e.GpuMemoryGb:0.#} GB; rollout phase {e.RolloutPhaseGb:0.0} GB")
                    + (row.Gap is { } gap ? $" — gap: {gap}" : "");
            sb.Append(CultureInfo.InvariantCulture, $"| {row.Model} | {row.Recipe} | {row.Settings} | {row.PublishedText} | {row.Source} | {ours} | {difference} |\n");
        }

        return sb.ToString();
    }

    private static string Dump(MemoryEstimate e) =>
        string.Join("\n", e.Terms.Select(t => string.Create(CultureInfo.InvariantCulture, $"  {t.Name}: {t.Gb:0.00}  {t.Formula}")).Concat(e.Notes));
}
