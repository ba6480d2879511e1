using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Data;

internal static class StatusCommand
{
    public static Command Build(CliContext context)
    {
        var names = new Argument<string[]>("name") { Description = "Datasets to check (default: every recorded name); NAME@HASH-PREFIX checks that version.", Arity = ArgumentArity.ZeroOrMore };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var ssh = new SshCliOptions();
        var command = new Command("status", "Check recorded datasets against the disk: unchanged, modified or missing (exit 1 when any changed).")
        {
            names, store, format,
        };
        ssh.AddTo(command);
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var catalog = DatasetStoreAccess.ReadOnlyCatalog(context, project, parse.GetValue(store));
            using var snapshotter = new DatasetSnapshotter(context.Clock, project.StatCachePath) { Ssh = ssh.Bind(parse, context), HashOn = ssh.HashMethod(parse) };
            IReadOnlyList<DatasetStatus> statuses;
            using (new SnapshotProgressWriter(context.Error, snapshotter.Progress, enabled: context.ErrorIsTerminal && format.Get(parse) != TextFormat.Json))
            {
                statuses = catalog.Status(parse.GetValue(names) ?? [], snapshotter);
            }

            snapshotter.SaveCache();
            DataFormatter.WriteStatus(context.Out, statuses, format.Get(parse));
            return statuses.Any(s => s.State != DatasetState.Unchanged) ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
