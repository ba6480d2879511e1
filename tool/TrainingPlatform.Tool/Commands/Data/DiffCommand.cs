using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Data;

internal static class DiffCommand
{
    public static Command Build(CliContext context)
    {
        var left = new Argument<string>("a") { Description = "NAME@HASH-PREFIX (a version), a file or folder (read now), or NAME (its newest version)." };
        var right = new Argument<string?>("b")
        {
            Description = "The same kinds as A; without B, A's recorded version (for a path: the newest recorded from it) is compared with its path on disk now.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var exitCode = new Option<bool>("--exit-code") { Description = "Exit 1 when the two differ." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var ssh = new SshCliOptions();
        var command = new Command("diff", "Compare two dataset versions or a version with the disk (one NAME: its recorded version with the disk now): same content?, size and sample deltas, files added/removed/modified; the output says which side is recorded and which is on disk.")
        {
            left, right, exitCode, store, format,
        };
        ssh.AddTo(command);
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var catalog = DatasetStoreAccess.ReadOnlyCatalog(context, project, parse.GetValue(store));
            using var snapshotter = new DatasetSnapshotter(context.Clock, project.StatCachePath) { Ssh = ssh.Bind(parse, context), HashOn = ssh.HashMethod(parse) };
            DatasetComparison comparison;
            using (new SnapshotProgressWriter(context.Error, snapshotter.Progress, enabled: context.ErrorIsTerminal && format.Get(parse) != TextFormat.Json))
            {
                comparison = catalog.Diff(parse.GetValue(left)!, parse.GetValue(right), context.WorkingDirectory, snapshotter);
            }

            snapshotter.SaveCache();
            DataFormatter.WriteDiff(context.Out, comparison, format.Get(parse));
            return parse.GetValue(exitCode) && !comparison.Same ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
