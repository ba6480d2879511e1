using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Experience;

/// <summary>
/// <c>trainplat suggest</c>: compares a resolved config with the configs of similar past jobs that succeeded
/// and proposes changes where the config leaves what that evidence supports.
/// </summary>
/// <remarks>
/// Evidence: succeeded jobs of the same task, algorithm and training method (full, LoRA, QLoRA:
/// <see cref="TrainingMethods"/>) whose model is within a factor of 2 of the target's (<see cref="SizeWindow"/>),
/// the most recent <see cref="SuggestRequest.MaxEvidence"/> of them;
/// with a metric, only those that have it, and of them the best quarter by its final value (⌈n/4⌉, at
/// least 1; ties by job id). Fewer than <see cref="SuggestRequest.MinEvidence"/> jobs give "not enough
/// evidence" and no suggestions. Only the evidence's configs are read.
/// <para>
/// Numbers: a key is compared when at least MinEvidence evidence jobs have a number there. The reference is
/// the median, or for <c>x-scale: log</c> keys the geometric median (<see cref="Statistics.GeometricMedian"/>;
/// the plain median when a value is not above 0). A value is flagged when it lies outside the evidence's
/// range or, on a log key, more than 3× from the reference either way. The suggestion is the reference,
/// rounded to the fewest significant digits (at least 2) that stay within the range; for integer keys it is
/// the value the evidence used that is nearest to the reference (by ratio on log keys; ties go to the more
/// used, then the smaller value), so batch sizes keep the divisibility that let those jobs run.
/// </para>
/// <para>
/// Strings and booleans: flagged only when a strict majority of the evidence used one other value; the
/// suggestion is that value. Failed jobs are never evidence; when they cluster at a suggested value (at least
/// <see cref="CounterEvidenceMin"/> failed jobs of the same task, algorithm, method and size window used it, and they
/// are at least <see cref="CounterEvidenceShare"/> of the jobs that used it), the suggestion says so with their ids
/// (<see cref="ConfigSuggestion.CounterEvidence"/>). Null values, arrays and keys the metadata lookup does not know (<c>extra.*</c>,
/// which <c>--set</c> could not apply) are not compared, nor are <see cref="ExcludedKeys"/>.
/// </para>
/// </remarks>
public static class Suggester
{
    public const int DefaultMinEvidence = 3;

    /// <summary>At most this many of the most recent jobs in the size window are read (see <see cref="SuggestRequest.MaxEvidence"/>).</summary>
    public const int DefaultMaxEvidence = 1000;

    /// <summary>
    /// Failed jobs at a suggested value needed before they are shown as counter-evidence (one failure is noise), when
    /// they are also at least <see cref="CounterEvidenceShare"/> of the jobs (failed or succeeded) that used it: a cluster.
    /// </summary>
    public const int CounterEvidenceMin = 2;

    /// <summary>The share of the jobs at a suggested value that must have failed for the failures to count as a cluster (a quarter).</summary>
    public const double CounterEvidenceShare = 0.25;

    /// <summary>A job's number is "at" the suggested value when within this fraction of it (5 %).</summary>
    public const double CounterEvidenceTolerance = 0.05;

    /// <summary>How far (either way) a log-scale value may be from the geometric median before it is flagged.</summary>
    public const double LogFactorLimit = 3;

    /// <summary>
    /// Keys never compared (globs as in <c>trainplat.yaml</c>'s <c>importance:</c>): they describe the cluster,
    /// follow from it and the model size, or name a run rather than tune it.
    /// </summary>
    public static IReadOnlyList<string> ExcludedKeys { get; } =
    [
        // The cluster: set by --gpus/--nodes, not by experience.
        "trainer.gpus_per_node",
        "trainer.nodes",
        "trainer.total_gpus",

        // How the model is laid out on the GPUs (sharding, offload, rollout TP): speed and fit, chosen by the
        // scaling rules for the size; evidence from a neighbouring size would only push the wrong layout.
        "parallelism.*",
        "rl.gpu_memory_utilization",

        // Per-GPU fit, derived from the cluster and the global batch (the global batch itself is compared).
        "batch.micro_batch_size_per_gpu",
        "batch.micro_batch_size",
        "batch.gradient_accumulation_steps",
        "batch.max_tokens_per_gpu",
        "rl.log_prob_micro_batch_size_per_gpu",
        "rl.critic_micro_batch_size_per_gpu",
        "model.use_remove_padding",

        // Identity and bookkeeping: a seed, a template name, checkpoint and logging cadence.
        "trainer.seed",
        "model.chat_template",
        "trainer.save_steps",
        "trainer.eval_steps",
        "trainer.logging_steps",

        // What to train on and where to write: names of models, files, functions and runs, not settings to tune.
        "model.path",
        "data.train_files",
        "data.val_files",
        "data.prompt_key",
        "rl.reward_function",
        "rl.reward_model",
        "trainer.output_dir",
        "trainer.logger",
        "trainer.project_name",
        "trainer.experiment_name",
    ];

