using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Rendering;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Jobs;

/// <summary>
/// What <c>job create</c> and <c>job clone</c> ask for. A clone names its <see cref="Parent"/> and leaves
/// <see cref="Recipe"/> null: what it does not give (size or model, GPUs, nodes, datasets) comes from the parent.
/// </summary>
public sealed record JobCreateRequest(
    string? Recipe,
    string? ModelSize,
    string? Model,
    int? Gpus,
    int? Nodes,
    double? GpuMemoryGb,
    IReadOnlyList<string> Sets,
    IReadOnlyList<string> Datasets,
    string? Name,
    IReadOnlyList<string> Tags,
    bool Force,
    string? Parent = null)
{
    /// <summary><c>--gpus-per-node</c>, or null for the recipe's layout.</summary>
    public int? GpusPerNode { get; init; }

    /// <summary>Record a changed recipe under an already-recorded id@version anyway, as <c>VERSION+sha.HASH12</c>.</summary>
    public bool AllowUnbumped { get; init; }

    /// <summary>How the hosts of remote datasets (<c>ROLE=ssh://…</c>) are reached.</summary>
    public Remote.SshOptions Ssh { get; init; } = new();

    /// <summary>Where remote dataset files are hashed (<c>--hash-on</c>).</summary>
    public RemoteHashMethod HashOn { get; init; }
}

/// <summary>
/// What job creation may touch, injected: the project and its paths, the clock, where ids come from, who is
/// recording, how git is read and how the lineage store is opened (the CLI reports store notes on stderr).
/// </summary>
public sealed record JobEnvironment(
    ProjectContext Project,
    TimeProvider Clock,
    Func<string> NewId,
    JobOrigin Origin,
    Func<ILineageStore> OpenStore,
    Func<ILineageStore> OpenStoreForReading)
{
    /// <summary>Reads the git facts of the project root (tests give a fixed one).</summary>
    public Func<string, GitState?> ReadGit { get; init; } = JobGit.Read;

    /// <summary>
    /// Tells the user the new job (its id) inside the store transaction, just before it commits: when that fails (a
    /// full or closed standard output), the job is not recorded, so no job exists whose id nobody saw.
    /// </summary>
    public Action<JobRecord>? Announce { get; init; }

    /// <summary>Shows progress while datasets are hashed; null for none.</summary>
    public Func<SnapshotProgress, IDisposable>? Progress { get; init; }
}

/// <summary>The recorded job and the config it was rendered from (its pre-flight findings are shown to the user).</summary>
public sealed record JobCreateResult(JobRecord Job, ResolvedConfig Config);

/// <summary>What <see cref="JobCreator.Build"/> needs besides the resolved config.</summary>
public sealed record JobRequest(
    string? Name,
    IReadOnlyList<string> Tags,
    IReadOnlyList<(string Role, DatasetVersion Version)> Datasets,
    string? ParentId,
    bool Force);

