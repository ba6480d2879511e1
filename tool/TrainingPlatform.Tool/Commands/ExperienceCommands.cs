using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

/// <summary><c>trainplat suggest</c> and <c>trainplat recommend</c>: the team's past jobs as a prior.</summary>
internal static class ExperienceCommands
{
    private static Option<string?> Metric() => new("--metric") { Description = "Judge past jobs by this metric's final value (only the best quarter counts for suggest).", HelpName = "NAME" };

    private static Option<bool> Maximize() => new("--maximize") { Description = "Higher is better for --metric (default: guessed from the name; loss-like names are minimized)." };

    private static Option<bool> Minimize() => new("--minimize") { Description = "Lower is better for --metric." };

    private static MetricObjective? Objective(string? metric, bool maximize, bool minimize)
    {
        if (maximize && minimize)
        {
            throw new UserErrorException("give --maximize or --minimize, not both");
        }

        if (metric is null)
        {
            return maximize || minimize ? throw new UserErrorException($"{(maximize ? "--maximize" : "--minimize")} needs --metric NAME") : null;
        }

        return new MetricObjective(metric, maximize ? MetricGoal.Maximize : minimize ? MetricGoal.Minimize : MetricGoals.Guess(metric));
    }

    public static Command Suggest(CliContext context)
    {
        var target = new Argument<string>("target") { Description = "A recipe id or recipe file (resolved for the model size), or a config file written by `trainplat render`." };
        var modelSize = new Option<string?>("--model-size", "-s") { Description = "Model size: 7B, 14B, …", HelpName = "size" };
        var model = new Option<string?>("--model", "-m") { Description = "A model from the catalog.", HelpName = "name" };
        var gpus = new Option<int?>("--gpus") { Description = "Total GPUs (for a recipe)." };
        var sets = new Option<string[]>("--set") { Description = "Override a config value before comparing: key.path=value. Repeatable.", Arity = ArgumentArity.ZeroOrMore, HelpName = "key.path=value" };
        var metric = Metric();
        var maximize = Maximize();
        var minimize = Minimize();
        var minEvidence = new Option<int>("--min-evidence") { Description = "Jobs of evidence needed before anything is suggested.", DefaultValueFactory = _ => Suggester.DefaultMinEvidence, HelpName = "N" };
        var apply = new Option<bool>("--apply") { Description = "Print only the --set flags that adopt the suggestions (for render or job create)." };
        var write = new Option<string?>("--write") { Description = "Write a new recipe NEW_ID (version 0.1.0) with the suggestions applied, like `recipe new`.", HelpName = "NEW_ID" };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("suggest", "Compare a config with similar past jobs that succeeded and suggest changes where it leaves their evidence (exit 1 when there are suggestions).")
        {
            target, modelSize, model, gpus, sets, metric, maximize, minimize, minEvidence, apply, write, store, format,
        };
        command.SetAction(parse =>
        {
            var objective = Objective(parse.GetValue(metric), parse.GetValue(maximize), parse.GetValue(minimize));
            if (parse.GetValue(minEvidence) < 1)
            {
                throw new UserErrorException("--min-evidence must be 1 or more");
            }

            if (parse.GetValue(apply) && parse.GetValue(write) is not null)
            {
                throw new UserErrorException("give --apply or --write, not both");
            }

            var warming = Task.Run(LineageStore.Warm);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store));
            var goal = SuggestTargets.Load(parse.GetValue(target)!, parse.GetValue(modelSize), parse.GetValue(model), parse.GetValue(gpus), parse.GetValue(sets) ?? [],
                context.WorkingDirectory, id => lineage.FindRecipeVersions(id, null) is [var r, ..] ? (r.Task, r.Algorithm) : null);

            warming.GetAwaiter().GetResult();
            var jobs = EvidenceQueries.ForSuggest(lineage, goal.Task, goal.Algorithm, goal.Parameters);
            var result = Suggester.Suggest(new SuggestRequest(goal.Config, goal.Task, goal.Algorithm, goal.Parameters, EvidenceJob.Load(jobs, lineage.GetConfig))
            {
                Metric = objective,
                MinEvidence = parse.GetValue(minEvidence),
            });

            if (parse.GetValue(apply))
            {
                var flags = Suggester.ToSets(result.Suggestions);
                context.Out.WriteLine(string.Join(' ', Unchanged(goal.Sets, result).Concat(flags).Select(s => "--set " + Quote(s))));
                if (!result.EnoughEvidence)
                {
                    context.Error.WriteLine("suggest: " + result.NotEnoughEvidence);
                }

                return ExitCodes.Ok;
            }

            string? written = null;
            IReadOnlyList<string> notEffective = [];
            if (parse.GetValue(write) is { } newId)
            {
                (written, notEffective) = Write(context, project, goal, result, newId);
            }

            ExperienceFormatter.WriteSuggest(context.Out, goal, result, objective, written is null ? null : project.Display(written), notEffective, parse.GetValue(format) == "json");
            return result.Suggestions.Count > 0 && written is null ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary><c>--write</c>: a copy of the target's recipe with the suggested values set, then rendered again to check they take effect.</summary>
    private static (string Path, IReadOnlyList<string> NotEffective) Write(CliContext context, ProjectContext project, SuggestTarget goal, SuggestResult result, string newId)
    {
        if (goal.Recipe is not { } source)
        {
            throw new UserErrorException("--write needs a recipe the project knows as the target", "give the recipe id (not a rendered config or a file outside the recipe folders)");
        }

        if (!result.EnoughEvidence || result.Suggestions.Count == 0)
        {
            throw new UserErrorException(result.EnoughEvidence ? "nothing to write: the config is within the evidence" : "nothing to write: " + result.NotEnoughEvidence);
        }

        var registry = RecipeRegistry.Load(project);
        var changes = result.Suggestions.Select(s => (s.Key, s.Suggested, $"was {Core.Yaml.YamlText.Scalar(s.Current)}; trainplat suggest, {s.Count} jobs")).ToArray();
        RecipeCopyResult copy;
        try
        {
            copy = RecipeCopier.Copy(source, newId, project, registry, text => RecipeEditor.SetConfigValues(text, newId + ".yaml", changes)
                .Replace("with `trainplat recipe new`.", $"with `trainplat suggest --write` ({changes.Length} change{(changes.Length == 1 ? "" : "s")} from past jobs).", StringComparison.Ordinal));
        }
        catch (UserErrorException ex)
        {
            throw new UserErrorException(ex.Message, "adopt the suggestions with --apply instead");
        }

        if (!copy.Succeeded)
        {
            throw new UserErrorException(copy.Error!, copy.Hint);
        }

        // A scaling rule for this size can override a recipe's config value: say which suggestions did not take.
        var check = RecipeResolver.Resolve(new RenderRequest(newId, goal.SizeText, null, null, null, null, Unchanged(goal.Sets, result), context.WorkingDirectory));
        var notEffective = check.Config is not { } rendered ? [.. result.Suggestions.Select(s => s.Key)]
            : result.Suggestions.Where(s => !JsonNodeEquals(Lookup(rendered.Config, s.Key), s.Suggested)).Select(s => s.Key).ToArray();
        return (copy.CreatedPath!, notEffective);
    }

    /// <summary>The target's own <c>--set</c>s on keys the suggestions leave alone.</summary>
    private static string[] Unchanged(IReadOnlyList<string> sets, SuggestResult result) =>
        [.. sets.Where(s => !result.Suggestions.Any(x => s.StartsWith(x.Key + "=", StringComparison.Ordinal)))];

    private static System.Text.Json.Nodes.JsonNode? Lookup(System.Text.Json.Nodes.JsonObject config, string key)
    {
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        return config[key[..dot]]?[key[(dot + 1)..]];
    }

    private static bool JsonNodeEquals(System.Text.Json.Nodes.JsonNode? a, System.Text.Json.Nodes.JsonNode? b) =>
        a is System.Text.Json.Nodes.JsonValue va && b is System.Text.Json.Nodes.JsonValue vb && va.TryGetValue<double>(out var x) && vb.TryGetValue<double>(out var y)
            ? Math.Abs(x - y) <= Math.Abs(y) * 1e-12
            : System.Text.Json.Nodes.JsonNode.DeepEquals(a, b);

    private static string Quote(string set) => set.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '=' or '+' or ':' or '/') ? set : "'" + set.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static Command Recommend(CliContext context)
    {
        var task = new Option<string>("--task") { Description = "The task: sft, preference, reward, rlhf, …", Required = true };
        var algorithm = new Option<string?>("--algorithm") { Description = "Only recipes of this algorithm (grpo, dpo, …)." };
        var modelSize = new Option<string?>("--model-size", "-s") { Description = "The model size to plan for.", HelpName = "size" };
        var model = new Option<string?>("--model", "-m") { Description = "A model from the catalog.", HelpName = "name" };
        var metric = Metric();
        var maximize = Maximize();
        var minimize = Minimize();
        var limit = new Option<int>("--limit") { Description = "Show at most N recipes (0: all).", DefaultValueFactory = _ => 10, HelpName = "N" };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("recommend", "Rank recipe versions by how similar past jobs went: success rate (Wilson lower bound), jobs, median and best final metric.")
        {
            task, algorithm, modelSize, model, metric, maximize, minimize, limit, store, format,
        };
        command.SetAction(parse =>
        {
            var objective = Objective(parse.GetValue(metric), parse.GetValue(maximize), parse.GetValue(minimize));
            var parameters = Parameters(context, parse.GetValue(modelSize), parse.GetValue(model));
            if (parse.GetValue(limit) < 0)
            {
                throw new UserErrorException("--limit must be 0 (all) or a positive number");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            IReadOnlyList<JobRecord> jobs;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                jobs = EvidenceQueries.ForRecommend(lineage, parse.GetValue(task)!, parse.GetValue(algorithm), parameters);
            }

            var result = Recommender.Rank(new RecommendRequest(parse.GetValue(task)!, parse.GetValue(algorithm), parameters, jobs) { Metric = objective });
            ExperienceFormatter.WriteRecommend(context.Out, parse.GetValue(task)!, parse.GetValue(algorithm), result, parse.GetValue(limit), parse.GetValue(format) == "json");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static double Parameters(CliContext context, string? size, string? model)
    {
        if ((size is null) == (model is null))
        {
            throw new UserErrorException(size is null ? "give --model-size S or --model NAME" : "give --model-size or --model, not both");
        }

        if (size is not null)
        {
            return ModelSize.TryParse(size, out var s) ? s.Parameters : throw new UserErrorException($"'{size}' is not a model size", "e.g. 7B, 1.5B, 500M, 8x7B");
        }

        var catalog = ModelCatalog.ForProject(ProjectContext.Discover(context.WorkingDirectory).Config);
        return catalog.TryResolve(model!, out var spec) ? spec.Parameters : throw new UserErrorException($"unknown model '{model}'", "models are named as in catalog/models.yaml (e.g. Qwen/Qwen2.5-7B-Instruct), or give --model-size");
    }
}
