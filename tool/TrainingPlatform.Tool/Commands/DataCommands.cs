using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

/// <summary><c>trainplat data snapshot|list|show|diff|status</c>: dataset versions in the project's lineage store.</summary>
internal static class DataCommands
{
    public static Command Build(CliContext context)
    {
        var data = new Command("data", "Dataset versions: snapshot files and folders (hash + sample count), list, show, diff and check them.");
        data.Subcommands.Add(Snapshot(context));
        data.Subcommands.Add(List(context));
        data.Subcommands.Add(Show(context));
        data.Subcommands.Add(Diff(context));
        data.Subcommands.Add(Status(context));
        return data;
    }

    private static Command Snapshot(CliContext context)
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
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("snapshot", "Hash and count a dataset's files in one read and record the result as a version.")
        {
            paths, name, algorithm, check, noCache, noRecord, countOnly, store, format,
        };
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
            var fullPaths = targets.Select(p => Path.GetFullPath(Path.Combine(context.WorkingDirectory, p))).ToArray();
            foreach (var (path, full) in targets.Zip(fullPaths))
            {
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    throw new UserErrorException($"{path}: no such file or folder");
                }
            }

            var counting = parse.GetValue(countOnly);
            var json = parse.GetValue(format) == "json";
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
                var snapshotter = new DatasetSnapshotter(TimeProvider.System, parse.GetValue(noCache) || counting ? null : CachePath(project));
                var snapshots = new List<DatasetSnapshot>();
                using (new SnapshotProgressWriter(context.Error, snapshotter.Progress, enabled: context.ErrorIsTerminal && !json))
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
                using var catalog = record ? OpenCatalog(context, project, parse.GetValue(store)) : null;
                foreach (var s in snapshots)
                {
                    var label = project.Display(s.FullPath);
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

                DataFormatter.WriteSnapshots(context.Out, reports, json);
                return problems ? ExitCodes.Findings : ExitCodes.Ok;
            }
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var name = new Option<string?>("--name", "-n") { Description = "Only the versions of this dataset." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("list", "List recorded dataset versions, by name, newest first.") { name, store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var catalog = OpenCatalog(context, project, parse.GetValue(store), readOnly: true);
            var versions = catalog.Catalog.Store.List(parse.GetValue(name));
            DataFormatter.WriteList(context.Out, versions, parse.GetValue(format) == "json");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var reference = new Argument<string>("version") { Description = "NAME (its newest version) or NAME@HASH-PREFIX." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("show", "Show a recorded dataset version, with its files for a folder.") { reference, store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var catalog = OpenCatalog(context, project, parse.GetValue(store), readOnly: true);
            var version = catalog.Catalog.Resolve(parse.GetValue(reference)!);
            DataFormatter.WriteVersion(context.Out, version, parse.GetValue(format) == "json");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Diff(CliContext context)
    {
        var left = new Argument<string>("a") { Description = "NAME@HASH-PREFIX (a version), a file or folder (read now), or NAME (its newest version)." };
        var right = new Argument<string>("b") { Description = "The same kinds as A." };
        var exitCode = new Option<bool>("--exit-code") { Description = "Exit 1 when the two differ." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("diff", "Compare two dataset versions or a version with the disk: same content?, size and sample deltas, files added/removed/modified.")
        {
            left, right, exitCode, store, format,
        };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var catalog = ReadOnlyCatalog(context, project, parse.GetValue(store));
            var snapshotter = new DatasetSnapshotter(TimeProvider.System, CachePath(project));
            DatasetComparison comparison;
            using (new SnapshotProgressWriter(context.Error, snapshotter.Progress, enabled: context.ErrorIsTerminal && parse.GetValue(format) != "json"))
            {
                comparison = catalog.Diff(parse.GetValue(left)!, parse.GetValue(right)!, context.WorkingDirectory, snapshotter);
            }

            snapshotter.SaveCache();
            DataFormatter.WriteDiff(context.Out, comparison, parse.GetValue(format) == "json");
            return parse.GetValue(exitCode) && !comparison.Same ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }

    private static Command Status(CliContext context)
    {
        var names = new Argument<string[]>("name") { Description = "Datasets to check (default: every recorded name); NAME@HASH-PREFIX checks that version.", Arity = ArgumentArity.ZeroOrMore };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("status", "Check recorded datasets against the disk: unchanged, modified or missing (exit 1 when any changed).")
        {
            names, store, format,
        };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var catalog = ReadOnlyCatalog(context, project, parse.GetValue(store));
            var snapshotter = new DatasetSnapshotter(TimeProvider.System, CachePath(project));
            IReadOnlyList<DatasetStatus> statuses;
            using (new SnapshotProgressWriter(context.Error, snapshotter.Progress, enabled: context.ErrorIsTerminal && parse.GetValue(format) != "json"))
            {
                statuses = catalog.Status(parse.GetValue(names) ?? [], snapshotter);
            }

            snapshotter.SaveCache();
            DataFormatter.WriteStatus(context.Out, statuses, parse.GetValue(format) == "json");
            return statuses.Any(s => s.State != DatasetState.Unchanged) ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }

    private static string CachePath(ProjectContext project) => project.StatCachePath;

    private static OpenedCatalog OpenCatalog(CliContext context, ProjectContext project, string? storeOption, bool readOnly = false)
    {
        var store = readOnly ? StoreAccess.OpenForReading(context, project, storeOption) : StoreAccess.Open(context, project, storeOption);
        return new OpenedCatalog(new DatasetCatalog(store, project.Root, TimeProvider.System), store);
    }

    /// <summary>The recorded versions, read and the store closed again: for commands that hash files afterwards.</summary>
    private static DatasetCatalog ReadOnlyCatalog(CliContext context, ProjectContext project, string? storeOption)
    {
        using var store = StoreAccess.OpenForReading(context, project, storeOption);
        return new DatasetCatalog(new DatasetVersionList(store.List(null)), project.Root, TimeProvider.System);
    }

    private sealed class OpenedCatalog(DatasetCatalog catalog, LineageStore store) : IDisposable
    {
        public DatasetCatalog Catalog => catalog;

        public void Dispose() => store.Dispose();
    }
}
