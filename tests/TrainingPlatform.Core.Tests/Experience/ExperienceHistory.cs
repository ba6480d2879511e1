using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Tests.Experience;

/// <summary>
/// A made-up but plausible job history for tests, demos and the <c>suggest</c>/<c>recommend</c> benchmark:
/// the same seed and size always give the same jobs, configs and metrics, on any machine (the generator is
/// SplitMix64, not <see cref="Random"/>, whose sequence .NET does not promise to keep).
/// </summary>
/// <remarks>
/// About 55 % of jobs are GRPO (<c>rlhf</c>/<c>grpo</c>), the rest PPO, DPO and SFT noise, on 1.5B to 70B
/// models. Configs have the keys <c>render grpo_basic</c> (and ppo, dpo_full, sft_full) produce, with the
/// same scaling by size. Six in ten GRPO jobs are "tuned": a learning rate near <see cref="BestLearningRate"/>
/// (a log-normal spread of about ×1.3) and mostly a global batch of <see cref="BestGlobalBatchSize"/>; the
/// others explore (learning rate log-uniform in 1e-7..1e-5, global batch 64..2048). The final <c>reward</c>
/// falls with the squared distance from those values (in decades and in doublings), so the best-scoring
/// GRPO jobs up to 14B sit near them; models of 32B and up do best at half of both. A learning rate well
/// above the best one makes a job likely to fail (some failures are cancellations).
/// The tests use seed <see cref="DocumentedSeed"/> with 200 jobs.
/// </remarks>
public sealed class ExperienceHistory
{
    public const int DocumentedSeed = 7;

    public const double BestLearningRate = 6.5e-7;

    public const int BestGlobalBatchSize = 512;

    /// <summary>The metric GRPO and PPO jobs record (higher is better).</summary>
    public const string RewardMetric = "reward";

    /// <summary>The metric DPO and SFT jobs record (lower is better).</summary>
    public const string LossMetric = "eval_loss";

    private static readonly (double Parameters, string Text, double Weight)[] Sizes =
    [
        (1.5e9, "1.5B", 0.10),
        (7e9, "7B", 0.40),
        (8e9, "8B", 0.15),
        (14e9, "14B", 0.15),
        (32e9, "32B", 0.10),
        (70e9, "70B", 0.10),
    ];

    private static readonly string[] Users = ["alice", "bob", "carol", "dmitri"];

    private static readonly Lazy<Templates> Template = new(() => new Templates());

    private readonly Dictionary<string, string> _configs;
    private readonly Dictionary<string, RecipeVersionRecord> _recipes;

    private ExperienceHistory(IReadOnlyList<JobRecord> jobs, Dictionary<string, string> configs, Dictionary<string, RecipeVersionRecord> recipes)
    {
        Jobs = jobs;
        _configs = configs;
        _recipes = recipes;
    }

    /// <summary>The jobs, in creation order (ids <c>e00000000001</c>, <c>e00000000002</c>, …: 12 hex digits like real job ids).</summary>
    public IReadOnlyList<JobRecord> Jobs { get; }

    /// <summary>Rendered configs as a store keeps them: canonical JSON by SHA-256.</summary>
    public IReadOnlyDictionary<string, string> Configs => _configs;

    /// <summary>A config by hash, as <see cref="ILineageStore.GetConfig"/> answers.</summary>
    public string? GetConfig(string hash) => _configs.GetValueOrDefault(hash);

    /// <summary>Every job as evidence, configs read lazily.</summary>
    public IReadOnlyList<EvidenceJob> Evidence() => EvidenceJob.Load(Jobs, GetConfig);

    /// <summary>The jobs as <see cref="ILineageStore.CreateJob"/> takes them (with their recipe versions and configs, no datasets).</summary>
    public IEnumerable<NewJob> ToNewJobs() =>
        Jobs.Select(j => new NewJob(j, [_recipes[j.RecipeHash]], _configs[j.ConfigHash], []));

