using System.Buffers.Binary;
using LiteDB;
using TrainingPlatform.Core.Datasets;

namespace TrainingPlatform.Core.Lineage;

/// <summary>Hand-written mapping between the lineage records and LiteDB documents (field names are the store's schema).</summary>
internal static class LineageDocuments
{
    public static BsonDocument Write(DatasetVersion v, string id) => new()
    {
        ["_id"] = id,
        ["name"] = v.Name,
        ["path"] = v.Path,
        ["kind"] = v.IsFolder ? "folder" : "file",
        ["format"] = v.Format,
        ["size"] = v.Size,
        ["algorithm"] = v.Algorithm,
        ["hash"] = v.Hash,
        ["samples"] = v.Samples is { } s ? new BsonValue(s) : BsonValue.Null,
        ["fields"] = new BsonArray(v.Fields.Select(f => new BsonValue(f))),
        ["created"] = v.Created.UtcDateTime,
        ["files"] = v.Files.Count,
    };

    public static DatasetVersion ReadDataset(BsonDocument d, IReadOnlyList<FileEntry> files) => new(
        d["name"].AsString,
        d["path"].AsString,
        d["kind"].AsString == "folder",
        d["format"].AsString,
        d["size"].AsInt64,
        d["algorithm"].AsString,
        d["hash"].AsString,
        d["samples"].IsNull ? null : d["samples"].AsInt64,
        [.. d["fields"].AsArray.Select(f => f.AsString)],
        Utc(d["created"]),
        files);

    public static BsonDocument WriteManifestChunk(string id, int chunks, IEnumerable<FileEntry> files) => new()
    {
        ["_id"] = id,
        ["chunks"] = chunks,
        ["files"] = new BsonArray(files.Select(f =>
        {
            var d = new BsonDocument
            {
                ["path"] = f.Path,
                ["size"] = f.Size,
                ["hash"] = f.Hash,
                ["format"] = f.Format,
                ["samples"] = f.Samples is { } s ? new BsonValue(s) : BsonValue.Null,
                ["fields"] = new BsonArray(f.Fields.Select(x => new BsonValue(x))),
            };
            if (f.LinkTarget is { } target)
            {
                d["link"] = target; // a folder link, recorded and not followed (absent for files, as before)
            }

            return (BsonValue)d;
        })),
    };

    public static IEnumerable<FileEntry> ReadManifestChunk(BsonDocument chunk) =>
        chunk["files"].AsArray.Select(b => b.AsDocument).Select(f => new FileEntry(
            f["path"].AsString, f["size"].AsInt64, f["hash"].AsString, f["format"].AsString,
            f["samples"].IsNull ? null : f["samples"].AsInt64, [.. f["fields"].AsArray.Select(x => x.AsString)])
        {
            LinkTarget = f.TryGetValue("link", out var link) && link.IsString ? link.AsString : null,
        });

    public static BsonDocument Write(RecipeVersionRecord r)
    {
        var d = new BsonDocument
        {
            ["_id"] = r.Hash,
            ["recipe"] = r.RecipeId,
            ["version"] = r.Version,
            ["task"] = r.Task,
            ["algorithm"] = r.Algorithm,
            ["text"] = r.Text,
            ["recorded"] = r.Recorded.UtcDateTime,
        };
        if (r.DerivedFrom is { } derived)
        {
            // Absent in versions recorded before it was kept: "not recorded", not "derived from nothing".
            d["derived"] = new BsonDocument { ["extends"] = Nullable(derived.Extends), ["copied_from"] = Nullable(derived.CopiedFrom) };
        }

        return d;
    }

    public static RecipeVersionRecord ReadRecipe(BsonDocument d) => new(
        d["_id"].AsString, d["recipe"].AsString, d["version"].AsString, d["task"].AsString, d["algorithm"].AsString, d["text"].AsString, Utc(d["recorded"]))
    {
        DerivedFrom = d.TryGetValue("derived", out var derived) && derived.IsDocument
            ? new RecipeDerivation(String(derived["extends"]), String(derived["copied_from"]))
            : null,
    };

