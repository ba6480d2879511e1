using System.CommandLine;
using TrainingPlatform.Core.Checks;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Check;

internal static class CheckCommand
{
    public static Command Build(CliContext context)
    {
        var baseRevision = new Option<string?>("--base")
        {
            Description = "The git revision to compare with (default: the merge base with origin/main, else with main).",
            HelpName = "rev",
        };
        var sizes = new Option<string>("--sizes")
        {
            Description = "Model sizes to render each changed recipe at, comma-separated.",
            DefaultValueFactory = _ => string.Join(',', CheckRequest.DefaultSizes),
            HelpName = "7B,70B",
        };
        var format = FormatOption.Create<CheckFormat>();
        var command = new Command("check",
            "The pull-request check: changed recipes must validate and bump their version when their content changes; shows what each change does to the rendered configs.")
        {
            baseRevision, sizes, format,
        };
        command.SetAction(parse =>
        {
            var sizeList = parse.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var result = PullRequestCheck.Run(new CheckRequest(parse.GetValue(baseRevision), sizeList, context.WorkingDirectory)
            {
                Recorded = StoreAccess.Recorded(context, context.WorkingDirectory),
            });
            if (result.Report is not { } report)
            {
                throw new UserErrorException(result.Error!, result.Hint);
            }

            CheckFormatter.Write(context.Out, report, format.Get(parse), new Style(context.Color));
            return report.ErrorCount > 0 ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
