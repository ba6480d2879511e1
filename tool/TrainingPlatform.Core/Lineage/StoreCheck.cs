using LiteDB;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>One piece of damage: the collection (or <c>file</c>), the record's id when known, and what is wrong.</summary>
public sealed record StoreDamage(string Collection, string? Id, string Message);

/// <summary>What <see cref="StoreCheck.Run"/> read: records per collection (in the store's order) and the damage found.</summary>
public sealed record StoreCheckReport(string Path, int? SchemaVersion, IReadOnlyList<(string Collection, long Records)> Counts, IReadOnlyList<StoreDamage> Damage)
{
    public bool IsClean => Damage.Count == 0;
}

/// <summary>
/// <c>trainplat store check</c>: opens the store read-only (nothing is written, no lock file is created), reads every
/// record of every collection as the commands read it, and checks what links them — a job's index row, its config,
/// its recipe versions and its datasets, a folder version's manifest, a batch's job. It reports damage instead of
/// stopping at the first: one finding per record that does not read, one per collection that cannot be read to its end.
/// </summary>
public static class StoreCheck
{
    /// <summary>How many findings are listed at most per collection (the count says how many more there were).</summary>
    public const int MaxPerCollection = 50;

    private static readonly string[] Collections = ["meta", "dataset_versions", "dataset_manifests", "recipe_versions", "configs", "jobs", "job_facts", "metrics", LineageStore.FollowCollection];

    public static StoreCheckReport Run(string path, TimeSpan timeout)
    {
        path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(path))
        {
            return Broken(path, "it is a folder, not a store file");
        }

        if (!File.Exists(path))
        {
            throw new UserErrorException($"there is no lineage store at {path}", "give the store file with --store PATH");
        }

        if (StoreFile.Damage(path) is { } header)
        {
            return Broken(path, header);
        }

