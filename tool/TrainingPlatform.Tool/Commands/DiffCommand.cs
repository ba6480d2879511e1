using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

internal static class DiffCommand
{
    public static Command Build(CliContext context)
    {
        var left = new Argument<string>("left") { Description = "A YAML/JSON file, a recipe id, REV:PATH (a file at a git revision) or job:ID." };
        var right = new Argument<string>("right") { Description = "The same kinds as LEFT." };
        var modelSize = new Option<string?>("--model-size", "-s") { Description = "Model size for recipe ids on both sides: 7B, 1.5b, 500M, 70B, 8x7B." };
        var model = new Option<string?>("--model", "-m") { Description = "A catalog model for recipe ids on both sides, e.g. Qwen/Qwen2.5-7B-Instruct." };
        var leftSize = new Option<string?>("--left-size") { Description = "Model size for the left recipe id (replaces --model-size/--model there)." };
        var rightSize = new Option<string?>("--right-size") { Description = "Model size for the right recipe id (replaces --model-size/--model there)." };
        var gpus = new Option<int?>("--gpus") { Description = "Total GPUs for recipe ids (default: each recipe's gpus_per_node × nodes)." };
        var format = CommonOptions.Format("text", "text", "json", "markdown");
        var failOn = new Option<string?>("--fail-on")
        {
            Description = "Exit 1 when a change at this severity or above exists.",
            HelpName = "critical|important|minor",
        };
        failOn.AcceptOnlyFromAmong("critical", "important", "minor");
        var noColor = new Option<bool>("--no-color") { Description = "No colour in text output (colour is only ever used on a terminal)." };
        var store = StoreAccess.Option();
        var command = new Command("diff", "Compare two configs by meaning (numbers by value, key order ignored) and rank the changes by severity.")
        {
            left, right, modelSize, model, leftSize, rightSize, gpus, format, failOn, noColor, store,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(gpus) is <= 0 and var n)
            {
                throw new UserErrorException($"--gpus must be a positive whole number, not {n}");
            }

            var request = new DiffRequest(
                parse.GetValue(left)!,
                parse.GetValue(right)!,
                parse.GetValue(modelSize),
                parse.GetValue(model),
                parse.GetValue(leftSize),
                parse.GetValue(rightSize),
                parse.GetValue(gpus),
                context.WorkingDirectory)
            {
                JobConfig = id => JobConfig(context, parse.GetValue(store), id),
            };
            var result = ConfigDiff.Run(request);
            if (result.Report is not { } report)
            {
                var failure = result.Failure!;
                foreach (var d in failure.FileDiagnostics)
                {
                    context.Error.WriteLine($"{DiagnosticFormatter.Location(d)}: error {d.Code}: {d.Message}");
                    if (d.Hint is not null)
                    {
                        context.Error.WriteLine($"  hint: {d.Hint}");
                    }
                }

                throw new UserErrorException(failure.Message, failure.Hint);
            }

            var style = new Style(context.Color && !parse.GetValue(noColor));
            DiffFormatter.Write(context.Out, report, DiffFormatter.Parse(parse.GetValue(format)!), style);
            return parse.GetValue(failOn) is { } threshold && SeverityRules.TryParse(threshold, out var severity) && report.HasChangesAtOrAbove(severity)
                ? ExitCodes.Findings
                : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A recorded job's rendered config, for <c>job:ID</c> operands.</summary>
    private static (string Label, string ConfigJson) JobConfig(CliContext context, string? storeOption, string id)
    {
        var project = ProjectContext.Discover(context.WorkingDirectory);
        using var lineage = StoreAccess.OpenForReading(context, project, storeOption);
        var job = JobRules.Resolve(lineage, id);
        var json = lineage.GetConfig(job.ConfigHash) ?? throw new UserErrorException($"the store lacks config {job.ConfigHash[..12]} of job {job.Id}");
        return ($"job:{job.Id} ({job.RecipeId}@{job.RecipeVersion}, {job.ModelSize})", json);
    }
}
