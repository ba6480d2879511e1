using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class CreateCommand
{
    public static Command Build(CliContext context)
    {
        var recipe = new Option<string>("--recipe", "-r") { Description = "A recipe id, or the path of a recipe file.", Required = true, HelpName = "ID" };
        var target = new RenderTargetOptions();
        var datasets = JobOptions.Datasets();
        var name = new Option<string?>("--name", "-n") { Description = "A name for people (ids stay the key)." };
        var tags = JobOptions.Tags();
        var force = new Option<bool>("--force") { Description = "Record the job even when pre-flight checks fail (the failures are recorded with it)." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("create", "Render a recipe and record a pending job with its recipe version, config, datasets and git commit; prints the job id.")
        {
            recipe, target.ModelSize, target.Model, target.Gpus, target.Nodes, target.GpuMemory, target.Sets, datasets, name, tags, force, store, format,
        };
        command.SetAction(parse => StoreAccess.Guard(context, () =>
        {
            var request = target.Bind(parse).Request(parse.GetValue(recipe)!, context.WorkingDirectory);
            return Record(context, parse.GetValue(store), request, parse.GetValue(datasets) ?? [], [], parse.GetValue(name), parse.GetValue(tags) ?? [],
                parentId: null, parse.GetValue(force), parse.GetValue(format) == TextFormat.Json);
        }));
        return command;
    }

    /// <summary>The shared path of create and clone: render, snapshot datasets (store closed), then record in one transaction.</summary>
    internal static int Record(CliContext context, string? storeOption, RenderRequest request, IReadOnlyList<string> datasetArguments,
        IReadOnlyList<JobDataset> inherited, string? name, IReadOnlyList<string> tags, string? parentId, bool force, bool json)
    {
        var warming = Task.Run(LineageStore.Warm);
        var project = ProjectContext.Discover(context.WorkingDirectory);
        var result = RecipeResolver.Resolve(request);
        if (result.Config is not { } resolved)
        {
            DiagnosticFormatter.WriteLines(context.Error, result.Diagnostics, new Style(false), hints: false);
            throw new CliException(result.Error!, result.Hint);
        }

        // Files are hashed before the store is opened, so a large dataset does not hold the store's lock.
        var parsed = datasetArguments.Select(Jobs.ParseDataset).ToArray();
        var snapshotter = new DatasetSnapshotter(context.Clock, Path.Combine(project.Root, ".trainplat", "stat-cache.json"));
        var snapshots = new Dictionary<string, DatasetSnapshot>(StringComparer.Ordinal);
        using (new SnapshotProgressWriter(context.Error, snapshotter.Progress, enabled: context.ErrorIsTerminal && !json))
        {
            foreach (var (role, value) in parsed)
            {
                var full = Path.GetFullPath(Path.Combine(context.WorkingDirectory, value));
                if (File.Exists(full) || Directory.Exists(full))
                {
                    snapshots[role] = snapshotter.Snapshot(full, SnapshotAlgorithms.Sha256, check: false);
                }
            }
        }

        snapshotter.SaveCache();
        var git = Jobs.ReadGit(project.Root);
        warming.GetAwaiter().GetResult();
        using var lineage = StoreAccess.Open(context, project, storeOption);
        var catalog = new DatasetCatalog(lineage, project.Root, context.Clock);
        var versions = new List<(string Role, DatasetVersion Version)>();
        foreach (var (role, value) in parsed)
        {
            if (snapshots.TryGetValue(role, out var snapshot))
            {
                var (version, _) = catalog.Record(snapshot, catalog.DefaultName(snapshot.FullPath));
                versions.Add((role, version));
            }
            else if (value.Contains('@', StringComparison.Ordinal) || lineage.Find(value, "").Count > 0)
            {
                versions.Add((role, catalog.Resolve(value)));
            }
            else
            {
                throw new CliException($"--dataset {role}={value}: no such file or folder, and no recorded dataset named '{value}'",
                    "give a path to snapshot, or NAME@HASH of a recorded version (`trainplat data list`)");
            }
        }

        foreach (var d in inherited)
        {
            var version = lineage.Find(d.Name, d.Hash).FirstOrDefault(v => v.Algorithm == d.Algorithm)
                ?? throw new CliException($"the store lacks dataset version {d.Name}@{d.Hash[..Math.Min(12, d.Hash.Length)]} of the parent job");
            versions.Add((d.Role, version));
        }

        string id;
        do
        {
            id = Jobs.NewId(context.IdRandom);
        }
        while (lineage.GetJob(id) is not null);

        var job = Jobs.Build(resolved, request.Sets, new JobRequest(name, tags, versions, parentId, force), git,
            JobOrigin.Current(ToolVersion.Current), id, context.Clock.GetUtcNow());
        lineage.CreateJob(job);
        JobFormatter.WriteCreated(context.Out, context.Error, job.Job, json ? TextFormat.Json : TextFormat.Text);
        PreflightFormatter.WriteLines(context.Error, "job create", resolved.Findings, new Style(context.Color && context.ErrorIsTerminal), forced: true);

        return ExitCodes.Ok;
    }
}
