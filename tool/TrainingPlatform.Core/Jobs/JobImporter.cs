using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Jobs;

/// <summary>What <c>job import</c> did: the counts when it imported, or the bad lines (and nothing imported).</summary>
public sealed record JobImportResult(ImportCounts? Counts, IReadOnlyList<ExchangeProblem> Problems)
{
    /// <summary>
    /// True when the only problems are recipe versions whose id@version the store has recorded with another content
    /// (<see cref="RecipeVersionRule"/>): a finding, not a bad file.
    /// </summary>
    public bool VersionConflicts { get; init; }
}

/// <summary>
/// <c>job import</c>: an export is checked record by record with the rules of the commands that create those records
/// — job ids as <see cref="JobRules.NewId"/> makes them, the cluster rule of <c>job create</c>, metric names and steps
/// as <c>metrics import</c> takes them, dataset roles — and content addresses are recomputed: a recipe version must
/// hash to its key as <c>job create</c> hashes it, a config likewise. Every hash a job names must be in the export or
/// the store, and no job may become its own ancestor. Every bad line is reported; with any, nothing is imported.
/// </summary>
public static class JobImporter
{
    /// <param name="allowUnbumped">Import a recipe content whose id@version the store has with another content, as <c>VERSION+sha.HASH12</c>.</param>
    public static JobImportResult Import(string path, Func<ILineageStore> openStore, bool allowUnbumped = false)
    {
        var read = LineageExchange.ReadRecords(path);
        var problems = new List<ExchangeProblem>(read.Problems);
        var bundle = read.Bundle;
        var lines = bundle.Lines!;
        CheckRecords(bundle, lines, problems);
        if (problems.Count > 0)
        {
            return new JobImportResult(null, Sorted(problems));
        }

        using var store = openStore();
        CheckReferences(bundle, lines, store, problems);
        if (problems.Count > 0)
        {
            return new JobImportResult(null, Sorted(problems));
        }

        var (records, conflicts) = RecipeVersionRule.Assign(store, bundle.Recipes, allowUnbumped);
        if (conflicts.Count > 0)
        {
            var lineOf = Enumerable.Range(0, bundle.Recipes.Count).ToLookup(i => bundle.Recipes[i].Hash, i => lines.Recipes[i], StringComparer.Ordinal);
            return new JobImportResult(null, Sorted([.. conflicts.Select(c => new ExchangeProblem(lineOf[c.Hash].First(), "recipe version " + c.Describe()))]))
            {
                VersionConflicts = true,
            };
        }

        // A job of a recipe version recorded under another version string (VERSION+sha.HASH) names it as recorded.
        var renamed = bundle.Recipes.Zip(records).Where(p => p.First.Version != p.Second.Version)
            .DistinctBy(p => p.First.Hash, StringComparer.Ordinal)
            .ToDictionary(p => p.First.Hash, p => (From: p.First.Version, To: p.Second.Version), StringComparer.Ordinal);
        var jobs = bundle.Jobs.Select(j => renamed.TryGetValue(j.RecipeHash, out var v) && v.From == j.RecipeVersion ? j with { RecipeVersion = v.To } : j).ToArray();
        // Exports carry no derivation: each version is recorded with what its text says it extends or was copied from.
        var derived = records.Select(r => r.DerivedFrom is null ? r with { DerivedFrom = RecipeDerivation.FromText(r.Text) } : r).ToArray();
        return new JobImportResult(store.Import(bundle with { Recipes = derived, Jobs = jobs }), []);
    }

    private static List<ExchangeProblem> Sorted(List<ExchangeProblem> problems) => [.. problems.OrderBy(p => p.Line)];

    private static bool IsHash(string? hash) => hash is { Length: 64 or 128 } && hash.All(char.IsAsciiHexDigitLower);

