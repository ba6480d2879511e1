using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Data;

internal static class PushCommand
{
    public static Command Build(CliContext context)
    {
        var path = new Argument<string>("path") { Description = "The local file or folder to copy; it is snapshotted now and its version recorded, as 'data snapshot' does." };
        var destination = new Argument<string>("dest")
        {
            Description = "ssh://[user@]host[:port]/DIR/NAME (or [user@]host:DIR/NAME); a trailing '/' or an existing folder means inside it, under PATH's name.",
        };
        var bwlimit = BandwidthLimitOption.Create();
        var ssh = new SshCliOptions();
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("push", "Copy a local dataset's current version to a remote host over SFTP, verified there against the recorded hashes.")
        {
            path, destination, bwlimit, store, format,
        };
        ssh.AddTo(command, hashOn: false);
        command.Description += " Files are written to .NAME.trainplat-partial on the host, hashed there (or read back when the host has no sha256sum/shasum)"
            + " and renamed into place only when they match; an interrupted push resumes when run again; a mismatch removes the temporary copy (exit 1);"
            + " an existing remote target is never replaced.";
        command.SetAction(parse =>
        {
            var sshOptions = ssh.Bind(parse, context);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var full = Path.GetFullPath(Path.Combine(context.WorkingDirectory, parse.GetValue(path)!));
            var outputFormat = format.Get(parse);
            var storeOption = parse.GetValue(store);
            using var snapshotter = new DatasetSnapshotter(context.Clock, project.StatCachePath);
            var push = new DatasetPush(snapshotter, new DatasetTransfer(sshOptions, BandwidthLimitOption.BytesPerSecond(parse, bwlimit)));
            DatasetPushResult result;
            using (new SnapshotProgressWriter(context.Error, () => (push.Stage, push.Progress), enabled: context.ErrorIsTerminal && outputFormat != TextFormat.Json))
            {
                result = push.Run(full, parse.GetValue(destination)!,
                    write => write ? StoreAccess.Open(context, project, storeOption) : StoreAccess.OpenForReading(context, project, storeOption),
                    project.Root, context.Clock);
            }

            TransferFormatter.Write(context.Out, new TransferReport(result.Transfer, project.Display(full), result.Added), outputFormat);
            return ExitCodes.Ok;
        });
        return command;
    }
}
