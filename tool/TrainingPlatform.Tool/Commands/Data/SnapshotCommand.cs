using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Data;

internal static class SnapshotCommand
{
    public static Command Build(CliContext context)
    {
        var paths = new Argument<string[]>("path") { Description = "Files or folders to snapshot.", Arity = ArgumentArity.OneOrMore };
        var name = new Option<string?>("--name", "-n") { Description = "The dataset's name (default: its path relative to the project root); one PATH only." };
        var algorithm = new Option<string>("--algorithm")
        {
            Description = "Content hash: sha256 or sha512.",
            DefaultValueFactory = _ => SnapshotAlgorithms.Sha256,
            HelpName = string.Join("|", SnapshotAlgorithms.Supported),
        };
        var check = new Option<bool>("--check") { Description = "Parse every JSON Lines line and check CSV field counts; exit 1 and record nothing when a problem is found." };
        var noCache = new Option<bool>("--no-cache") { Description = "Read every byte even when the stat cache says a file is unchanged." };
        var noRecord = new Option<bool>("--no-record") { Description = "Print the snapshot without recording it in the lineage store." };
        var countOnly = new Option<bool>("--count-only") { Description = "Count samples and read fields only: no hash, nothing recorded (a Parquet file's footer is all that is read)." };
        var followExternal = new Option<bool>("--follow-external") { Description = "Read the files that links inside a folder lead to outside it (by default such a link is an error)." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var ssh = new SshCliOptions();
        var command = new Command("snapshot", "Hash and count a dataset's files in one read and record the result as a version.")
        {
            paths, name, algorithm, check, noCache, noRecord, countOnly, followExternal, store, format,
        };
        ssh.AddTo(command);
        command.Description += " Only regular files are read: a FIFO, device or socket is an error (exit 2 given as PATH, exit 1 inside a folder)."
            + " In a folder, entries starting with '.' are skipped, links to folders are recorded as links and not followed, links to files"
            + " inside the folder are read, and a link leading outside the folder is an error unless --follow-external."
            + " A PATH on another host is ssh://[USER@]HOST[:PORT]/PATH or [USER@]HOST:PATH (read over ssh with your ssh config).";
        command.SetAction(parse =>
        {
            var chosen = parse.GetValue(algorithm)!;
            if (!SnapshotAlgorithms.IsSupported(chosen))
            {
                throw new UserErrorException($"unsupported algorithm '{chosen}'", "supported: " + string.Join(", ", SnapshotAlgorithms.Supported));
            }

            var targets = parse.GetValue(paths) ?? [];
            var givenName = parse.GetValue(name);
            if (givenName is not null && targets.Length != 1)
            {
                throw new UserErrorException("--name needs exactly one PATH", "snapshot the paths one at a time, each with its own --name");
            }

            if (givenName is not null)
            {
                DatasetCatalog.CheckName(givenName);
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            var fullPaths = targets.Select(p => DatasetSnapshotter.IsRemote(p) ? p : Path.GetFullPath(Path.Combine(context.WorkingDirectory, p))).ToArray();
            foreach (var full in fullPaths)
            {
                DatasetSnapshotter.CheckInput(full);
            }

            var counting = parse.GetValue(countOnly);
            var outputFormat = format.Get(parse);
            // Opening LiteDB costs ~90 ms of JIT on first use: compile it on the other core while the files are
            // read; the store itself (and its lock) is opened only once the snapshots are done.
            var wantsRecord = !counting && !parse.GetValue(noRecord);
            var warming = wantsRecord ? Task.Run(LineageStore.Warm) : null;
            try
            {
                return SnapshotAndRecord();
            }
            finally
            {
                warming?.GetAwaiter().GetResult();
            }

            int SnapshotAndRecord()
            {
                using var snapshotter = new DatasetSnapshotter(context.Clock, parse.GetValue(noCache) || counting ? null : project.StatCachePath)
                {
                    FollowExternal = parse.GetValue(followExternal),
                    Ssh = ssh.Bind(parse, context),
                    HashOn = ssh.HashMethod(parse),
                };
                var snapshots = new List<DatasetSnapshot>();
                using (new SnapshotProgressWriter(context.Error, snapshotter.Progress, enabled: context.ErrorIsTerminal && outputFormat != TextFormat.Json))
                {
                    foreach (var full in fullPaths)
                    {
                        snapshots.Add(snapshotter.Snapshot(full, counting ? "" : chosen, parse.GetValue(check)));
                    }
                }

                snapshotter.SaveCache();
                var problems = snapshots.Any(s => s.ProblemCount > 0);
                var record = wantsRecord && !problems;
                var reports = new List<SnapshotReport>();
                using var catalog = record ? DatasetStoreAccess.OpenCatalog(context, project, parse.GetValue(store)) : null;
                foreach (var s in snapshots)
                {
                    var label = s.Remote is null ? project.Display(s.FullPath) : s.FullPath;
                    if (catalog is null)
                    {
                        var why = counting ? "--count-only" : problems ? "--check found problems" : "--no-record";
                        reports.Add(new SnapshotReport(label, givenName, s, null, false, why));
                        continue;
                    }

                    var datasetName = givenName ?? catalog.Catalog.DefaultName(s.FullPath);
                    var (version, added) = catalog.Catalog.Record(s, datasetName);
                    reports.Add(new SnapshotReport(label, datasetName, s, version, added, null));
                }

                DataFormatter.WriteSnapshots(context.Out, reports, outputFormat);
                return problems ? ExitCodes.Findings : ExitCodes.Ok;
            }
        });
        return command;
    }
}
