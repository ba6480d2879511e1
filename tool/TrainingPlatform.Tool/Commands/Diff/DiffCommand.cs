using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Diff;

internal static class DiffCommand
{
    public static Command Build(CliContext context)
    {
        var left = new Argument<string>("left") { Description = "A YAML/JSON file, a recipe id, REV:PATH (a file at a git revision: PATH from the repository root, ./PATH from the current folder, as git reads it) or job:ID." };
        var right = new Argument<string>("right") { Description = "The same kinds as LEFT." };
        var target = new RenderTargetOptions();
        var leftSize = new Option<string?>("--left-size") { Description = "Model size for the left recipe id (replaces --model-size/--model there)." };
        var rightSize = new Option<string?>("--right-size") { Description = "Model size for the right recipe id (replaces --model-size/--model there)." };
        var leftModel = new Option<string?>("--left-model") { Description = "Catalog model for the left recipe id (replaces --model-size/--model there).", HelpName = "name" };
        var rightModel = new Option<string?>("--right-model") { Description = "Catalog model for the right recipe id (replaces --model-size/--model there).", HelpName = "name" };
        var format = FormatOption.Create<DiffFormat>();
        var failOn = new Option<string?>("--fail-on")
        {
            Description = "Exit 1 when a change at this severity or above exists.",
            HelpName = "critical|important|minor",
        };
        failOn.AcceptOnlyFromAmong("critical", "important", "minor");
        var noColor = new Option<bool>("--no-color") { Description = "No colour in text output (colour is only ever used on a terminal)." };
        var store = StoreAccess.Option();
        var dialect = new Option<string?>("--as")
        {
            Description = "Read file operands as a framework's launch file, mapped to trainplat keys: verl (a launch script or overrides file), trl or trl:TRAINER (a TRL config; the trainer is guessed from its fields). Both are detected without it.",
            HelpName = "verl|trl[:trainer]",
        };
        dialect.AcceptOnlyFromAmong([.. Core.Diffing.DialectOperand.Dialects]);
        var command = new Command("diff",
            "Compare two configs by meaning (numbers by value, key order ignored) and rank the changes by severity. " +
            "--model-size, --model and --gpus apply to recipe ids on both sides (default GPUs: each recipe's gpus_per_node × nodes).")
        {
            left, right, target.ModelSize, target.Model, leftSize, rightSize, leftModel, rightModel, target.Gpus, format, failOn, noColor, store, dialect,
        };
        command.SetAction(parse =>
        {
            var given = target.Bind(parse);
            var request = new DiffRequest(
                parse.GetValue(left)!,
                parse.GetValue(right)!,
                given.ModelSize,
                given.Model,
                parse.GetValue(leftSize),
                parse.GetValue(rightSize),
                given.Gpus,
                context.WorkingDirectory)
            {
                JobConfig = id => JobConfig(context, parse.GetValue(store), id),
                Recorded = StoreAccess.Recorded(context, context.WorkingDirectory, parse.GetValue(store)),
                LeftModel = parse.GetValue(leftModel),
                RightModel = parse.GetValue(rightModel),
                Dialect = parse.GetValue(dialect),
            };
            var result = ConfigDiff.Run(request);
            if (result.Report is not { } report)
            {
                var failure = result.Failure!;
                DiagnosticFormatter.WriteLines(context.Error, failure.FileDiagnostics, new Style(false));
                throw new UserErrorException(failure.Message, failure.Hint);
            }

            var style = new Style(context.Color && !parse.GetValue(noColor));
            DiffFormatter.Write(context.Out, report, format.Get(parse), style);
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
