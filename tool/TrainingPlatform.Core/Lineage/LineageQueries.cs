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

    /// <summary>Jobs that used a recipe (any version, or one version), directly or as a base they extend.</summary>
    public static IReadOnlyList<(JobRecord Job, RecipeVersionRecord Version, bool Direct)> JobsUsingRecipe(ILineageStore store, string id, string? version)
    {
        var versions = store.FindRecipeVersions(id, version);
        if (versions.Count == 0)
        {
            var any = store.FindRecipeVersions(id, null);
            throw new UserErrorException(
                version is null ? $"no job used recipe '{id}'" : $"no job used {id}@{version}",
                any.Count > 0 ? "recorded versions: " + string.Join(", ", any.Select(v => v.Version).Distinct()) : "`trainplat job list` shows the recorded jobs");
        }

        var result = new List<(JobRecord, RecipeVersionRecord, bool)>();
        foreach (var v in versions)
        {
            result.AddRange(store.FindJobs(new JobQuery(UsesRecipeHash: v.Hash)).Select(j => (j, v, j.RecipeHash == v.Hash)));
        }

        return [.. result.DistinctBy(r => r.Item1.Id).OrderByDescending(r => r.Item1.Created).ThenBy(r => r.Item1.Id, StringComparer.Ordinal)];
    }
}