/// <summary>
/// Creates a job: resolve, refuse on pre-flight errors (before anything is hashed or written), snapshot the
/// datasets (the store closed, so that hashing a large dataset does not hold its lock), then record dataset
/// versions, recipe versions, config and job in one store transaction.
/// </summary>
public static class JobCreator
{
    public static JobCreateResult Create(JobCreateRequest request, JobEnvironment environment)
    {
        var warming = Task.Run(LineageStore.Warm);
        var project = environment.Project;
        JobRecord? parent = null;
        IReadOnlyList<JobDataset> inherited = [];
        RenderRequest render;
        if (request.Parent is null)
        {
            render = ForCreate(request, project) with { Recorded = new StoreRecipeVersions(environment.OpenStoreForReading) };
        }
        else
        {
            render = ForClone(request, environment, out var cloned, out inherited);
            parent = cloned;
        }

        var result = RecipeResolver.Resolve(render);
        if (result.Config is not { } resolved)
        {
            throw new UserErrorException(result.Error!, result.Hint, result.Diagnostics);
        }

        var parsed = request.Datasets.Select(JobRules.ParseDataset).ToArray();
        Refuse(resolved, request.Force);
        CheckRolesOnce(parsed.Select(p => p.Role).Concat(inherited.Select(d => d.Role)));
        // One read of the store before datasets are hashed (minutes for a large one): the version-bump check (the one in the
        // write transaction below decides), and which scp-looking values are names of recorded versions (`train:v2` is
        // that dataset, not a path on host train).
        HashSet<string> namesLikePaths = [];
        if (parsed.Any(p => Path.Exists(Path.Combine(project.WorkingDirectory, p.Value)) || DatasetCatalog.IsRemotePath(p.Value)))
        {
            using var reading = environment.OpenStoreForReading();
            if (!request.AllowUnbumped)
            {
                RefuseUnbumped(reading, resolved, project);
            }

            var recorded = new DatasetCatalog(reading, project.Root, environment.Clock);
            namesLikePaths = [.. parsed.Select(p => p.Value).Where(v => DatasetCatalog.IsRemotePath(v) && !recorded.ReadsAsRemote(v))];
        }

        var snapshots = new Dictionary<string, DatasetSnapshot>(StringComparer.Ordinal);
        using (var snapshotter = new DatasetSnapshotter(environment.Clock, project.StatCachePath) { Ssh = request.Ssh, HashOn = request.HashOn })
        {
            using (environment.Progress?.Invoke(snapshotter.Progress))
            {
                foreach (var (role, value) in parsed)
                {
                    var full = Path.GetFullPath(Path.Combine(project.WorkingDirectory, value));
                    if (File.Exists(full) || Directory.Exists(full))
                    {
                        snapshots[role] = snapshotter.Snapshot(full, SnapshotAlgorithms.Sha256, check: false);
                    }
                    else if (DatasetCatalog.IsRemotePath(value) && !namesLikePaths.Contains(value))
                    {
                        snapshots[role] = snapshotter.Snapshot(value, SnapshotAlgorithms.Sha256, check: false); // on its host, as data snapshot reads it
                    }
                }
            }

            snapshotter.SaveCache();
        }

        var git = environment.ReadGit(project.Root);
        var naming = new DatasetCatalog(new DatasetVersionList([]), project.Root, environment.Clock);
        var fresh = snapshots.ToDictionary(s => s.Key, s => naming.NewVersion(s.Value, naming.DefaultName(s.Value.FullPath)), StringComparer.Ordinal);
        warming.GetAwaiter().GetResult();

        using var lineage = environment.OpenStore();
        var catalog = new DatasetCatalog(lineage, project.Root, environment.Clock);
        var versions = new List<(string Role, DatasetVersion Version)>();
        foreach (var (role, value) in parsed)
        {
            if (fresh.TryGetValue(role, out var version))
            {
                versions.Add((role, version));
            }
            else if (value.Contains('@', StringComparison.Ordinal) || lineage.Find(value, "").Count > 0)
            {
                versions.Add((role, catalog.Resolve(value)));
            }
            else
            {
                throw new UserErrorException($"--dataset {role}={value}: no such file or folder, and no recorded dataset named '{value}'",
                    "give a path to snapshot, or NAME@HASH of a recorded version (`trainplat data list`)");
            }
        }

        foreach (var d in inherited)
        {
            var version = lineage.Find(d.Name, d.Hash).FirstOrDefault(v => v.Algorithm == d.Algorithm)
                ?? throw new UserErrorException($"the store lacks dataset version {d.Name}@{d.Hash[..Math.Min(12, d.Hash.Length)]} of the parent job");
            versions.Add((d.Role, version));
        }

        string id;
        do
        {
            id = environment.NewId();
        }
        while (lineage.GetJob(id) is not null);

        // One transaction: the new dataset versions are written with the job, or not at all.
        var job = Build(resolved, render.Sets, new JobRequest(request.Name, request.Tags, versions, parent?.Id, request.Force), git,
            environment.Origin, id, environment.Clock.GetUtcNow());
        job = Versioned(lineage, job, request.AllowUnbumped, Files(resolved, project));
        lineage.CreateJob(job, environment.Announce is { } announce ? () => announce(job.Job) : null);
        return new JobCreateResult(job.Job, resolved);
    }

    private static RenderRequest ForCreate(JobCreateRequest request, ProjectContext project) =>
        new(request.Recipe ?? throw new ArgumentException("a new job needs a recipe", nameof(request)), request.ModelSize, request.Model,
            request.Gpus, request.Nodes, request.GpuMemoryGb, request.Sets, project.WorkingDirectory)
        {
            GpusPerNode = request.GpusPerNode,
        };