    public static BsonDocument Write(JobRecord j, IReadOnlyList<string> sources) => new()
    {
        ["_id"] = j.Id,
        ["name"] = Nullable(j.Name),
        ["tags"] = Strings(j.Tags),
        ["status"] = JobStatuses.Name(j.Status),
        ["recipe"] = j.RecipeId,
        ["recipe_version"] = j.RecipeVersion,
        ["recipe_hash"] = j.RecipeHash,
        ["chain"] = Strings(j.Chain),
        ["task"] = j.Task,
        ["algorithm"] = j.Algorithm,
        ["model"] = Nullable(j.Model),
        ["model_size"] = j.ModelSize,
        ["parameters"] = j.Parameters,
        ["gpus"] = j.Gpus,
        ["nodes"] = j.Nodes,
        ["config_hash"] = j.ConfigHash,
        ["sets"] = Strings(j.Sets),
        ["datasets"] = new BsonArray(j.Datasets.Select(d => (BsonValue)new BsonDocument
        {
            ["role"] = d.Role,
            ["name"] = d.Name,
            ["algorithm"] = d.Algorithm,
            ["hash"] = d.Hash,
        })),
        ["git"] = j.Git is { } g ? new BsonDocument { ["commit"] = g.Commit, ["dirty"] = g.Dirty, ["branch"] = Nullable(g.Branch) } : BsonValue.Null,
        ["parent"] = Nullable(j.ParentId),
        ["forced"] = Strings(j.Forced),
        ["memory"] = Nullable(j.MemoryJson),
        ["user"] = j.User,
        ["host"] = j.Host,
        ["tool"] = j.ToolVersion,
        ["created"] = j.Created.UtcDateTime,
        ["started"] = Date(j.Started),
        ["finished"] = Date(j.Finished),
        ["updated"] = j.Updated.UtcDateTime,
        ["events"] = new BsonArray(j.Events.Select(e => (BsonValue)new BsonDocument
        {
            ["time"] = e.Time.UtcDateTime,
            ["status"] = JobStatuses.Name(e.Status),
            ["note"] = Nullable(e.Note),
        })),
        ["metrics"] = new BsonArray(j.Metrics.Select(m => (BsonValue)new BsonDocument
        {
            ["name"] = m.Name,
            ["count"] = m.Count,
            ["first_step"] = m.FirstStep,
            ["first"] = m.First,
            ["last_step"] = m.LastStep,
            ["last"] = m.Last,
            ["min_step"] = m.MinStep,
            ["min"] = m.Min,
            ["max_step"] = m.MaxStep,
            ["max"] = m.Max,
        })),
        ["sources"] = Strings(sources),
    };

    public static JobRecord ReadJob(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Name = String(d["name"]),
        Tags = [.. d["tags"].AsArray.Select(t => t.AsString)],
        Status = Status(d["status"]),
        RecipeId = d["recipe"].AsString,
        RecipeVersion = d["recipe_version"].AsString,
        RecipeHash = d["recipe_hash"].AsString,
        Chain = [.. d["chain"].AsArray.Select(t => t.AsString)],
        Task = d["task"].AsString,
        Algorithm = d["algorithm"].AsString,
        Model = String(d["model"]),
        ModelSize = d["model_size"].AsString,
        Parameters = d["parameters"].AsDouble,
        Gpus = d["gpus"].AsInt32,
        Nodes = d["nodes"].AsInt32,
        ConfigHash = d["config_hash"].AsString,
        Sets = [.. d["sets"].AsArray.Select(t => t.AsString)],
        Datasets = [.. d["datasets"].AsArray.Select(x => x.AsDocument).Select(x => new JobDataset(x["role"].AsString, x["name"].AsString, x["algorithm"].AsString, x["hash"].AsString))],
        Git = d["git"].IsDocument ? new GitState(d["git"]["commit"].AsString, d["git"]["dirty"].AsBoolean, String(d["git"]["branch"])) : null,
        ParentId = String(d["parent"]),
        Forced = [.. d["forced"].AsArray.Select(t => t.AsString)],
        MemoryJson = d.TryGetValue("memory", out var memory) && memory.IsString ? memory.AsString : null,
        User = d["user"].AsString,
        Host = d["host"].AsString,
        ToolVersion = d["tool"].AsString,
        Created = Utc(d["created"]),
        Started = d["started"].IsNull ? null : Utc(d["started"]),
        Finished = d["finished"].IsNull ? null : Utc(d["finished"]),
        Updated = Utc(d["updated"]),
        Events = [.. d["events"].AsArray.Select(x => x.AsDocument).Select(x => new JobEvent(Utc(x["time"]), Status(x["status"]), String(x["note"])))],
        Metrics = [.. d["metrics"].AsArray.Select(x => x.AsDocument).Select(x => new MetricSummary(
            x["name"].AsString, x["count"].AsInt64, x["first_step"].AsInt64, x["first"].AsDouble, x["last_step"].AsInt64, x["last"].AsDouble,
            x["min_step"].AsInt64, x["min"].AsDouble, x["max_step"].AsInt64, x["max"].AsDouble))],
    };

