using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>A job with the chain it came from: recipe versions (base first), datasets, parent.</summary>
public sealed record JobLineage(
    JobRecord Job,
    IReadOnlyList<RecipeVersionRecord> Recipes,
    IReadOnlyList<(JobDataset Use, DatasetVersion? Version)> Datasets,
    JobLineage? Parent,
    string? MissingParent);

/// <summary>A job that used a dataset, and in which role.</summary>
public sealed record DatasetUse(JobRecord Job, JobDataset Use);

/// <summary>The questions <c>trainplat lineage</c> answers.</summary>
public static class LineageQueries
{
    /// <summary>Parents are followed up to this depth (a cycle cannot form, but an import could make a long chain).</summary>
    public const int MaxDepth = 50;

    public static JobLineage Trace(ILineageStore store, JobRecord job) => Trace(store, job, 0);

    private static JobLineage Trace(ILineageStore store, JobRecord job, int depth)
    {
        var recipes = job.Chain.Select(store.GetRecipeVersion).OfType<RecipeVersionRecord>().ToArray();
        var datasets = job.Datasets.Select(d => (d, (DatasetVersion?)store.Find(d.Name, d.Hash).FirstOrDefault(v => v.Algorithm == d.Algorithm))).ToArray();
        JobLineage? parent = null;
        string? missing = null;
        if (job.ParentId is { } pid && depth < MaxDepth)
        {
            if (store.GetJob(pid) is { } p)
            {
                parent = Trace(store, p, depth + 1);
            }
            else
            {
                missing = pid;
            }
        }

        return new JobLineage(job, recipes, datasets, parent, missing);
    }

    /// <summary>
    /// Jobs that used a dataset: <c>NAME</c> (any version), <c>NAME@HASH-PREFIX</c>, or a bare hash prefix (4+ hex digits).
    /// </summary>
    public static IReadOnlyList<DatasetUse> JobsUsingDataset(ILineageStore store, string reference)
    {
        var at = reference.LastIndexOf('@');
        string? name = at < 0 ? reference : reference[..at];
        var prefix = at < 0 ? null : reference[(at + 1)..].ToLowerInvariant();
        if (at < 0 && store.Find(reference, "").Count == 0 && store.FindJobs(new JobQuery(DatasetName: reference)).Count == 0)
        {
            if (reference.Length < 4 || !reference.All(char.IsAsciiHexDigit))
            {
                var names = store.List(null).Select(v => v.Name).Distinct().ToArray();
                throw new UserErrorException($"no recorded dataset named '{reference}'",
                    Text.Suggestions.DidYouMean(reference, names) ?? "give a dataset NAME, NAME@HASH or a hash prefix of 4+ hex digits (`trainplat data list` shows them)");
            }

            (name, prefix) = (null, reference.ToLowerInvariant());
        }

        var jobs = store.FindJobs(new JobQuery(DatasetName: name, DatasetHashPrefix: prefix));
        return [.. jobs.SelectMany(j => j.Datasets
            .Where(d => (name is null || d.Name == name) && (prefix is null || d.Hash.StartsWith(prefix, StringComparison.Ordinal)))
            .Select(d => new DatasetUse(j, d)))];
    }

    /// <summary>
    /// Jobs that used a recipe (any version, or one version): directly, as a base their recipe extends, or through a recipe
    /// derived from it (extended or copied with <c>recipe new --from</c>, directly or transitively).
    /// </summary>
    public static IReadOnlyList<RecipeUse> JobsUsingRecipe(ILineageStore store, string id, string? version)
    {
        var versions = store.FindRecipeVersions(id, version);
        if (versions.Count == 0)
        {
            var any = store.FindRecipeVersions(id, null);
            throw new UserErrorException(
                version is null ? $"no job used recipe '{id}'" : $"no job used {id}@{version}",
                any.Count > 0 ? "recorded versions: " + string.Join(", ", any.Select(v => v.Version).Distinct()) : "`trainplat job list` shows the recorded jobs");
        }

        var reached = Derived(store.ListRecipeVersions(), versions);
        var result = new List<RecipeUse>();
        foreach (var (hash, (record, root, links)) in reached)
        {
            foreach (var job in store.FindJobs(new JobQuery(UsesRecipeHash: hash)))
            {
                // A job whose own recipe was reached says how; one found through its extends chain extends what was reached.
                result.Add(reached.TryGetValue(job.RecipeHash, out var own)
                    ? new RecipeUse(job, own.Root, own.Links)
                    : new RecipeUse(job, root, [new RecipeLink(DerivationKind.Extends, record), .. links]));
            }
        }

        return [.. result.OrderBy(u => u.Links.Count).DistinctBy(u => u.Job.Id)
            .OrderByDescending(u => u.Job.Created).ThenBy(u => u.Job.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The recorded versions that are <paramref name="roots"/> or derive from them, by hash: the root each descends from and the
    /// links from it to the root (empty for a root), shortest first found.
    /// </summary>
    private static Dictionary<string, (RecipeVersionRecord Record, RecipeVersionRecord Root, IReadOnlyList<RecipeLink> Links)> Derived(
        IReadOnlyList<RecipeVersionRecord> all, IReadOnlyList<RecipeVersionRecord> roots)
    {
        var reached = roots.ToDictionary(r => r.Hash, r => (r, r, (IReadOnlyList<RecipeLink>)[]), StringComparer.Ordinal);
        var records = roots.ToList();
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var candidate in all.Where(c => !reached.ContainsKey(c.Hash)))
            {
                foreach (var (kind, baseId, baseVersion) in RecipeDerivation.Of(candidate).Links())
                {
                    if (records.FirstOrDefault(r => r.RecipeId == baseId && (baseVersion is null || SameVersion(r.Version, baseVersion))) is { } from)
                    {
                        var (_, root, links) = reached[from.Hash];
                        reached[candidate.Hash] = (candidate, root, [new RecipeLink(kind, from), .. links]);
                        records.Add(candidate);
                        changed = true;
                        break;
                    }
                }
            }
        }

        return reached;
    }

    /// <summary>A recorded version matches a link's version, also when it was recorded unbumped as <c>VERSION+sha.…</c>.</summary>
    private static bool SameVersion(string recorded, string linked) =>
        recorded == linked || recorded.StartsWith(linked + "+", StringComparison.Ordinal);
}

/// <summary>One step of a derivation: the recipe before it extends, or was copied from, <see cref="To"/>.</summary>
public sealed record RecipeLink(DerivationKind Kind, RecipeVersionRecord To);

/// <summary>
/// A job that used a recipe: the version of it the job descends from, and how — <see cref="Links"/> is empty when the job ran
/// that version itself, else the steps from the job's recipe to it, the last one ending at <see cref="Version"/>.
/// </summary>
public sealed record RecipeUse(JobRecord Job, RecipeVersionRecord Version, IReadOnlyList<RecipeLink> Links)
{
    public bool Direct => Links.Count == 0;
}