    /// <summary>True when <see cref="ExcludedKeys"/> leaves the key out.</summary>
    public static bool IsExcluded(string key) => ExcludedKeys.Any(glob => SeverityRules.Matches(glob, key));

    public static SuggestResult Suggest(SuggestRequest request)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MinEvidence, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxEvidence, 1);
        var method = TrainingMethods.Of(request.Algorithm, request.Config);
        var similar = request.Jobs
            .Where(e => string.Equals(e.Job.Task, request.Task, StringComparison.Ordinal)
                && string.Equals(e.Job.Algorithm, request.Algorithm, StringComparison.Ordinal))
            .OrderBy(e => e.Job.Id, StringComparer.Ordinal)
            .DistinctBy(e => e.Job.Id, StringComparer.Ordinal)
            .ToArray();
        var candidates = similar.Where(e => e.Job.Status == JobStatus.Succeeded).ToArray();
        var inWindow = candidates.Where(e => SizeWindow.Contains(request.Parameters, e.Job.Parameters)).ToArray();

        // A LoRA job's learning rate says nothing about a full fine-tune's: only jobs that trained the same way count.
        var otherMethod = inWindow.Where(e => e.Method != method).ToArray();
        var sameMethod = otherMethod.Length == 0 ? inWindow : inWindow.Where(e => e.Method == method).ToArray();

        // Practice drifts and every config read costs time: only the most recent MaxEvidence jobs count.
        var considered = MostRecent(sameMethod, request.MaxEvidence);

        // Failed jobs never support a value; where they cluster at a suggested one, they are counter-evidence
        // (their configs are read only when there is a suggestion to check).
        var failed = new Lazy<EvidenceJob[]>(() => MostRecent(
            [.. similar.Where(e => e.Job.Status == JobStatus.Failed && SizeWindow.Contains(request.Parameters, e.Job.Parameters) && e.Method == method)],
            request.MaxEvidence));
        var evidence = considered;
        int? withMetric = null;
        if (request.Metric is { } metric)
        {
            var scored = considered
                .Select(e => (Job: e, Value: metric.FinalValue(e.Job)))
                .Where(x => x.Value is not null)
                .Select(x => (x.Job, Value: x.Value!.Value))
                .ToList();
            withMetric = scored.Count;
            scored.Sort((a, b) =>
            {
                var c = metric.Goal == MetricGoal.Maximize ? b.Value.CompareTo(a.Value) : a.Value.CompareTo(b.Value);
                return c != 0 ? c : string.CompareOrdinal(a.Job.Job.Id, b.Job.Job.Id);
            });
            var quarter = scored.Count == 0 ? 0 : Math.Max(1, (scored.Count + 3) / 4);
            evidence = scored.Take(quarter).Select(x => x.Job).OrderBy(e => e.Job.Id, StringComparer.Ordinal).ToArray();
        }

        var words = new Words(request);
        var summary = new EvidenceSummary(
            candidates.Length,
            inWindow.Length,
            considered.Length,
            withMetric,
            evidence.Select(e => e.Job.Id).ToArray(),
            request.MinEvidence,
            SizeWindow.Describe(request.Parameters),
            words.Jobs(evidence) + words.Method(otherMethod) + (considered.Length < sameMethod.Length
                ? $"; only the {Number(considered.Length)} most recent of the {Number(sameMethod.Length)} jobs in the size window were read"
                : ""))
        {
            Method = method,
            OtherMethod = otherMethod.Length,
        };
        if (evidence.Length < request.MinEvidence)
        {
            return new SuggestResult(summary, words.NotEnough(evidence.Length, considered.Length, withMetric), 0, []);
        }

        // The target's comparable keys, then one pass over the evidence's leaves into a column per key
        // (evidence configs are read in order, once, rather than looked up key by key).
        var targets = ConfigScalar.Flatten(request.Config)
            .Where(l => l.Value.Kind != ScalarKind.Null && !IsExcluded(l.Key))
            .Select(l => (l.Key, Current: l.Value, Metadata: request.Keys(l.Key)))
            .Where(t => t.Metadata is not null)
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .ToArray();
        var columns = targets.ToDictionary(t => t.Key, _ => new List<(int Job, ConfigScalar Value)>(), StringComparer.Ordinal);
        for (var i = 0; i < evidence.Length; i++)
        {
            foreach (var leaf in evidence[i].Values)
            {
                if (columns.TryGetValue(leaf.Key, out var column))
                {
                    column.Add((i, leaf.Value));
                }
            }
        }

        var suggestions = new List<ConfigSuggestion>();
        var compared = 0;
        foreach (var (key, current, metadata) in targets)
        {
            var covering = columns[key]
                .Where(x => current.Kind == ScalarKind.Number ? x.Value.Kind == ScalarKind.Number : x.Value.IsCategorical)
                .ToArray();
            if (covering.Length < request.MinEvidence)
            {
                continue;
            }

            compared++;
            var jobs = covering.Select(x => evidence[x.Job]).ToArray();
            var found = current.Kind == ScalarKind.Number
                ? CompareNumber(key, current.Number, covering.Select(x => x.Value.Number).ToArray(), metadata!, words.Jobs(jobs))
                : CompareCategory(key, current, covering.Select(x => x.Value).ToArray(), words.Jobs(jobs));
            if (found is not null)
            {
                suggestions.Add(found with
                {
                    Current = CurrentNode(request.Config, key),
                    Severity = metadata!.Severity,
                    JobIds = jobs.Select(j => j.Job.Id).ToArray(),
                    CounterEvidence = words.Counter(key, found.Suggested, failed.Value, considered),
                });
            }
        }

        return new SuggestResult(
            summary,
            null,
            compared,
            suggestions.OrderByDescending(s => s.Severity).ThenBy(s => s.Key, StringComparer.Ordinal).ToArray());
    }

    /// <summary>
    /// The <c>--set</c> assignments (<c>key=value</c>, without the flag or shell quoting) that adopt the
    /// suggestions, in their order. Values are spelled so that <c>render --set</c> reads them back with the
    /// key's type: integers bare (<c>512</c>), other numbers always with a dot or an exponent (<c>6.5e-07</c>),
    /// booleans <c>true</c>/<c>false</c>, strings as they are.
    /// </summary>
    public static IReadOnlyList<string> ToSets(IEnumerable<ConfigSuggestion> suggestions) =>
        suggestions.Select(s => s.Key + "=" + SetText(s.Suggested)).ToArray();

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The most recent <paramref name="max"/> jobs (by creation, then id), sorted by id.</summary>
    private static EvidenceJob[] MostRecent(EvidenceJob[] jobs, int max) =>
        jobs.Length <= max
            ? jobs
            : jobs
                .OrderByDescending(e => e.Job.Created)
                .ThenBy(e => e.Job.Id, StringComparer.Ordinal)
                .Take(max)
                .OrderBy(e => e.Job.Id, StringComparer.Ordinal)
                .ToArray();

    /// <summary>
    /// True when a failed job's value is "at" a suggested one: the same string or boolean, or a number within
    /// <see cref="CounterEvidenceTolerance"/> of it (relative).
    /// </summary>
    private static bool At(ConfigScalar used, JsonNode? suggested)
    {
        var wanted = ConfigScalar.Of(suggested);
        return wanted.Kind switch
        {
            ScalarKind.Number => used.Kind == ScalarKind.Number && Math.Abs(used.Number - wanted.Number) <= Math.Abs(wanted.Number) * CounterEvidenceTolerance,
            ScalarKind.String or ScalarKind.Boolean => used.IsCategorical && used.Text == wanted.Text,
            _ => false,
        };
    }

    private static ConfigSuggestion? CompareNumber(string key, double current, double[] values, KeyMetadata metadata, string who)
    {
        var min = values.Min();
        var max = values.Max();
        var log = metadata.LogScale && current > 0 && values.All(v => v > 0);
        var reference = log ? Statistics.GeometricMedian(values) : Statistics.Median(values);
        var outside = current < min || current > max;
        var factor = log ? Math.Max(current / reference, reference / current) : 1;
        var far = factor > LogFactorLimit;
        if (!outside && !far)
        {
            return null;
        }

        var suggested = metadata.Integer ? NearestUsed(values, reference, log) : RoundWithin(reference, min, max);
        if (suggested == current)
        {
            return null;
        }

        string Text(double v) => metadata.Integer && v == Math.Floor(v) && Math.Abs(v) < 1e15
            ? ((long)v).ToString(CultureInfo.InvariantCulture)
            : Numbers.Format(v);

        var basis = log ? "geometric median" : "median";
        var shown = metadata.Integer ? Text(Statistics.RoundSignificant(reference, 6)) : Text(suggested);
        var nearest = metadata.Integer && suggested != reference ? $"; the nearest value they used is {Text(suggested)}" : "";
        string reason;
        if (far)
        {
            var above = current > reference;
            var range = min == max ? $"all of them used {Text(min)}" : $"their range is {Text(min)}–{Text(max)}";
            reason = $"{key} {Text(current)} is {Statistics.Factor(factor)} {(above ? "" : "below ")}the {basis} {shown} of {who}; {range}{nearest}";
        }
        else if (min == max)
        {
            reason = $"{key} {Text(current)} differs from {Text(min)}, used by all {who}";
        }
        else
        {
            reason = $"{key} {Text(current)} is {(current < min ? "below" : "above")} the range {Text(min)}–{Text(max)} of {who}; their {basis} is {shown}{nearest}";
        }

        return new ConfigSuggestion(
            key,
            null,
            metadata.Integer ? JsonValue.Create((long)Math.Round(suggested)) : JsonValue.Create(suggested),
            reason,
            metadata.Severity,
            log ? SuggestionBasis.GeometricMedian : SuggestionBasis.Median,
            reference,
            min,
            max,
            [],
            []);
    }

    private static ConfigSuggestion? CompareCategory(string key, ConfigScalar current, ConfigScalar[] values, string who)
    {
        var counts = values
            .GroupBy(v => v)
            .Select(g => (Value: g.Key, Count: g.Count()))
            .OrderByDescending(c => c.Count)
            .ThenBy(c => c.Value.Display, StringComparer.Ordinal)
            .ToArray();
        var top = counts[0];
        if (top.Count * 2 <= values.Length || top.Value == current)
        {
            return null;
        }

        var all = string.Join(", ", counts.Select(c => c.Value.Display + " " + c.Count.ToString(CultureInfo.InvariantCulture)));
        return new ConfigSuggestion(
            key,
            null,
            top.Value.ToNode(),
            $"{key} {current.Display} differs from {top.Value.Display}, used by {top.Count.ToString(CultureInfo.InvariantCulture)} of {who}; counts: {all}",
            default,
            SuggestionBasis.Majority,
            null,
            null,
            null,
            counts.Select(c => new ValueCount(c.Value.ToNode(), c.Count)).ToArray(),
            []);
    }

    /// <summary>The value the evidence used that is nearest to the reference; ties go to the more used, then the smaller.</summary>
    private static double NearestUsed(double[] values, double reference, bool log) =>
        values
            .GroupBy(v => v)
            .OrderBy(g => log ? Math.Abs(Math.Log(g.Key / reference)) : Math.Abs(g.Key - reference))
            .ThenByDescending(g => g.Count())
            .ThenBy(g => g.Key)
            .First()
            .Key;

    /// <summary>The reference with the fewest significant digits (at least 2) that keep it within the evidence's range.</summary>
    private static double RoundWithin(double reference, double min, double max)
    {
        for (var digits = 2; digits <= 17; digits++)
        {
            var rounded = Statistics.RoundSignificant(reference, digits);
            if (rounded >= min && rounded <= max)
            {
                return rounded;
            }
        }

        return reference;
    }

    private static JsonNode? CurrentNode(JsonObject config, string key)
    {
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        return config[key[..dot]] is JsonObject section ? section[key[(dot + 1)..]]?.DeepClone() : null;
    }

    private static string SetText(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<int>(out var i) => i.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<double>(out var d) => Numbers.Format(d),
        _ => CanonicalJson.Write(node),
    };

    /// <summary>The evidence in words, for reasons and for the "not enough evidence" message.</summary>
    private sealed class Words(SuggestRequest request)
    {
        private readonly string _algorithm = request.Algorithm.ToUpperInvariant();
        private readonly TrainingMethod _method = TrainingMethods.Of(request.Algorithm, request.Config);

        /// <summary>"8 succeeded GRPO jobs on 7B–14B models", with the metric when there is one.</summary>
        public string Jobs(IReadOnlyList<EvidenceJob> jobs)
        {
            var sizes = SizeWindow.Range(jobs.Select(j => j.Job.Parameters));
            var text = $"{Count(jobs.Count)} on {(sizes.Length > 0 ? sizes : SizeWindow.Describe(request.Parameters))} models";
            return request.Metric is { } m ? text + $", the best quarter by final {m.Name}" : text;
        }

        /// <summary>"; full fine-tune jobs only (12 LoRA left out)".</summary>
        public string Method(IReadOnlyList<EvidenceJob> otherMethod)
        {
            var left = otherMethod
                .GroupBy(e => e.Method)
                .OrderBy(g => g.Key)
                .Select(g => $"{Number(g.Count())} {TrainingMethods.Describe(g.Key)}")
                .ToArray();
            return $"; {TrainingMethods.Describe(_method)} jobs only" + (left.Length > 0 ? $" ({string.Join(", ", left)} left out)" : "");
        }

        /// <summary>Counter-evidence when <see cref="CounterEvidenceMin"/> or more failed jobs used the suggested value.</summary>
        public CounterEvidence? Counter(string key, JsonNode? suggested, IReadOnlyList<EvidenceJob> failed, IReadOnlyList<EvidenceJob> succeeded)
        {
            var at = failed
                .Where(e => e.Values.Any(l => l.Key == key && At(l.Value, suggested)))
                .Select(e => e.Job.Id)
                .ToArray();
            if (at.Length < CounterEvidenceMin)
            {
                return null;
            }

            // Three failures among forty successes at a value are the base rate, not a cluster.
            var fine = succeeded.Count(e => e.Values.Any(l => l.Key == key && At(l.Value, suggested)));
            if (at.Length < CounterEvidenceShare * (at.Length + fine))
            {
                return null;
            }

            var value = ConfigScalar.Of(suggested);
            var shown = value.Kind == ScalarKind.Number && suggested is JsonValue v && !v.TryGetValue<long>(out _) ? Numbers.Format(value.Number) : value.Display;
            return new CounterEvidence(suggested?.DeepClone(), at,
                $"{Number(at.Length)} failed {_algorithm} jobs on {SizeWindow.Describe(request.Parameters)} models used {key} {shown}, the suggested value " +
                $"({Number(fine)} succeeded with it)");
        }

        /// <summary>"not enough evidence: 2 succeeded GRPO jobs (task rlhf, full fine-tune) on models of 3.5B–14B; at least 3 needed".</summary>
        public string NotEnough(int used, int considered, int? withMetric)
        {
            var where = $"(task {request.Task}, {TrainingMethods.Describe(_method)}) on models of {SizeWindow.Describe(request.Parameters)}";
            var found = request.Metric is { } m
                ? $"the best quarter by final {m.Name} is {Plural(used, "job")}, of {Count(withMetric ?? 0)} {where} that recorded it ({Number(considered)} in all)"
                : $"{Count(used)} {where}";
            return $"not enough evidence: {found}; at least {Number(request.MinEvidence)} needed";
        }

        private static string Plural(int n, string noun) => Number(n) + " " + noun + (n == 1 ? "" : "s");

        private string Count(int n) => Plural(n, $"succeeded {_algorithm} job");
    }
}