        using var storeLock = StoreLock.AcquireShared(path, timeout);
        LiteDatabase db;
        try
        {
            db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, ReadOnly = true }) { UtcDate = true };
        }
        catch (Exception ex) when (ex is not UserErrorException and not IOException and not UnauthorizedAccessException)
        {
            return Broken(path, "LiteDB cannot open it: " + ex.Message.TrimEnd('.'));
        }

        using (db)
        {
            return new Reader(db, path).Run();
        }
    }

    private static StoreCheckReport Broken(string path, string what) => new(path, null, [], [new StoreDamage("file", null, what)]);

    private sealed class Reader(LiteDatabase db, string path)
    {
        private readonly List<StoreDamage> _damage = [];
        private readonly List<(string, long)> _counts = [];
        private readonly Dictionary<string, int> _perCollection = new(StringComparer.Ordinal);
        private readonly HashSet<string> _recipes = new(StringComparer.Ordinal);
        private readonly HashSet<string> _configs = new(StringComparer.Ordinal);
        private readonly HashSet<string> _datasets = new(StringComparer.Ordinal);
        private readonly HashSet<string> _manifests = new(StringComparer.Ordinal);
        private readonly HashSet<string> _folders = new(StringComparer.Ordinal);
        private readonly HashSet<string> _facts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, JobRecord> _jobs = new(StringComparer.Ordinal);
        private readonly HashSet<string> _batchJobs = new(StringComparer.Ordinal);
        private int? _schema;

        public StoreCheckReport Run()
        {
            IReadOnlyList<string> names;
            try
            {
                names = [.. db.GetCollectionNames()];
            }
            catch (Exception ex) when (IsDamage(ex))
            {
                Add("file", null, "the collection list does not read: " + Describe(ex));
                return Report();
            }

            foreach (var name in Collections.Concat(names.Where(n => !Collections.Contains(n)).Order(StringComparer.Ordinal)))
            {
                Read(name, names.Contains(name));
            }

            if (_schema is null)
            {
                Add("meta", "schema", "no schema record: not a trainplat lineage store, or its meta record is lost");
            }

            Links();
            return Report();
        }

        private StoreCheckReport Report()
        {
            var damage = new List<StoreDamage>(_damage);
            foreach (var (collection, n) in _perCollection.Where(p => p.Value > MaxPerCollection))
            {
                damage.Add(new StoreDamage(collection, null, $"{n - MaxPerCollection} more damaged records not listed"));
            }

            return new StoreCheckReport(path, _schema, _counts, damage);
        }

        private void Read(string name, bool exists)
        {
            long count = 0;
            if (!exists)
            {
                _counts.Add((name, 0));
                return;
            }

            try
            {
                using var documents = db.GetCollection(name).FindAll().GetEnumerator();
                while (documents.MoveNext())
                {
                    count++;
                    var document = documents.Current;
                    var id = document["_id"].IsString ? document["_id"].AsString : document["_id"].ToString();
                    try
                    {
                        Record(name, id, document);
                    }
                    catch (Exception ex) when (IsDamage(ex))
                    {
                        Add(name, id, "does not read as a record: " + Describe(ex));
                    }
                }
            }
            catch (Exception ex) when (IsDamage(ex))
            {
                Add(name, null, $"cannot be read past its record {count + 1}: {Describe(ex)}");
            }

            _counts.Add((name, count));
        }

        private void Record(string collection, string id, BsonDocument d)
        {
            switch (collection)
            {
                case "meta":
                    if (id == "schema")
                    {
                        _schema = d["version"].IsInt32 ? d["version"].AsInt32 : throw new InvalidCastException("the schema version is not a number");
                    }

                    break;
                case "dataset_versions":
                    var version = LineageDocuments.ReadDataset(d, []);
                    _datasets.Add($"{version.Name}\n{version.Algorithm}:{version.Hash}");
                    if (version.IsFolder)
                    {
                        _folders.Add($"{version.Algorithm}:{version.Hash}");
                    }

                    break;
                case "dataset_manifests":
                    _ = LineageDocuments.ReadManifestChunk(d).Count();
                    _manifests.Add(id[..id.LastIndexOf(':')]);
                    break;
                case "recipe_versions":
                    _recipes.Add(LineageDocuments.ReadRecipe(d).Hash);
                    break;
                case "configs":
                    using (System.Text.Json.JsonDocument.Parse(d["json"].AsString))
                    {
                        _configs.Add(id);
                    }

                    break;
                case "jobs":
                    var job = LineageDocuments.ReadJob(d);
                    _ = LineageDocuments.ReadSources(d);
                    _jobs[job.Id] = job;
                    break;
                case "job_facts":
                    _facts.Add(LineageDocuments.ReadFacts(d).Id);
                    break;
                case "metrics":
                    var batch = LineageDocuments.ReadBatch(d);
                    _batchJobs.Add(batch.JobId);
                    break;
                case LineageStore.FollowCollection:
                    _ = LineageDocuments.ReadFollowPosition(d);
                    break;
                default:
                    break;
            }
        }

        /// <summary>What the records say about each other: a job without its index row, config or recipe versions is as lost as an unreadable one.</summary>
        private void Links()
        {
            foreach (var job in _jobs.Values.OrderBy(j => j.Id, StringComparer.Ordinal))
            {
                if (!_facts.Contains(job.Id))
                {
                    Add("jobs", job.Id, "has no row in the job index (job_facts): `job list` does not show it");
                }

                if (!_configs.Contains(job.ConfigHash))
                {
                    Add("jobs", job.Id, $"names config {job.ConfigHash}, which is not in the store");
                }

                foreach (var hash in job.Chain.Append(job.RecipeHash).Distinct(StringComparer.Ordinal).Where(h => !_recipes.Contains(h)))
                {
                    Add("jobs", job.Id, $"names recipe version {hash}, which is not in the store");
                }

                foreach (var d in job.Datasets.Where(d => !_datasets.Contains($"{d.Name}\n{d.Algorithm}:{d.Hash}")))
                {
                    Add("jobs", job.Id, $"names dataset version {d.Name}@{d.Hash}, which is not in the store");
                }
            }

            foreach (var id in _facts.Where(f => !_jobs.ContainsKey(f)).Order(StringComparer.Ordinal))
            {
                Add("job_facts", id, "indexes a job that is not in the store");
            }

            foreach (var folder in _folders.Where(f => !_manifests.Contains(f)).Order(StringComparer.Ordinal))
            {
                Add("dataset_versions", folder, "a folder version without its manifest");
            }

            foreach (var job in _batchJobs.Where(j => !_jobs.ContainsKey(j)).Order(StringComparer.Ordinal))
            {
                Add("metrics", job, "metric points of a job that is not in the store");
            }
        }

        private void Add(string collection, string? id, string message)
        {
            var n = _perCollection[collection] = _perCollection.GetValueOrDefault(collection) + 1;
            if (n <= MaxPerCollection)
            {
                _damage.Add(new StoreDamage(collection, id, message));
            }
        }
    }

    private static bool IsDamage(Exception ex) => ex is not UserErrorException and not OutOfMemoryException and not StackOverflowException;

    private static string Describe(Exception ex) => ex is LiteException ? ex.Message.TrimEnd('.') : ex.GetType().Name + ": " + ex.Message.TrimEnd('.');
}
