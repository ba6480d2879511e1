using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Rendering;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Yaml;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary>Text and JSON for <c>suggest</c> and <c>recommend</c>.</summary>
internal static class ExperienceFormatter
{
    private static string Severity(Importance i) => i.ToString().ToLowerInvariant();

    private static string Goal(MetricObjective m) => m.Goal == MetricGoal.Maximize ? "higher is better" : "lower is better";

    private static string Ids(IReadOnlyList<string> ids) =>
        ids.Count <= 6 ? string.Join(", ", ids) : string.Join(", ", ids.Take(6)) + Invariant($", … ({ids.Count} jobs)");

    public static void WriteSuggest(TextWriter output, SuggestTarget target, SuggestResult result, MetricObjective? metric, string? written,
        IReadOnlyList<string> notEffective, TextFormat format)
    {
        var sets = Suggester.ToSets(result.Suggestions);
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["target"] = new JsonObject
                {
                    ["label"] = target.Label,
                    ["recipe"] = target.RecipeId,
                    ["task"] = target.Task,
                    ["algorithm"] = target.Algorithm,
                    ["model_size"] = target.SizeText,
                    ["parameters"] = target.Parameters,
                },
                ["metric"] = metric is null ? null : new JsonObject { ["name"] = metric.Name, ["goal"] = metric.Goal == MetricGoal.Maximize ? "maximize" : "minimize" },
                ["evidence"] = new JsonObject
                {
                    ["description"] = result.Evidence.Description,
                    ["jobs"] = JsonText.Array(result.Evidence.JobIds),
                    ["candidates"] = result.Evidence.Candidates,
                    ["in_size_window"] = result.Evidence.InSizeWindow,
                    ["considered"] = result.Evidence.Considered,
                    ["with_metric"] = result.Evidence.WithMetric,
                    ["size_window"] = result.Evidence.SizeWindow,
                    ["min_evidence"] = result.Evidence.MinEvidence,
                    ["method"] = TrainingMethods.Name(result.Evidence.Method),
                    ["other_method"] = result.Evidence.OtherMethod,
                },
                ["enough_evidence"] = result.EnoughEvidence,
                ["not_enough_evidence"] = result.NotEnoughEvidence,
                ["keys_compared"] = result.KeysCompared,
                ["reference"] = result.Reference is { } reference ? new JsonObject
                {
                    ["label"] = reference.Label,
                    ["recipe"] = reference.RecipeId,
                    ["version"] = reference.Version,
                    ["model_size"] = reference.SizeText,
                    ["keys_compared"] = reference.KeysCompared,
                    ["differences"] = new JsonArray([.. reference.Differences.Select(d => (JsonNode)new JsonObject
                    {
                        ["key"] = d.Key,
                        ["current"] = d.Current?.DeepClone(),
                        ["reference"] = d.Reference?.DeepClone(),
                        ["severity"] = Severity(d.Severity),
                    })]),
                } : null,
                ["suggestions"] = new JsonArray([.. result.Suggestions.Select(s => (JsonNode)new JsonObject
                {
                    ["key"] = s.Key,
                    ["current"] = s.Current?.DeepClone(),
                    ["suggested"] = s.Suggested?.DeepClone(),
                    ["severity"] = Severity(s.Severity),
                    ["basis"] = s.Basis.ToString().ToLowerInvariant(),
                    ["reference"] = s.Reference,
                    ["min"] = s.Minimum,
                    ["max"] = s.Maximum,
                    ["counts"] = new JsonArray([.. s.Counts.Select(c => (JsonNode)new JsonObject { ["value"] = c.Value?.DeepClone(), ["count"] = c.Count })]),
                    ["reason"] = s.Reason,
                    ["jobs"] = JsonText.Array(s.JobIds),
                    ["counter_evidence"] = s.CounterEvidence is { } c
                        ? new JsonObject { ["value"] = c.Value?.DeepClone(), ["text"] = c.Text, ["jobs"] = JsonText.Array(c.JobIds) }
                        : null,
                })]),
                ["sets"] = JsonText.Array(sets),
                ["written"] = written,
                ["not_effective"] = JsonText.Array(notEffective),
            }));
            return;
        }

        output.WriteLine($"suggest for {target.Label}");
        output.WriteLine(TerminalText.Escape("evidence: " + result.Evidence.Description + (metric is null ? "" : $" ({metric.Name}: {Goal(metric)})")));
        if (!result.EnoughEvidence)
        {
            output.WriteLine(result.NotEnoughEvidence);
            WriteReference(output, target, result.Reference);
            return;
        }

        if (result.Suggestions.Count == 0)
        {
            output.WriteLine(Invariant($"no suggestions: all {result.KeysCompared} keys the evidence covers are within it"));
            return;
        }

        output.WriteLine();
        var table = new TextTable { MinWidths = [9] };
        foreach (var s in result.Suggestions)
        {
            table.Add(Severity(s.Severity), s.Key, $"{YamlText.Scalar(s.Current)} → {YamlText.Scalar(s.Suggested)}");
        }

        var lines = table.Rows();
        for (var i = 0; i < lines.Count; i++)
        {
            var s = result.Suggestions[i];
            output.WriteLine(lines[i]);
            output.WriteLine($"{"",-9}  {TerminalText.Escape(s.Reason)}");
            output.WriteLine($"{"",-9}  jobs: {Ids(s.JobIds)}");
            if (s.CounterEvidence is { } c)
            {
                output.WriteLine($"{"",-9}  counter-evidence: {TerminalText.Escape(c.Text)}: {Ids(c.JobIds)}");
            }
        }

        output.WriteLine();
        output.WriteLine(Invariant($"{result.Suggestions.Count} suggestion{Plural(result.Suggestions.Count)} ({result.KeysCompared} keys compared)."));
        if (written is not null)
        {
            output.WriteLine($"wrote {written} with the suggested values (version 0.1.0); check it with `trainplat validate` and `trainplat diff`");
            foreach (var key in notEffective)
            {
                output.WriteLine($"warning: {key} is set in the new recipe but a scaling rule for {target.SizeText} overrides it; change the rule to adopt it");
            }
        }
        else
        {
            output.WriteLine("adopt them: " + string.Join(' ', sets.Select(x => "--set " + x)) + "  (or --write NEW_ID for a new recipe)");
        }
    }

    /// <summary>Without enough team history: how the target compares with the built-in reference, clearly not evidence.</summary>
    private static void WriteReference(TextWriter output, SuggestTarget target, BuiltInReference? reference)
    {
        if (reference is null)
        {
            output.WriteLine($"no built-in recipe of {target.Task} ({target.Algorithm}) renders at {target.SizeText} to compare with either");
            return;
        }

        output.WriteLine();
        output.WriteLine($"compared instead with the {reference.Label} ({reference.RecipeId}@{reference.Version}): the values this tool ships, not your team's evidence");
        if (reference.Differences.Count == 0)
        {
            output.WriteLine(Invariant($"no differences: all {reference.KeysCompared} keys compared match the reference"));
            return;
        }

        var table = new TextTable { MinWidths = [9] };
        foreach (var d in reference.Differences)
        {
            table.Add(Severity(d.Severity), d.Key, $"{YamlText.Scalar(d.Current)} (reference {YamlText.Scalar(d.Reference)})");
        }

        table.Write(output);
        output.WriteLine(Invariant($"{reference.Differences.Count} difference{Plural(reference.Differences.Count)} from the {reference.Label} ({reference.KeysCompared} keys compared); record jobs with `trainplat job create` for suggestions from your team's history"));
    }

    /// <summary><c>suggest --as-flags</c>: only the <c>--set</c> flags, quoted for a POSIX shell where needed.</summary>
    public static void WriteApply(TextWriter output, IEnumerable<string> sets) =>
        output.WriteLine(string.Join(' ', sets.Select(s => "--set " + Quote(s))));

    private static string Quote(string set) => set.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '=' or '+' or ':' or '/') ? set : "'" + set.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static void WriteRecommend(TextWriter output, string task, string? algorithm, RecommendResult result, int limit, TextFormat format)
    {
        var ranks = limit > 0 ? result.Ranks.Take(limit).ToArray() : [.. result.Ranks];
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["task"] = task,
                ["algorithm"] = algorithm,
                ["size_window"] = result.SizeWindow,
                ["jobs_considered"] = result.JobsConsidered,
                ["jobs_as_written"] = result.JobsAsWritten,
                ["metric"] = result.Metric is { } m ? new JsonObject { ["name"] = m.Name, ["goal"] = m.Goal == MetricGoal.Maximize ? "maximize" : "minimize" } : null,
                ["recipes"] = new JsonArray([.. ranks.Select(r => (JsonNode)new JsonObject
                {
                    ["rank"] = r.Rank,
                    ["recipe"] = r.RecipeId,
                    ["version"] = r.RecipeVersion,
                    ["jobs"] = r.Jobs,
                    ["succeeded"] = r.Succeeded,
                    ["success_rate"] = r.SuccessRate,
                    ["wilson_lower_bound"] = r.WilsonLowerBound,
                    ["wilson_upper_bound"] = r.WilsonUpperBound,
                    ["indistinguishable_from"] = JsonText.Array(r.IndistinguishableFrom),
                    ["metric_jobs"] = r.MetricJobs,
                    ["median_metric"] = r.MedianMetric,
                    ["best_metric"] = r.BestMetric,
                    ["explanation"] = r.Explanation,
                    ["job_ids"] = JsonText.Array(r.JobIds),
                    ["overridden"] = r.Overridden,
                    ["overridden_failures"] = new JsonArray([.. r.OverriddenFailures.Select(f => (JsonNode)new JsonObject
                    {
                        ["job"] = f.JobId,
                        ["status"] = JobStatuses.Name(f.Status),
                        ["sets"] = JsonText.Array(f.Sets),
                    })]),
                })]),
            }));
            return;
        }

        var what = algorithm is null ? task : $"{task} ({algorithm})";
        output.WriteLine(Invariant($"recommend for {what} on {result.SizeWindow} models: {result.JobsConsidered:N0} finished job{Plural(result.JobsConsidered)}, {result.JobsAsWritten:N0} as written") +
            (result.Metric is { } metric ? $"; ranked by success (Wilson lower bound), then median final {metric.Name} ({Goal(metric)})" : "; ranked by success (Wilson lower bound)"));
        if (ranks.Length == 0)
        {
            output.WriteLine("no recipe has finished jobs in this window yet: record some with `trainplat job create` and `job update --status`");
            return;
        }

        output.WriteLine("as written: no --set, or --set only on keys suggest never compares (cluster, GPU layout, seeds, names)");

        string F(double? v) => v is { } x ? x.ToString("G4", CultureInfo.InvariantCulture) : "-";
        var table = new TextTable("RANK", "RECIPE", "JOBS", "SUCCEEDED", "WILSON 95%", "MEDIAN", "BEST");
        foreach (var r in ranks)
        {
            table.Add(r.Rank.ToString(CultureInfo.InvariantCulture) + (r.IndistinguishableFrom.Count > 0 ? "=" : ""), r.Recipe, r.Jobs.ToString("N0", CultureInfo.InvariantCulture),
                r.Succeeded.ToString("N0", CultureInfo.InvariantCulture),
                r.WilsonLowerBound.ToString("0.00", CultureInfo.InvariantCulture) + "–" + r.WilsonUpperBound.ToString("0.00", CultureInfo.InvariantCulture),
                F(r.MedianMetric), F(r.BestMetric));
        }

        table.Write(output);

        output.WriteLine();
        foreach (var r in ranks)
        {
            output.WriteLine(Invariant($"{r.Rank}. {TerminalText.Escape(r.Explanation)}"));
            foreach (var f in r.OverriddenFailures)
            {
                output.WriteLine(TerminalText.Escape($"   {f.JobId} {JobStatuses.Name(f.Status)} with " + string.Join(' ', f.Sets.Select(x => "--set " + Quote(x)))));
            }
        }

        if (ranks.Any(r => r.IndistinguishableFrom.Count > 0))
        {
            output.WriteLine("=: indistinguishable from a recipe ranked above (their 95 % intervals overlap); more jobs would tell them apart");
        }

        if (ranks.Length < result.Ranks.Count)
        {
            output.WriteLine(Invariant($"({ranks.Length} of {result.Ranks.Count} recipes; --limit 0 shows all)"));
        }
    }
}