    /// <summary>What one record says about itself.</summary>
    private static void CheckRecords(LineageBundle bundle, BundleLines lines, List<ExchangeProblem> problems)
    {
        for (var i = 0; i < bundle.Recipes.Count; i++)
        {
            var r = bundle.Recipes[i];
            var line = lines.Recipes[i];
            var doc = RecipeDocument.Parse(r.Text, $"{r.RecipeId}@{r.Version}");
            if (doc.Tree.Root is null || doc.Recipe is null)
            {
                problems.Add(new(line, $"recipe version {r.RecipeId}@{r.Version}: its text is not a recipe"));
                continue;
            }

            var hash = CanonicalJson.Sha256(doc.Tree.Root);
            if (hash != r.Hash)
            {
                problems.Add(new(line, $"recipe version {r.RecipeId}@{r.Version}: its text hashes to {hash}, not to its key {r.Hash}"));
            }
            else if (doc.Recipe.Id != r.RecipeId || !RecipeVersionRule.IsVersionOf(r.Version, doc.Recipe.Version, r.Hash) || doc.Recipe.Task != r.Task || doc.Recipe.Algorithm != r.Algorithm)
            {
                problems.Add(new(line, $"recipe version {r.RecipeId}@{r.Version}: its text says {doc.Recipe.Id}@{doc.Recipe.Version} ({doc.Recipe.Task}, {doc.Recipe.Algorithm}), not {r.RecipeId}@{r.Version} ({r.Task}, {r.Algorithm})"));
            }
        }

        for (var i = 0; i < bundle.Configs.Count; i++)
        {
            var (key, json) = bundle.Configs[i];
            var hash = CanonicalJson.Sha256(JsonNode.Parse(json));
            if (hash != key)
            {
                problems.Add(new(lines.Configs[i], $"config: its content hashes to {hash}, not to its key {key}"));
            }
        }

        for (var i = 0; i < bundle.Datasets.Count; i++)
        {
            var d = bundle.Datasets[i];
            var problem =
                d.Name.Length == 0 ? "a dataset version without a name"
                : !SnapshotAlgorithms.IsSupported(d.Algorithm) ? $"dataset version {d.Name}: unknown hash algorithm '{d.Algorithm}'"
                : !IsHash(d.Hash) ? $"dataset version {d.Name}: '{d.Hash}' is not a {d.Algorithm} hash"
                : d.Size < 0 || d.Samples < 0 || d.Files.Any(f => f.Size < 0 || f.Samples < 0) ? $"dataset version {d.Name}: a negative size or sample count"
                : null;
            if (problem is not null)
            {
                problems.Add(new(lines.Datasets[i], problem));
            }
        }

        for (var i = 0; i < bundle.Jobs.Count; i++)
        {
            foreach (var problem in JobProblems(bundle.Jobs[i]))
            {
                problems.Add(new(lines.Jobs[i], problem));
            }
        }

        for (var i = 0; i < bundle.Metrics.Count; i++)
        {
            var b = bundle.Metrics[i];
            var problem =
                !JobRules.IsId(b.JobId) ? $"metrics of '{b.JobId}', which is not a job id"
                : !b.Id.StartsWith(b.JobId + ":", StringComparison.Ordinal) ? $"metrics batch '{b.Id}' does not belong to job {b.JobId}"
                : MetricsFile.NameProblem(b.Name) is { } name ? name
                : b.Points.FirstOrDefault(p => !MetricsFile.IsStep(p.Step)) is { Step: < 0 } bad ? string.Create(CultureInfo.InvariantCulture, $"metric {b.Name} of job {b.JobId}: step {bad.Step}: the step must be a whole number ≥ 0")
                : null;
            if (problem is not null)
            {
                problems.Add(new(lines.Metrics[i], problem));
            }
        }
    }

