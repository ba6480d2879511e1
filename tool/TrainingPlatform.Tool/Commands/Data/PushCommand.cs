using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Remote;
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
            var target = parse.GetValue(destination)!;
            if (!RemoteLocation.IsRemote(target))
            {
                throw new UserErrorException($"'{target}' is not a remote path", "push to ssh://[user@]host[:port]/DIR/NAME or [user@]host:DIR/NAME; copy local files with cp");
            }

            RemoteLocation.Parse(target);
            var sshOptions = ssh.Bind(parse, context);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var full = Path.GetFullPath(Path.Combine(context.WorkingDirectory, parse.GetValue(path)!));
            DatasetSnapshotter.CheckInput(full);
            string name;
            string algorithm;
            using (var catalog = DatasetStoreAccess.OpenCatalog(context, project, parse.GetValue(store), readOnly: true))
            {
                (name, algorithm) = DatasetTransfer.PushIdentity(catalog.Catalog, full);
            }

            var outputFormat = format.Get(parse);
            var progress = context.ErrorIsTerminal && outputFormat != TextFormat.Json;
            var snapshotter = new DatasetSnapshotter(context.Clock, project.StatCachePath);
            DatasetSnapshot snapshot;
            using (new SnapshotProgressWriter(context.Error, snapshotter.Progress, enabled: progress))
            {
                snapshot = snapshotter.Snapshot(full, algorithm, check: false);
            }

            snapshotter.SaveCache();
            DatasetVersion version;
            bool added;
            using (var catalog = DatasetStoreAccess.OpenCatalog(context, project, parse.GetValue(store)))
            {
                (version, added) = catalog.Catalog.Record(snapshot, name);
            }

            var transfer = new DatasetTransfer(sshOptions, BandwidthLimitOption.BytesPerSecond(parse, bwlimit));
            DatasetTransferResult result;
            using (new SnapshotProgressWriter(context.Error, transfer.Progress, enabled: progress, label: "push"))
            {
                result = transfer.Push(version, snapshot.Manifest, full, target);
            }

            TransferFormatter.Write(context.Out, new TransferReport(result, project.Display(full), added), outputFormat);
            return ExitCodes.Ok;
        });
        return command;
    }
}