    /// <summary>A clone renders the parent's recorded recipe versions with the parent's settings, changed where the request says.</summary>
    private static RenderRequest ForClone(JobCreateRequest request, JobEnvironment environment, out JobRecord parent, out IReadOnlyList<JobDataset> inherited)
    {
        IReadOnlyList<RecipeDocument> pinned;
        using (var lineage = environment.OpenStoreForReading())
        {
            parent = JobRules.Resolve(lineage, request.Parent!);
            pinned = PinnedRecipes(lineage, parent);
        }

        var (size, model) = ModelChoice.OrInherited(request.ModelSize, request.Model, parent.ModelSize, parent.Model);
        var replaced = request.Datasets.Select(JobRules.ParseDataset).Select(d => d.Role).ToHashSet(StringComparer.Ordinal);
        inherited = [.. parent.Datasets.Where(d => !replaced.Contains(d.Role))];
        return new RenderRequest(parent.RecipeId, size, model, request.Gpus ?? parent.Gpus, request.Nodes ?? parent.Nodes,
            request.GpuMemoryGb, [.. parent.Sets, .. request.Sets], environment.Project.WorkingDirectory)
        {
            Pinned = pinned,
        };
    }

    /// <summary>
    /// One id@version, one content (<see cref="RecipeVersionRule"/>): the job's recipe versions as recorded, or the
    /// refusal (exit 1) before anything is written.
    /// </summary>
    public static NewJob Versioned(ILineageStore store, NewJob job, bool allowUnbumped, IReadOnlyDictionary<string, string>? files = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        var (records, conflicts) = RecipeVersionRule.Assign(store, job.Recipes, allowUnbumped);
        if (conflicts.Count > 0)
        {
            throw RecipeVersionRule.Refusal([.. conflicts.Select(c => c with { File = files?.GetValueOrDefault(c.Hash) })]);
        }

        var target = records.LastOrDefault(r => r.Hash == job.Job.RecipeHash);
        return job with { Recipes = records, Job = target is null ? job.Job : job.Job with { RecipeVersion = target.Version } };
    }

    private static void RefuseUnbumped(ILineageStore store, ResolvedConfig resolved, ProjectContext project)
    {
        var records = resolved.ChainDocuments.Select(d => new RecipeVersionRecord(
            CanonicalJson.Sha256(d.Tree.Root), d.Recipe!.Id, d.Recipe.Version, d.Recipe.Task, d.Recipe.Algorithm, "", default)).ToArray();
        var (_, conflicts) = RecipeVersionRule.Assign(store, records, allowUnbumped: false);
        if (conflicts.Count > 0)
        {
            var files = Files(resolved, project);
            throw RecipeVersionRule.Refusal([.. conflicts.Select(c => c with { File = files.GetValueOrDefault(c.Hash) })]);
        }
    }

    /// <summary>The file of each project recipe of the chain, by content hash, as the user sees its path.</summary>
    private static Dictionary<string, string> Files(ResolvedConfig resolved, ProjectContext project) =>
        resolved.ChainDocuments.Where(d => d.Origin != RecipeOrigin.BuiltIn && d.FullPath is not null)
            .GroupBy(d => CanonicalJson.Sha256(d.Tree.Root), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => project.Display(g.First().FullPath!), StringComparer.Ordinal);

    /// <summary>Pre-flight errors refuse the job unless forced; this runs before any dataset is hashed or anything is written.</summary>
    private static void Refuse(ResolvedConfig resolved, bool force)
    {
        var errors = resolved.Findings.Where(f => f.IsError).ToArray();
        if (errors.Length > 0 && !force)
        {
            throw new UserErrorException(
                $"the config for {resolved.Recipe.Id} at {resolved.SizeText} fails {errors.Length} pre-flight check{(errors.Length == 1 ? "" : "s")}: " +
                string.Join("; ", errors.Select(e => $"{e.Code} [{PointerText.Dotted(e.Pointer)}] {e.Message}")),
                "fix the recipe or the overrides (`trainplat render` shows the checks), or record it anyway with --force")
            {
                // A check found problems (exit 1, as in render), not a usage error.
                IsFinding = true,
            };
        }
    }