    private static IEnumerable<string> JobProblems(JobRecord j)
    {
        if (!JobRules.IsId(j.Id))
        {
            yield return $"job id '{j.Id}' is not 12 lower-case hex digits";
            yield break;
        }

        if (JobRules.ClusterProblem(j.Gpus, j.Nodes, null) is { } cluster)
        {
            yield return $"job {j.Id}: {cluster}";
        }

        if (!(j.Parameters > 0 && double.IsFinite(j.Parameters)))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"job {j.Id}: parameters must be a positive number, not {j.Parameters}");
        }

        if (!IsHash(j.RecipeHash) || !IsHash(j.ConfigHash) || j.Chain.Any(h => !IsHash(h)))
        {
            yield return $"job {j.Id}: a recipe or config hash is not a SHA-256";
        }
        else if (j.Chain.Count == 0 || j.Chain[^1] != j.RecipeHash)
        {
            yield return $"job {j.Id}: its extends chain does not end with its recipe version {j.RecipeHash}";
        }

        foreach (var d in j.Datasets)
        {
            string? role = null;
            try
            {
                JobRules.CheckRole(d.Role);
            }
            catch (Diagnostics.UserErrorException ex)
            {
                role = ex.Message;
            }

            if (role is not null)
            {
                yield return $"job {j.Id}: {role}";
            }
        }

        if (j.ParentId is not null && !JobRules.IsId(j.ParentId))
        {
            yield return $"job {j.Id}: parent '{j.ParentId}' is not a job id";
        }

        if (j.Updated < j.Created)
        {
            yield return $"job {j.Id}: updated before it was created";
        }
    }

    /// <summary>What records say about each other: every hash a job names exists (here or in the store), parents form no cycle.</summary>
    private static void CheckReferences(LineageBundle bundle, BundleLines lines, ILineageStore store, List<ExchangeProblem> problems)
    {
        var recipes = bundle.Recipes.Select(r => r.Hash).ToHashSet(StringComparer.Ordinal);
        var configs = bundle.Configs.Select(c => c.Hash).ToHashSet(StringComparer.Ordinal);
        var datasets = bundle.Datasets.Select(d => (d.Name, d.Algorithm, d.Hash)).ToHashSet();
        var incoming = bundle.Jobs.ToDictionary(j => j.Id, StringComparer.Ordinal);
        for (var i = 0; i < bundle.Jobs.Count; i++)
        {
            var j = bundle.Jobs[i];
            var line = lines.Jobs[i];
            foreach (var hash in j.Chain.Append(j.RecipeHash).Distinct(StringComparer.Ordinal).Where(h => !recipes.Contains(h) && store.GetRecipeVersion(h) is null))
            {
                problems.Add(new(line, $"job {j.Id}: recipe version {hash} is neither in the export nor in the store"));
            }

            if (!configs.Contains(j.ConfigHash) && store.GetConfig(j.ConfigHash) is null)
            {
                problems.Add(new(line, $"job {j.Id}: config {j.ConfigHash} is neither in the export nor in the store"));
            }

            foreach (var d in j.Datasets.Where(d => !datasets.Contains((d.Name, d.Algorithm, d.Hash)) && !store.Find(d.Name, d.Hash).Any(v => v.Algorithm == d.Algorithm && v.Hash == d.Hash)))
            {
                problems.Add(new(line, $"job {j.Id}: dataset version {d.Name}@{d.Hash} is neither in the export nor in the store"));
            }

            if (Cycle(j, incoming, store) is { } cycle)
            {
                problems.Add(new(line, $"job {j.Id}: its parents form a cycle ({string.Join(" → ", cycle)})"));
            }
        }
    }

    /// <summary>The parent chain from <paramref name="job"/> when it comes back to a job already on it, else null; the export's copy of a job wins over the store's.</summary>
    private static IReadOnlyList<string>? Cycle(JobRecord job, Dictionary<string, JobRecord> incoming, ILineageStore store)
    {
        var seen = new List<string> { job.Id };
        var parent = job.ParentId;
        while (parent is not null)
        {
            if (seen.Contains(parent, StringComparer.Ordinal))
            {
                return [.. seen, parent];
            }

            seen.Add(parent);
            parent = (incoming.GetValueOrDefault(parent) ?? store.GetJob(parent))?.ParentId;
        }

        return null;
    }
}
