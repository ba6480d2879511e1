using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Jobs;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

/// <summary><c>trainplat job create|list|show|update|delete|clone|export|import</c>: jobs in the lineage store.</summary>
internal static class JobCommands
{
    public static Command Build(CliContext context)
    {
        var job = new Command("job", "Training jobs: the recipe version, rendered config and dataset versions each one used, its status and metrics.");
        job.Subcommands.Add(Create(context));
        job.Subcommands.Add(List(context));
        job.Subcommands.Add(Show(context));
        job.Subcommands.Add(Update(context));
        job.Subcommands.Add(Delete(context));
        job.Subcommands.Add(Clone(context));
        job.Subcommands.Add(Export(context));
        job.Subcommands.Add(Import(context));
        return job;
    }

    private static Option<string[]> Sets() => new("--set")
    {
        Description = "Override a config value: key.path=value (typed by the schema). Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
        HelpName = "key.path=value",
    };

    private static Option<string[]> Datasets() => new("--dataset", "-d")
    {
        Description = "A dataset the job reads: ROLE=PATH (snapshotted now), ROLE=NAME@HASH or ROLE=NAME (a recorded version). Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
        HelpName = "ROLE=PATH|ROLE=NAME@HASH",
    };

    private static Option<string[]> Tags() => new("--tag")
    {
        Description = "A tag for finding the job later. Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static Command Create(CliContext context)
    {
        var recipe = new Option<string>("--recipe", "-r") { Description = "A recipe id, or the path of a recipe file.", Required = true, HelpName = "ID" };
        var modelSize = new Option<string?>("--model-size", "-s") { Description = "Model size: 7B, 1.5b, 70B, 8x7B.", HelpName = "size" };
        var model = new Option<string?>("--model", "-m") { Description = "A model from the catalog (brings the architecture).", HelpName = "name" };
        var gpus = new Option<int?>("--gpus") { Description = "Total GPUs." };
        var nodes = new Option<int?>("--nodes") { Description = "Nodes the GPUs are spread over." };
        var gpuMemory = new Option<double?>("--gpu-memory") { Description = "Memory of one GPU in GB (default 80)." };
        var sets = Sets();
        var datasets = Datasets();
        var name = new Option<string?>("--name", "-n") { Description = "A name for people (ids stay the key)." };
        var tags = Tags();
        var force = new Option<bool>("--force") { Description = "Record the job even when pre-flight checks fail (the failures are recorded with it)." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("create", "Render a recipe and record a pending job with its recipe version, config, datasets and git commit; prints the job id.")
        {
            recipe, modelSize, model, gpus, nodes, gpuMemory, sets, datasets, name, tags, force, store, format,
        };
        command.SetAction(parse =>
        {
            CheckCluster(parse.GetValue(gpus), parse.GetValue(nodes), parse.GetValue(gpuMemory));
            var request = new JobCreateRequest(parse.GetValue(recipe)!, parse.GetValue(modelSize), parse.GetValue(model), parse.GetValue(gpus),
                parse.GetValue(nodes), parse.GetValue(gpuMemory), parse.GetValue(sets) ?? [], parse.GetValue(datasets) ?? [], parse.GetValue(name),
                parse.GetValue(tags) ?? [], parse.GetValue(force));
            return Record(context, parse.GetValue(store), request, parse.GetValue(format) == "json");
        });
        return command;
    }

    private static Command Clone(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The job to clone (an id or a unique prefix)." };
        var modelSize = new Option<string?>("--model-size", "-s") { Description = "Another model size (default: the parent's).", HelpName = "size" };
        var model = new Option<string?>("--model", "-m") { Description = "Another catalog model (default: the parent's).", HelpName = "name" };
        var gpus = new Option<int?>("--gpus") { Description = "Total GPUs (default: the parent's)." };
        var nodes = new Option<int?>("--nodes") { Description = "Nodes (default: the parent's)." };
        var gpuMemory = new Option<double?>("--gpu-memory") { Description = "Memory of one GPU in GB (default 80)." };
        var sets = Sets();
        sets.Description = "A change on top of the parent's overrides: key.path=value. Repeatable.";
        var datasets = Datasets();
        datasets.Description = "Replace the dataset of a role (default: the parent's versions): ROLE=PATH or ROLE=NAME@HASH. Repeatable.";
        var name = new Option<string?>("--name", "-n") { Description = "A name for the new job." };
        var tags = Tags();
        var force = new Option<bool>("--force") { Description = "Record the job even when pre-flight checks fail." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("clone", "A new pending job from a recorded one: the same recipe version (as recorded, even if the file changed since), overrides and datasets, with changes; records the parent.")
        {
            id, modelSize, model, gpus, nodes, gpuMemory, sets, datasets, name, tags, force, store, format,
        };
        command.SetAction(parse =>
        {
            CheckCluster(parse.GetValue(gpus), parse.GetValue(nodes), parse.GetValue(gpuMemory));
            var request = new JobCreateRequest(null, parse.GetValue(modelSize), parse.GetValue(model), parse.GetValue(gpus), parse.GetValue(nodes),
                parse.GetValue(gpuMemory), parse.GetValue(sets) ?? [], parse.GetValue(datasets) ?? [], parse.GetValue(name), parse.GetValue(tags) ?? [],
                parse.GetValue(force), Parent: parse.GetValue(id)!);
            return Record(context, parse.GetValue(store), request, parse.GetValue(format) == "json");
        });
        return command;
    }

    /// <summary>The shared path of create and clone: one Core call, then the job id (or JSON) and its pre-flight findings.</summary>
    private static int Record(CliContext context, string? storeOption, JobCreateRequest request, bool json)
    {
        var project = ProjectContext.Discover(context.WorkingDirectory);
        var environment = new JobEnvironment(project, context.Clock, () => JobRules.NewId(context.IdRandom), JobOrigin.Current(ToolVersion.Current),
            () => StoreAccess.Open(context, project, storeOption), () => StoreAccess.OpenForReading(context, project, storeOption))
        {
            Progress = progress => new SnapshotProgressWriter(context.Error, progress, enabled: context.ErrorIsTerminal && !json),
            Announce = job => Announce(context, job, json),
        };
        var (job, resolved) = JobCreator.Create(request, environment);
        if (!json)
        {
            context.Error.WriteLine(JobFormatter.Created(job));
        }

        var style = new Style(context.Color && context.ErrorIsTerminal);
        foreach (var f in resolved.Findings)
        {
            var level = f.IsError ? style.Red("error (forced)") : style.Yellow("warning");
            context.Error.WriteLine($"job create: {level} {f.Code} [{f.Path}]: {f.Message}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>The id (or JSON) on stdout before the job commits: a failed write leaves no job nobody saw.</summary>
    private static void Announce(CliContext context, JobRecord job, bool json)
    {
        try
        {
            context.Out.WriteLine(json ? JsonText.Write(JobFormatter.Json(job, children: [])) : job.Id);
            context.Out.Flush();
        }
        catch (IOException ex)
        {
            throw new UserErrorException($"could not write the new job's id to standard output ({ex.Message.TrimEnd('.')}); the job was not recorded",
                "run the command again with standard output going somewhere it can be written");
        }
    }

    private static void CheckCluster(int? gpus, int? nodes, double? gpuMemory)
    {
        if (JobRules.ClusterProblem(gpus, nodes, gpuMemory) is { } problem)
        {
            throw new UserErrorException("--" + problem);
        }
    }

    private static Command List(CliContext context)
    {
        var status = new Option<string?>("--status") { Description = "Only jobs with this status: " + JobStatuses.Names + ".", HelpName = "status" };
        var recipe = new Option<string?>("--recipe", "-r") { Description = "Only jobs of this recipe: ID or ID@VERSION.", HelpName = "ID[@VERSION]" };
        var task = new Option<string?>("--task") { Description = "Only jobs of this task (sft, dpo, grpo, …)." };
        var algorithm = new Option<string?>("--algorithm") { Description = "Only jobs of this algorithm." };
        var modelSize = new Option<string?>("--model-size", "-s") { Description = "Only jobs at this model size.", HelpName = "size" };
        var since = new Option<string?>("--since") { Description = "Only jobs created on or after DATE (2026-11-01, or an ISO 8601 time in UTC).", HelpName = "DATE" };
        var tag = new Option<string?>("--tag") { Description = "Only jobs with this tag." };
        var limit = new Option<int>("--limit") { Description = "Show at most N jobs, newest first (0: all).", DefaultValueFactory = _ => 100, HelpName = "N" };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("table", "table", "json");
        var command = new Command("list", "List jobs, newest first, with filters.") { status, recipe, task, algorithm, modelSize, since, tag, limit, store, format };
        command.SetAction(parse =>
        {
            var query = Query(parse.GetValue(status), parse.GetValue(recipe), parse.GetValue(task), parse.GetValue(algorithm), parse.GetValue(modelSize), parse.GetValue(since), parse.GetValue(tag));
            if (parse.GetValue(limit) < 0)
            {
                throw new UserErrorException("--limit must be 0 (all) or a positive number");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            JobRecord[] jobs;
            var max = parse.GetValue(limit);
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                // One more than shown tells whether there are more.
                jobs = max > 0 ? [.. lineage.ListJobs(query).Take(max + 1)] : [.. lineage.ListJobs(query)];
            }

            JobFormatter.WriteList(context.Out, max > 0 && jobs.Length > max ? jobs[..max] : jobs, more: max > 0 && jobs.Length > max, parse.GetValue(format) == "json");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static JobQuery Query(string? status, string? recipe, string? task, string? algorithm, string? modelSize, string? since, string? tag)
    {
        JobStatus? wanted = null;
        if (status is not null)
        {
            wanted = JobStatuses.TryParse(status, out var s) ? s : throw new UserErrorException($"unknown status '{status}'", "statuses: " + JobStatuses.Names);
        }

        double? parameters = null;
        if (modelSize is not null)
        {
            parameters = ModelSize.TryParse(modelSize, out var size) ? size.Parameters : throw new UserErrorException($"'{modelSize}' is not a model size", "e.g. 7B, 1.5B, 500M, 8x7B");
        }

        DateTimeOffset? from = null;
        if (since is not null)
        {
            from = DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
                ? t
                : throw new UserErrorException($"--since '{since}' is not a date", "e.g. 2026-11-01 or 2026-11-01T12:00:00Z (UTC)");
        }

        string? recipeId = recipe;
        string? recipeVersion = null;
        if (recipe?.IndexOf('@', StringComparison.Ordinal) is > 0 and var at)
        {
            recipeId = recipe[..at];
            recipeVersion = recipe[(at + 1)..];
        }

        return new JobQuery(Status: wanted, RecipeId: recipeId, RecipeVersion: recipeVersion, Task: task, Algorithm: algorithm, Parameters: parameters, Since: from, Tag: tag);
    }

    private static Command Show(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A job id or a unique prefix (4+ characters)." };
        var config = new Option<bool>("--config") { Description = "Print the job's rendered config (canonical JSON) instead." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("show", "Everything recorded about a job: recipe version, config, datasets, git, parent and children, history, metrics.") { id, config, store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store));
            var job = JobRules.Resolve(lineage, parse.GetValue(id)!);
            if (parse.GetValue(config))
            {
                var text = lineage.GetConfig(job.ConfigHash) ?? throw new UserErrorException($"the store lacks config {job.ConfigHash[..12]} of job {job.Id}");
                context.Out.WriteLine(JsonText.Write(System.Text.Json.Nodes.JsonNode.Parse(text)));
                return ExitCodes.Ok;
            }

            var children = lineage.FindJobs(new JobQuery(ParentId: job.Id));
            var recipes = job.Chain.Select(lineage.GetRecipeVersion).OfType<RecipeVersionRecord>().ToArray();
            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonText.Write(JobFormatter.Json(job, children)));
            }
            else
            {
                JobFormatter.WriteShow(context.Out, job, recipes, children);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Update(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A job id or a unique prefix." };
        var status = new Option<string?>("--status") { Description = "The new status: " + JobStatuses.Names + ".", HelpName = "status" };
        var note = new Option<string?>("--note") { Description = "A note for the job's history." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("update", "Change a job's status (pending → running → succeeded|failed|cancelled) and/or add a note; start and finish times are kept.")
        {
            id, status, note, store, format,
        };
        command.SetAction(parse =>
        {
            JobStatus? to = null;
            if (parse.GetValue(status) is { } text)
            {
                to = JobStatuses.TryParse(text, out var s) ? s : throw new UserErrorException($"unknown status '{text}'", "statuses: " + JobStatuses.Names);
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.Open(context, project, parse.GetValue(store));
            var job = JobRules.Resolve(lineage, parse.GetValue(id)!);
            var updated = JobRules.Update(job, to, parse.GetValue(note), context.Clock.GetUtcNow());
            lineage.UpdateJob(updated);
            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonText.Write(JobFormatter.Json(updated, children: [])));
            }
            else
            {
                context.Out.WriteLine(job.Status == updated.Status
                    ? $"job {updated.Id}: note added ({JobStatuses.Name(updated.Status)})"
                    : $"job {updated.Id}: {JobStatuses.Name(job.Status)} → {JobStatuses.Name(updated.Status)}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A job id (the full id: deleting by prefix is refused)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Really delete the job and its metrics." };
        var store = StoreAccess.Option();
        var command = new Command("delete", "Delete a job and its metrics (needs --yes). Recipe versions, configs and dataset versions stay.") { id, yes, store };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.Open(context, project, parse.GetValue(store));
            var job = JobRules.Resolve(lineage, parse.GetValue(id)!);
            var children = lineage.FindJobs(new JobQuery(ParentId: job.Id));
            if (!parse.GetValue(yes))
            {
                var points = lineage.CountPoints(job.Id);
                throw new UserErrorException(
                    string.Create(CultureInfo.InvariantCulture, $"job {job.Id} ({JobStatuses.Name(job.Status)}, {points:N0} metric points) was not deleted: deleting needs --yes"),
                    $"`trainplat job export {job.Id} -o {job.Id}.jsonl` keeps a copy; then `trainplat job delete {job.Id} --yes`");
            }

            var deleted = lineage.DeleteJob(job.Id);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"deleted job {job.Id} and {deleted:N0} metric points") +
                (children.Count > 0 ? $"; {children.Count} clone{(children.Count == 1 ? "" : "s")} still name it as parent" : ""));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Export(CliContext context)
    {
        var ids = new Argument<string[]>("id") { Description = "Jobs to export (ids or unique prefixes).", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Export every job, recipe version, config, dataset version and metric point." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output.", HelpName = "file" };
        var store = StoreAccess.Option();
        var command = new Command("export", "Write jobs with their lineage and metrics as JSON Lines, to move them to another machine (`job import` keeps the ids).") { ids, all, output, store };
        command.SetAction(parse =>
        {
            var given = parse.GetValue(ids) ?? [];
            if (given.Length == 0 == !parse.GetValue(all))
            {
                throw new UserErrorException(given.Length == 0 ? "give job ids or --all" : "give job ids or --all, not both");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            LineageBundle bundle;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                bundle = lineage.Export(given.Length == 0 ? null : [.. given.Select(g => JobRules.Resolve(lineage, g).Id).Distinct()]);
            }

            if (parse.GetValue(output) is { } file)
            {
                var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, file));
                var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
                using (var stream = File.Create(temp))
                {
                    LineageExchange.Write(stream, bundle, ToolVersion.Current);
                }

                File.Move(temp, path, overwrite: true);
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"exported {bundle.Jobs.Count:N0} job{(bundle.Jobs.Count == 1 ? "" : "s")} and {bundle.Metrics.Sum(m => (long)m.Points.Count):N0} metric points to {file}"));
            }
            else
            {
                using var buffer = new MemoryStream();
                LineageExchange.Write(buffer, bundle, ToolVersion.Current);
                context.Out.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "A file written by `trainplat job export`." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("import", "Add the jobs, versions and metrics of an export, keeping ids; what is there already is left alone (a newer copy of a job wins). One transaction.")
        {
            file, store, format,
        };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, parse.GetValue(file)!));
            if (!File.Exists(path))
            {
                throw new UserErrorException($"{parse.GetValue(file)}: no such file");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            var shown = parse.GetValue(file)!;
            var result = JobImporter.Import(path, () => StoreAccess.Open(context, project, parse.GetValue(store)));
            foreach (var p in result.Problems)
            {
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{shown}:{p.Line}: {p.Message}"));
            }

            if (result.Counts is not { } counts)
            {
                throw new UserErrorException(
                    string.Create(CultureInfo.InvariantCulture, $"{shown}: {result.Problems.Count:N0} bad line{(result.Problems.Count == 1 ? "" : "s")}; nothing was imported"),
                    "the file must be an unchanged `trainplat job export`; fix or remove the lines above");
            }

            JobFormatter.WriteImport(context.Out, shown, counts, parse.GetValue(format) == "json");
            return ExitCodes.Ok;
        });
        return command;
    }
}
