using System.CommandLine;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Store;

/// <summary><c>trainplat store copy FROM TO</c>: all lineage of one store into another; copying again adds nothing.</summary>
internal static class CopyCommand
{
    public static Command Build(CliContext context)
    {
        var from = new Argument<string>("from") { Description = "The store to read: a lineage file or a postgresql:// URL." };
        var to = new Argument<string>("to") { Description = "The store to add to: a lineage file (created when missing) or a postgresql:// URL (after `store migrate`)." };
        var progress = new Option<bool>("--progress") { Description = "Report each stage on standard error even when it is not a terminal." };
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("copy", "Copy all lineage (recipe versions, configs, dataset versions, jobs, metrics) from one store to another, file or server; what TO has already is kept, so a second copy changes nothing.") { from, to, progress, format };
        command.SetAction(parse =>
        {
            var source = StoreLocation.Parse(parse.GetValue(from)!, context.WorkingDirectory);
            var target = StoreLocation.Parse(parse.GetValue(to)!, context.WorkingDirectory);
            var (shownFrom, shownTo) = (source.DisplayFrom(context.WorkingDirectory), target.DisplayFrom(context.WorkingDirectory));
            var report = parse.GetValue(progress) || context.ErrorIsTerminal;
            var result = StoreCopy.Run(source, target,
                l => StoreAccess.Open(context, l, named: false, readOnly: true),
                l => StoreAccess.Open(context, l, named: false, readOnly: false),
                report ? (stage, read) => context.Error.WriteLine(StoreFormatter.CopyStage(stage, read, shownFrom, shownTo)) : null);
            StoreFormatter.WriteCopy(context.Out, result, shownFrom, shownTo, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