    private static void CheckRolesOnce(IEnumerable<string> roles)
    {
        if (roles.GroupBy(r => r, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UserErrorException($"dataset role '{twice.Key}' is given twice", "give each role once: --dataset train=PATH --dataset eval=PATH");
        }
    }

    /// <summary>Builds the records of a new job from a resolved config; refuses pre-flight errors unless forced.</summary>
    public static NewJob Build(ResolvedConfig resolved, IReadOnlyList<string> sets, JobRequest request, GitState? git, JobOrigin origin, string id, DateTimeOffset now)
    {
        Refuse(resolved, request.Force);
        var errors = resolved.Findings.Where(f => f.IsError).ToArray();
        now = JobRules.Truncate(now);
        foreach (var (role, _) in request.Datasets)
        {
            JobRules.CheckRole(role);
        }

        CheckRolesOnce(request.Datasets.Select(d => d.Role));

        // The chain is base first: each recipe extends the one before it (at the version resolved), and its header says what it was copied from.
        var chain = resolved.ChainDocuments;
        var recipes = chain.Select((d, i) => new RecipeVersionRecord(
            CanonicalJson.Sha256(d.Tree.Root), d.Recipe!.Id, d.Recipe.Version, d.Recipe.Task, d.Recipe.Algorithm, d.Text ?? "", now)
        {
            DerivedFrom = new RecipeDerivation(i == 0 ? null : $"{chain[i - 1].Recipe!.Id}@{chain[i - 1].Recipe!.Version}",
                RecipeCopier.CopiedFrom(d.Text ?? "")),
        }).ToArray();
        var job = new JobRecord
        {
            Id = id,
            Name = request.Name,
            Tags = [.. request.Tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            Status = JobStatus.Pending,
            RecipeId = resolved.Recipe.Id,
            RecipeVersion = resolved.Recipe.Version,
            RecipeHash = resolved.RecipeHash,
            Chain = [.. recipes.Select(r => r.Hash)],
            Task = resolved.Recipe.Task,
            Algorithm = resolved.Recipe.Algorithm,
            Model = resolved.Model?.Name,
            ModelSize = resolved.SizeText,
            Parameters = resolved.Parameters,
            Gpus = resolved.Gpus,
            Nodes = resolved.Nodes,
            ConfigHash = resolved.ConfigHash,
            Sets = [.. sets],
            Datasets = [.. request.Datasets.OrderBy(d => d.Role, StringComparer.Ordinal)
                .Select(d => new JobDataset(d.Role, d.Version.Name, d.Version.Algorithm, d.Version.Hash))],
            Git = git,
            ParentId = request.ParentId,
            Forced = [.. errors.Select(e => $"{e.Code} [{PointerText.Dotted(e.Pointer)}] {e.Message}")],
            MemoryJson = resolved.Memory is { } memory ? RenderedConfigWriter.MemoryJson(memory).ToJsonString() : null,
            User = origin.User,
            Host = origin.Host,
            ToolVersion = origin.ToolVersion,
            Created = now,
            Updated = now,
            Events = [new JobEvent(now, JobStatus.Pending, request.ParentId is null ? "created" : $"cloned from {request.ParentId}")],
        };
        return new NewJob(job, recipes, ConfigJson(resolved.Config), [.. request.Datasets.Select(d => d.Version).DistinctBy(v => (v.Name, v.Algorithm, v.Hash))]);
    }

    /// <summary>
    /// The rendered config as stored: sections and keys in schema order (as <c>render</c> prints them), floats in
    /// the stable form of <see cref="Numbers.Format"/>. Its hash is the canonical one (<see cref="ResolvedConfig.ConfigHash"/>).
    /// </summary>
    public static string ConfigJson(System.Text.Json.Nodes.JsonObject config)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { SkipValidation = true }))
        {
            JsonTreeWriter.Write(writer, config, sortKeys: false, Numbers.Format);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The recorded recipe versions of a job's chain, as documents that pin a re-render to them.</summary>
    public static IReadOnlyList<RecipeDocument> PinnedRecipes(ILineageStore store, JobRecord job) =>
        [.. job.Chain.Select(h => store.GetRecipeVersion(h) ?? throw new UserErrorException($"the store lacks recipe version {h[..12]} of job {job.Id}", "the store is incomplete; import the job again from an export"))
            .Select(r => RecipeDocument.Parse(r.Text, $"store:{r.RecipeId}@{r.Version}"))];

}