    /// <summary>
    /// A job's row in the job index (<c>job_facts</c>): what listing and the experience commands read, about a fifth
    /// of the job document; metric summaries as arrays <c>[name, count, first_step, first, last_step, last, min_step,
    /// min, max_step, max]</c>. Rows written before the index carried the <c>--set</c>
    /// overrides (<c>sets</c>) lack them (<see cref="HasSets"/>).
    /// </summary>
    public static BsonDocument WriteFacts(JobRecord j) => new()
    {
        ["_id"] = j.Id,
        ["name"] = Nullable(j.Name),
        ["tags"] = Strings(j.Tags),
        ["status"] = JobStatuses.Name(j.Status),
        ["recipe"] = j.RecipeId,
        ["v"] = j.RecipeVersion,
        ["rh"] = j.RecipeHash,
        ["task"] = j.Task,
        ["alg"] = j.Algorithm,
        ["model"] = Nullable(j.Model),
        ["size"] = j.ModelSize,
        ["p"] = j.Parameters,
        ["gpus"] = j.Gpus,
        ["nodes"] = j.Nodes,
        ["cfg"] = j.ConfigHash,
        ["sets"] = Strings(j.Sets),
        ["created"] = j.Created.UtcDateTime,
        ["updated"] = j.Updated.UtcDateTime,
        ["ord"] = OrderKey(j),
        ["m"] = new BsonArray(j.Metrics.Select(m => (BsonValue)new BsonArray(new BsonValue[]
            { m.Name, m.Count, m.FirstStep, m.First, m.LastStep, m.Last, m.MinStep, m.Min, m.MaxStep, m.Max }))),
    };

