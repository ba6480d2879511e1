using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Data;

internal static class FetchCommand
{
    public static Command Build(CliContext context)
    {
        var source = new Argument<string>("source")
        {
            Description = "NAME@HASH-PREFIX (a version), NAME (its newest version), or ssh://[user@]host[:port]/path or [user@]host:path (the newest version recorded from it).",
        };
        var destination = new Argument<string>("dest") { Description = "The local folder to copy into (made if missing): the dataset lands in DEST/BASENAME." };
        var bwlimit = BandwidthLimitOption.Create();
        var ssh = new SshCliOptions();
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("fetch", "Copy a dataset version recorded from a remote host into a local folder over SFTP, verified against the recorded hashes.")
        {
            source, destination, bwlimit, store, format,
        };
        ssh.AddTo(command, hashOn: false);
        command.Description += " Files are written to DEST/.BASENAME.trainplat-partial and renamed into place only when every hash and the tree hash match;"
            + " an interrupted fetch resumes where it stopped when run again; a mismatch leaves nothing behind (exit 1); an existing DEST/BASENAME is never replaced.";
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var catalog = DatasetStoreAccess.ReadOnlyCatalog(context, project, parse.GetValue(store));
            var transfer = new DatasetTransfer(ssh.Bind(parse, context), BandwidthLimitOption.BytesPerSecond(parse, bwlimit));
            var folder = Path.GetFullPath(Path.Combine(context.WorkingDirectory, parse.GetValue(destination)!));
            DatasetTransferResult result;
            using (new SnapshotProgressWriter(context.Error, transfer.Progress, enabled: context.ErrorIsTerminal && format.Get(parse) != TextFormat.Json, label: "fetch"))
            {
                result = transfer.Fetch(catalog, parse.GetValue(source)!, folder);
            }

            TransferFormatter.Write(context.Out, new TransferReport(result, project.Display(result.LocalPath), Added: null), format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