    /// <summary>
    /// The history as an export (<see cref="LineageExchange"/>): recipe versions, configs, jobs, and each job's
    /// final metric value as one point at its last step, so that <c>trainplat job import</c> loads it.
    /// </summary>
    public LineageBundle ToBundle() => new(
        [.. _recipes.Values.OrderBy(r => r.Hash, StringComparer.Ordinal)],
        [.. _configs.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value))],
        [],
        Jobs,
        [.. Jobs.SelectMany(j => j.Metrics.Select(m => new MetricBatch($"{j.Id}:{m.Name}", j.Id, m.Name, [(m.LastStep, m.Last, j.Finished ?? j.Created)], null)))]);

    /// <param name="seed">Any seed; the tests use <see cref="DocumentedSeed"/>.</param>
    /// <param name="jobs">How many jobs.</param>
    /// <param name="start">When the first job was created (default 2025-01-01T00:00Z); jobs follow about every 3 hours.</param>
    public static ExperienceHistory Generate(int seed, int jobs, DateTimeOffset? start = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(jobs);
        var random = new SplitMix64(seed);
        var templates = Template.Value;
        var origin = start ?? new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = origin;
        var records = new List<JobRecord>(jobs);
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        var recipes = new Dictionary<string, RecipeVersionRecord>(StringComparer.Ordinal);
        for (var i = 0; i < jobs; i++)
        {
            var (parameters, sizeText) = PickSize(random);
            var kind = random.NextDouble();
            var run = kind < 0.55 ? Grpo(random, templates, parameters)
                : kind < 0.67 ? Ppo(random, templates, parameters)
                : kind < 0.82 ? Dpo(random, templates, parameters)
                : Sft(random, templates, parameters);

            var json = CanonicalJson.Write(run.Config);
            var configHash = CanonicalJson.Sha256(run.Config);
            configs.TryAdd(configHash, json);
            var recipe = RecipeVersion(run, origin, recipes);

            var created = time.AddMinutes(random.Next(0, 60));
            var started = created.AddMinutes(2 + random.Next(0, 20));
            var finished = started.AddMinutes(30 + random.Next(0, 600));
            time = time.AddHours(3);
            var nodes = (int)run.Config["trainer"]!["nodes"]!.GetValue<long>();
            var gpus = (int)run.Config["trainer"]!["total_gpus"]!.GetValue<long>();
            records.Add(new JobRecord
            {
                Id = "e" + (i + 1).ToString("x11", CultureInfo.InvariantCulture),
                Name = $"{run.RecipeId}-{sizeText.ToLowerInvariant()}-{(i + 1).ToString(CultureInfo.InvariantCulture)}",
                Status = run.Status,
                RecipeId = run.RecipeId,
                RecipeVersion = run.Version,
                RecipeHash = recipe.Hash,
                Chain = [recipe.Hash],
                Task = run.Task,
                Algorithm = run.Algorithm,
                ModelSize = sizeText,
                Parameters = parameters,
                Gpus = gpus,
                Nodes = nodes,
                ConfigHash = configHash,
                User = Users[random.Next(0, Users.Length)],
                Host = "gpu-" + random.Next(1, 13).ToString("00", CultureInfo.InvariantCulture),
                ToolVersion = "0.1.0",
                Created = created,
                Started = started,
                Finished = finished,
                Updated = finished,
                Events =
                [
                    new JobEvent(created, JobStatus.Pending, null),
                    new JobEvent(started, JobStatus.Running, null),
                    new JobEvent(finished, run.Status, run.Status == JobStatus.Cancelled ? "stopped by hand" : null),
                ],
                Metrics = run.Metric is { } m ? [m] : [],
            });
        }

        return new ExperienceHistory(records, configs, recipes);
    }

    private static (double, string) PickSize(SplitMix64 random)
    {
        var u = random.NextDouble();
        foreach (var (parameters, text, weight) in Sizes)
        {
            if (u < weight)
            {
                return (parameters, text);
            }

            u -= weight;
        }

        return (Sizes[^1].Parameters, Sizes[^1].Text);
    }

    private static Run Grpo(SplitMix64 random, Templates templates, double parameters)
    {
        var large = parameters >= 30e9;
        var bestLr = large ? BestLearningRate / 2 : BestLearningRate;
        var bestBatch = large ? BestGlobalBatchSize / 2 : BestGlobalBatchSize;
        var tuned = random.NextDouble() < 0.6;
        var lr = tuned
            ? bestLr * Math.Pow(2, 0.4 * random.Normal())
            : Math.Pow(10, -7 + (2 * random.NextDouble()));
        long batch = tuned
            ? random.NextDouble() switch { < 0.7 => bestBatch, < 0.85 => bestBatch / 2, _ => bestBatch * 2 }
            : 64L << random.Next(0, 6);
        lr = Statistics.RoundSignificant(lr, 2);

        var config = templates.Grpo.DeepClone().AsObject();
        Set(config, "optimizer", "learning_rate", lr);
        Set(config, "batch", "global_batch_size", batch);
        Set(config, "batch", "mini_batch_size", Math.Min(256, batch / 2));
        Set(config, "rl", "rollout_n", random.NextDouble() < 0.75 ? 5L : 8L);
        Set(config, "rl", "kl_coef", tuned ? 0.001 : Statistics.RoundSignificant(Math.Pow(10, -4 + (2 * random.NextDouble())), 1));
        Set(config, "trainer", "epochs", random.NextDouble() < 0.8 ? 15L : 10L);
        if (random.NextDouble() < 0.1)
        {
            Set(config, "rl", "loss_agg_mode", "seq-mean-token-mean");
        }

        if (random.NextDouble() < 0.15)
        {
            Set(config, "rl", "rollout_engine", "sglang");
        }

        // The scaling rules of grpo_basic: rollout TP, offload, micro batch and nodes by size.
        var (micro, tp, offload, nodes) = parameters switch
        {
            >= 34e9 => (2L, 8L, true, 4L),
            >= 20e9 => (8L, 4L, false, 4L),
            >= 10e9 => (8L, 4L, true, 1L),
            _ => (16L, 2L, false, 1L),
        };
        Set(config, "batch", "micro_batch_size_per_gpu", micro);
        Set(config, "parallelism", "rollout_tensor_parallel_size", tp);
        Set(config, "parallelism", "param_offload", offload);
        Set(config, "parallelism", "optimizer_offload", offload);
        Cluster(config, nodes);

        var decades = Math.Log10(lr / bestLr);
        var doublings = Math.Log2((double)batch / bestBatch);
        var failure = 0.04 + (0.6 * Math.Max(0, decades - 0.3)) + (0.1 * Math.Max(0, Math.Abs(doublings) - 1));
        var reward = BaseReward(parameters) - (0.15 * decades * decades) - (0.03 * doublings * doublings) + (0.01 * random.Normal());
        var recipe = tuned
            ? (random.NextDouble() < 0.7 ? ("grpo_math", "1.2.0") : ("grpo_math", "1.1.0"))
            : (random.NextDouble() < 0.6 ? ("grpo_basic", "1.0.0") : ("grpo_math", "1.1.0"));
        return Finish(random, recipe.Item1, recipe.Item2, "rlhf", "grpo", config, failure, RewardMetric, reward, higherIsBetter: true);
    }

    private static Run Ppo(SplitMix64 random, Templates templates, double parameters)
    {
        var config = templates.Ppo.DeepClone().AsObject();
        var lr = Statistics.RoundSignificant(1e-6 * Math.Pow(2, 0.8 * random.Normal()), 2);
        Set(config, "optimizer", "learning_rate", lr);
        Set(config, "rl", "critic_learning_rate", Statistics.RoundSignificant(lr * 10, 2));
        Cluster(config, parameters >= 20e9 ? 4 : 1);
        var decades = Math.Log10(lr / 1e-6);
        var reward = BaseReward(parameters) - 0.1 - (0.2 * decades * decades) + (0.02 * random.Normal());
        return Finish(random, "ppo_rm", "1.0.0", "rlhf", "ppo", config, 0.2 + (0.5 * Math.Max(0, decades - 0.3)), RewardMetric, reward, higherIsBetter: true);
    }

    private static Run Dpo(SplitMix64 random, Templates templates, double parameters)
    {
        var config = templates.Dpo.DeepClone().AsObject();
        var lr = Statistics.RoundSignificant(5e-7 * Math.Pow(10, random.NextDouble() * 2), 2);
        Set(config, "optimizer", "learning_rate", lr);
        Set(config, "preference", "beta", random.NextDouble() < 0.5 ? 0.1 : 0.05);
        Set(config, "batch", "global_batch_size", random.NextDouble() < 0.5 ? 64L : 128L);
        Cluster(config, parameters >= 20e9 ? 4 : 1);
        var loss = 0.55 + (0.05 * Math.Abs(Math.Log10(lr / 5e-6))) + (0.02 * random.Normal());
        var recipe = random.NextDouble() < 0.5 ? "dpo_chat" : "dpo_full";
        return Finish(random, recipe, "1.0.0", "preference", "dpo", config, 0.1, LossMetric, loss, higherIsBetter: false);
    }

    private static Run Sft(SplitMix64 random, Templates templates, double parameters)
    {
        var config = templates.Sft.DeepClone().AsObject();
        Set(config, "optimizer", "learning_rate", Statistics.RoundSignificant(2e-5 * Math.Pow(2, random.Normal()), 2));
        Set(config, "batch", "global_batch_size", 16L << random.Next(0, 3));
        Cluster(config, parameters >= 20e9 ? 4 : 1);
        var loss = 1.1 - (0.05 * Math.Log10(parameters / 1e9)) + (0.03 * random.Normal());
        return Finish(random, "sft_chat", random.NextDouble() < 0.5 ? "2.0.0" : "2.1.0", "sft", "sft", config, 0.08, LossMetric, loss, higherIsBetter: false);
    }

    private static double BaseReward(double parameters) => 0.62 + (0.04 * Math.Log2(parameters / 1.5e9));

    private static Run Finish(
        SplitMix64 random,
        string recipeId,
        string version,
        string task,
        string algorithm,
        JsonObject config,
        double failure,
        string metric,
        double final,
        bool higherIsBetter)
    {
        var failed = random.NextDouble() < Math.Min(0.95, failure);
        var status = !failed ? JobStatus.Succeeded : random.NextDouble() < 0.15 ? JobStatus.Cancelled : JobStatus.Failed;
        MetricSummary? summary = null;
        if (!failed || random.NextDouble() < 0.5)
        {
            // A failed run stops early: fewer steps and a last value short of where it was heading.
            var steps = failed ? 20 + random.Next(0, 80) : 200 + random.Next(0, 300);
            var first = higherIsBetter ? 0.2 + (0.05 * random.NextDouble()) : final + 0.8;
            var last = Statistics.RoundSignificant(failed ? first + ((final - first) * 0.3) : final, 4);
            var best = higherIsBetter ? Math.Max(first, last) : Math.Min(first, last);
            var worst = higherIsBetter ? Math.Min(first, last) : Math.Max(first, last);
            summary = new MetricSummary(metric, steps / 10, 0, first, steps, last,
                higherIsBetter ? 0 : steps, higherIsBetter ? worst : best,
                higherIsBetter ? steps : 0, higherIsBetter ? best : worst);
        }

        return new Run(recipeId, version, task, algorithm, config, status, summary);
    }

    /// <summary>Nodes, and what follows from them as the resolver derives it (tensor, pipeline and context parallel stay 1).</summary>
    private static void Cluster(JsonObject config, long nodes)
    {
        var total = nodes * config["trainer"]!["gpus_per_node"]!.GetValue<long>();
        Set(config, "trainer", "nodes", nodes);
        Set(config, "trainer", "total_gpus", total);
        Set(config, "parallelism", "data_parallel_size", total);
    }

    private static RecipeVersionRecord RecipeVersion(Run run, DateTimeOffset recorded, Dictionary<string, RecipeVersionRecord> recipes)
    {
        var tree = new JsonObject
        {
            ["apiVersion"] = "trainplat/v1",
            ["id"] = run.RecipeId,
            ["version"] = run.Version,
            ["task"] = run.Task,
            ["algorithm"] = run.Algorithm,
        };
        var hash = CanonicalJson.Sha256(tree);
        if (!recipes.TryGetValue(hash, out var record))
        {
            var text = $"# Generated by ExperienceHistory.\napiVersion: trainplat/v1\nid: {run.RecipeId}\nversion: {run.Version}\ntask: {run.Task}\nalgorithm: {run.Algorithm}\n";
            record = new RecipeVersionRecord(hash, run.RecipeId, run.Version, run.Task, run.Algorithm, text, recorded);
            recipes[hash] = record;
        }

        return record;
    }

    private static void Set(JsonObject config, string section, string key, JsonNode? value) => config[section]![key] = value;

    private sealed record Run(string RecipeId, string Version, string Task, string Algorithm, JsonObject Config, JobStatus Status, MetricSummary? Metric);

    /// <summary>Configs as <c>render … --model-size 7B --format json</c> writes them (without the <c>trainplat</c> header).</summary>
    private sealed class Templates
    {
        public JsonObject Grpo { get; } = Parse("""
            {"model": {"precision": "bf16", "gradient_checkpointing": true, "use_remove_padding": true, "chat_template": "tokenizer_default"},
             "optimizer": {"learning_rate": 1.0e-06, "beta1": 0.9, "beta2": 0.999, "eps": 1.0e-08, "max_grad_norm": 1.0},
             "batch": {"global_batch_size": 1024, "mini_batch_size": 256, "micro_batch_size_per_gpu": 16},
             "data": {"train_files": ["$HOME/data/gsm8k/train.parquet", "$HOME/data/math/train.parquet"],
                      "val_files": ["$HOME/data/gsm8k/test.parquet", "$HOME/data/math/test.parquet"],
                      "max_prompt_length": 1024, "max_response_length": 1024, "shuffle": true, "truncation": "error", "filter_overlong_prompts": true},
             "trainer": {"epochs": 15, "seed": 42, "gpus_per_node": 8, "nodes": 1, "total_gpus": 8, "save_steps": 20, "eval_steps": 5, "framework": "verl",
                         "critic_warmup": 0, "logger": ["console", "wandb"], "project_name": "verl_grpo_example_gsm8k_math", "experiment_name": "qwen2_7b_function_rm"},
             "rl": {"advantage_estimator": "grpo", "rollout_n": 5, "kl_coef": 0.001, "kl_loss_type": "low_var_kl", "use_kl_loss": true,
                    "use_kl_in_reward": false, "entropy_coef": 0.0, "clip_ratio_low": 0.2, "clip_ratio_high": 0.2, "loss_agg_mode": "token-mean",
                    "temperature": 1.0, "top_p": 1.0, "gamma": 1.0, "lam": 1.0, "rollout_engine": "vllm", "gpu_memory_utilization": 0.6,
                    "log_prob_micro_batch_size_per_gpu": 16},
             "parallelism": {"strategy": "fsdp", "tensor_parallel_size": 1, "pipeline_parallel_size": 1, "context_parallel_size": 1,
                             "sequence_parallel_size": 1, "expert_parallel_size": 1, "data_parallel_size": 8, "rollout_tensor_parallel_size": 2,
                             "param_offload": false, "optimizer_offload": false, "ref_param_offload": true}}
            """);

        public JsonObject Ppo { get; } = Parse("""
            {"model": {"precision": "bf16", "gradient_checkpointing": true, "use_remove_padding": true, "chat_template": "tokenizer_default"},
             "optimizer": {"learning_rate": 1.0e-06, "beta1": 0.9, "beta2": 0.999, "eps": 1.0e-08, "max_grad_norm": 1.0},
             "batch": {"global_batch_size": 1024, "mini_batch_size": 256, "micro_batch_size_per_gpu": 16},
             "data": {"train_files": ["$HOME/data/gsm8k/train.parquet"], "val_files": ["$HOME/data/gsm8k/test.parquet"],
                      "max_prompt_length": 512, "max_response_length": 512, "shuffle": true, "truncation": "error", "filter_overlong_prompts": true},
             "trainer": {"epochs": 15, "seed": 42, "gpus_per_node": 8, "nodes": 1, "total_gpus": 8, "framework": "verl",
                         "critic_warmup": 0, "logger": ["console", "wandb"], "project_name": "verl_example_gsm8k", "experiment_name": "deepseek_llm_7b_function_rm"},
             "rl": {"advantage_estimator": "gae", "rollout_n": 1, "use_kl_loss": false, "use_kl_in_reward": false, "clip_ratio_low": 0.2,
                    "clip_ratio_high": 0.2, "loss_agg_mode": "token-mean", "temperature": 1.0, "top_p": 1.0, "gamma": 1.0, "lam": 1.0,
                    "ppo_epochs": 1, "critic_learning_rate": 1.0e-05, "value_clip": 0.5, "rollout_engine": "vllm", "gpu_memory_utilization": 0.4,
                    "log_prob_micro_batch_size_per_gpu": 32, "critic_micro_batch_size_per_gpu": 32},
             "parallelism": {"strategy": "fsdp", "tensor_parallel_size": 1, "pipeline_parallel_size": 1, "context_parallel_size": 1,
                             "sequence_parallel_size": 1, "expert_parallel_size": 1, "data_parallel_size": 8, "rollout_tensor_parallel_size": 4,
                             "param_offload": false, "optimizer_offload": false}}
            """);

        public JsonObject Dpo { get; } = Parse("""
            {"model": {"precision": "bf16", "gradient_checkpointing": true, "chat_template": "tokenizer_default"},
             "optimizer": {"name": "adamw_fused", "learning_rate": 2.0e-05, "weight_decay": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1.0e-08,
                           "lr_scheduler": "cosine", "warmup_steps": 20, "max_grad_norm": 1.0},
             "batch": {"global_batch_size": 128, "micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 8},
             "data": {"max_seq_length": 1024, "shuffle": true},
             "trainer": {"epochs": 1, "max_steps": 1000, "seed": 42, "gpus_per_node": 4, "nodes": 1, "total_gpus": 4, "logging_steps": 1, "framework": "torchtune"},
             "preference": {"loss_type": "sigmoid", "beta": 0.05, "label_smoothing": 0.0, "reference_free": false},
             "parallelism": {"strategy": "fsdp", "tensor_parallel_size": 1, "pipeline_parallel_size": 1, "context_parallel_size": 1,
                             "sequence_parallel_size": 1, "expert_parallel_size": 1, "data_parallel_size": 4, "rollout_tensor_parallel_size": 1,
                             "param_offload": false, "optimizer_offload": false}}
            """);

        public JsonObject Sft { get; } = Parse("""
            {"model": {"precision": "bf16", "gradient_checkpointing": true, "chat_template": "tokenizer_default"},
             "optimizer": {"name": "adamw_fused", "learning_rate": 2.0e-05, "beta1": 0.9, "beta2": 0.999, "eps": 1.0e-08, "lr_scheduler": "constant", "max_grad_norm": null},
             "batch": {"global_batch_size": 16, "micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 1},
             "data": {"shuffle": true},
             "trainer": {"epochs": 1, "seed": 42, "gpus_per_node": 8, "nodes": 1, "total_gpus": 8, "logging_steps": 1, "framework": "torchtune"},
             "parallelism": {"strategy": "fsdp", "tensor_parallel_size": 1, "pipeline_parallel_size": 1, "context_parallel_size": 1,
                             "sequence_parallel_size": 1, "expert_parallel_size": 1, "data_parallel_size": 8, "rollout_tensor_parallel_size": 1,
                             "param_offload": false, "optimizer_offload": false}}
            """);

        private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same sequence everywhere.</summary>
    private sealed class SplitMix64(int seed)
    {
        private ulong _state = unchecked((ulong)seed);

        public ulong NextUInt64()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1).</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Uniform in [min, max).</summary>
        public int Next(int min, int max) => min + (int)(NextDouble() * (max - min));

        /// <summary>Standard normal (Box–Muller).</summary>
        public double Normal() => Math.Sqrt(-2 * Math.Log(1 - NextDouble())) * Math.Cos(2 * Math.PI * NextDouble());
    }
}