    /// <summary>Newest first when sorted ascending: inverted creation ticks (19 digits), then the id.</summary>
    public static string OrderKey(JobRecord j) =>
        (DateTime.MaxValue.Ticks - j.Created.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "|" + j.Id;

    /// <summary>False for an index row written before it carried the overrides: read them from the job document.</summary>
    public static bool HasSets(BsonDocument facts) => facts["sets"].IsArray;

    public static JobRecord ReadFacts(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Name = String(d["name"]),
        Tags = [.. d["tags"].AsArray.Select(t => t.AsString)],
        Status = Status(d["status"]),
        RecipeId = d["recipe"].AsString,
        RecipeVersion = d["v"].AsString,
        RecipeHash = d["rh"].AsString,
        Task = d["task"].AsString,
        Algorithm = d["alg"].AsString,
        Model = String(d["model"]),
        ModelSize = d["size"].AsString,
        Parameters = d["p"].AsDouble,
        Gpus = d["gpus"].AsInt32,
        Nodes = d["nodes"].AsInt32,
        ConfigHash = d["cfg"].AsString,
        Sets = d["sets"].IsArray ? [.. d["sets"].AsArray.Select(s => s.AsString)] : [],
        User = "",
        Host = "",
        ToolVersion = "",
        Created = Utc(d["created"]),
        Updated = Utc(d["updated"]),
        Metrics = [.. d["m"].AsArray.Select(x => x.AsArray).Select(x => new MetricSummary(
            x[0].AsString, x[1].AsInt64, x[2].AsInt64, x[3].AsDouble, x[4].AsInt64, x[5].AsDouble, x[6].AsInt64, x[7].AsDouble, x[8].AsInt64, x[9].AsDouble))],
    };

    public static IReadOnlyList<string> ReadSources(BsonDocument job) => [.. job["sources"].AsArray.Select(s => s.AsString)];

    /// <summary>A batch: steps, values and times (unix ms) packed as little-endian 8-byte arrays.</summary>
    public static BsonDocument WriteBatch(MetricBatch b)
        => WriteBatch(b.Id, b.JobId, b.Name, MetricColumns.Of(b), b.Source);

    /// <summary>A batch from columns already packed (<see cref="MetricColumns.Split"/>).</summary>
    public static BsonDocument WriteBatch(string id, string jobId, string name, MetricColumns columns, string? source) => new()
    {
        ["_id"] = id,
        ["job"] = jobId,
        ["name"] = name,
        ["n"] = columns.Count,
        ["steps"] = columns.Steps,
        ["values"] = columns.Values,
        ["times"] = columns.Times,
        ["source"] = Nullable(source),
    };

    public static MetricBatch ReadBatch(BsonDocument d)
    {
        var points = new MetricColumns(d["steps"].AsBinary, d["values"].AsBinary, d["times"].AsBinary, d["n"].AsInt32).Points();
        return new MetricBatch(d["_id"].AsString, d["job"].AsString, d["name"].AsString, points, String(d["source"]));
    }

    /// <summary>A batch's points straight into columns (steps, values, unix-ms times); returns how many.</summary>
    public static int ReadBatchColumns(BsonDocument d, Span<long> steps, Span<double> values, Span<long> times)
    {
        var n = d["n"].AsInt32;
        var s = d["steps"].AsBinary.AsSpan(0, n * 8);
        var v = d["values"].AsBinary.AsSpan(0, n * 8);
        var t = d["times"].AsBinary.AsSpan(0, n * 8);
        for (var i = 0; i < n; i++)
        {
            steps[i] = BinaryPrimitives.ReadInt64LittleEndian(s[(i * 8)..]);
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(v[(i * 8)..]);
            times[i] = BinaryPrimitives.ReadInt64LittleEndian(t[(i * 8)..]);
        }

        return n;
    }

    private static BsonValue Nullable(string? s) => s is null ? BsonValue.Null : new BsonValue(s);

    private static string? String(BsonValue v) => v.IsString ? v.AsString : null;

    private static BsonArray Strings(IEnumerable<string> items) => new(items.Select(s => new BsonValue(s)));

    private static BsonValue Date(DateTimeOffset? d) => d is { } x ? new BsonValue(x.UtcDateTime) : BsonValue.Null;

    private static DateTimeOffset Utc(BsonValue v) => new(DateTime.SpecifyKind(v.AsDateTime, DateTimeKind.Utc));

    private static JobStatus Status(BsonValue v) => JobStatuses.TryParse(v.AsString, out var s) ? s : JobStatus.Pending;

    /// <summary>A follow position: <c>_id</c> is the job id, a newline and the file's full path.</summary>
    public static BsonDocument Write(FollowPosition p) => new()
    {
        ["_id"] = p.JobId + "\n" + p.Path,
        ["job"] = p.JobId,
        ["path"] = p.Path,
        ["offset"] = p.Offset,
        ["lines"] = p.Lines,
        ["head_length"] = p.HeadLength,
        ["head"] = p.Head,
    };

    public static FollowPosition ReadFollowPosition(BsonDocument d) =>
        new(d["job"].AsString, d["path"].AsString, d["offset"].AsInt64, d["lines"].AsInt64, d["head_length"].AsInt32, d["head"].AsString);
}
