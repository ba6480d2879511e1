using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Experience;

/// <summary><c>trainplat suggest</c>: the team's past jobs as a prior for one config.</summary>
internal static class SuggestCommand
{
    public static Command Build(CliContext context)
    {
        var goalArgument = new Argument<string>("target") { Description = "A recipe id or recipe file (resolved for the model size), or a config file written by `trainplat render`." };
        var target = new RenderTargetOptions();
        var metric = MetricObjectiveOptions.Metric();
        var maximize = MetricObjectiveOptions.Maximize();
        var minimize = MetricObjectiveOptions.Minimize();
        var minEvidence = new Option<int>("--min-evidence") { Description = "Jobs of evidence needed before anything is suggested.", DefaultValueFactory = _ => Suggester.DefaultMinEvidence, HelpName = "N" };
        var asFlags = new Option<bool>("--as-flags") { Description = "Print only the --set flags that adopt the suggestions (for render or job create); nothing is changed." };
        var apply = new Option<bool>("--apply") { Description = "Deprecated: the old name of --as-flags (it never applied anything).", Hidden = true };
        var write = new Option<string?>("--write") { Description = "Write a new recipe NEW_ID (version 0.1.0) with the suggestions applied, like `recipe new`.", HelpName = "NEW_ID" };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("suggest", "Compare a config with similar past jobs that succeeded and suggest changes where it leaves their evidence (exit 1 when there are suggestions). " +
            "--model-size, --model, --gpus and --set apply to a recipe target, before comparing.")
        {
            goalArgument, target.ModelSize, target.Model, target.Gpus, target.Sets, metric, maximize, minimize, minEvidence, asFlags, apply, write, store, format,
        };
        command.SetAction(parse =>
        {
            var objective = MetricObjectiveOptions.Objective(parse.GetValue(metric), parse.GetValue(maximize), parse.GetValue(minimize));
            if (parse.GetValue(minEvidence) < 1)
            {
                throw new UserErrorException("--min-evidence must be 1 or more");
            }

            if (parse.GetValue(apply))
            {
                context.Error.WriteLine("suggest: --apply is deprecated and applies nothing: it is now --as-flags (prints the --set flags); use --write NEW_ID to write a recipe with the suggestions");
            }

            var flagsOnly = parse.GetValue(asFlags) || parse.GetValue(apply);
            if (flagsOnly && parse.GetValue(write) is not null)
            {
                throw new UserErrorException("give --as-flags or --write, not both", "--as-flags prints the --set flags; --write NEW_ID writes a recipe with the suggestions");
            }

            var warming = Task.Run(LineageStore.Warm);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store));
            var given = target.Bind(parse);
            var goal = SuggestTargets.Load(parse.GetValue(goalArgument)!, given.ModelSize, given.Model, given.Gpus, given.Sets,
                context.WorkingDirectory, id => lineage.FindRecipeVersions(id, null) is [var r, ..] ? (r.Task, r.Algorithm) : null);

            warming.GetAwaiter().GetResult();
            var jobs = EvidenceQueries.ForSuggest(lineage, goal.Task, goal.Algorithm, TrainingMethods.Of(goal.Algorithm, goal.Config), goal.Parameters);
            var result = Suggester.Suggest(new SuggestRequest(goal.Config, goal.Task, goal.Algorithm, goal.Parameters, jobs)
            {
                Metric = objective,
                MinEvidence = parse.GetValue(minEvidence),
            });
            if (!result.EnoughEvidence)
            {
                // No team history yet: the built-in recipe of the same kind is the best-practice reference.
                result = result with { Reference = BuiltInReferences.Compare(goal, context.WorkingDirectory) };
            }

            if (flagsOnly)
            {
                ExperienceFormatter.WriteApply(context.Out, SuggestionWriter.ApplyFlags(goal, result));
                if (!result.EnoughEvidence)
                {
                    context.Error.WriteLine("suggest: " + result.NotEnoughEvidence);
                }

                return ExitCodes.Ok;
            }

            var written = parse.GetValue(write) is { } newId ? SuggestionWriter.Write(project, goal, result, newId) : null;
            ExperienceFormatter.WriteSuggest(context.Out, goal, result, objective, written is null ? null : project.Display(written.CreatedPath), written?.NotEffective ?? [], format.Get(parse));
            return result.Suggestions.Count > 0 && written is null ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
