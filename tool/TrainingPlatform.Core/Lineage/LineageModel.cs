using TrainingPlatform.Core.Datasets;

namespace TrainingPlatform.Core.Lineage;

/// <summary>A job's life: <c>pending → running → succeeded | failed | cancelled</c> (pending may also end directly).</summary>
public enum JobStatus
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

public static class JobStatuses
{
    public static string Name(JobStatus s) => s switch
    {
        JobStatus.Pending => "pending",
        JobStatus.Running => "running",
        JobStatus.Succeeded => "succeeded",
        JobStatus.Failed => "failed",
        _ => "cancelled",
    };

    public static bool TryParse(string? text, out JobStatus status)
    {
        foreach (var s in Enum.GetValues<JobStatus>())
        {
            if (string.Equals(Name(s), text, StringComparison.OrdinalIgnoreCase))
            {
                status = s;
                return true;
            }
        }

        status = default;
        return false;
    }

    /// <summary>The hint for a status that is none of them: the closest ones, then every status.</summary>
    public static string UnknownHint(string text) =>
        (Text.Suggestions.DidYouMean(text, Enum.GetValues<JobStatus>().Select(Name)) is { } guess ? guess + " " : "") + "statuses: " + Names;

    public static bool IsFinal(JobStatus s) => s is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    /// <summary>Allowed moves: pending → running | cancelled | failed; running → succeeded | failed | cancelled; final states stay.</summary>
    public static bool CanMove(JobStatus from, JobStatus to) => (from, to) switch
    {
        (JobStatus.Pending, JobStatus.Running or JobStatus.Cancelled or JobStatus.Failed) => true,
        (JobStatus.Running, JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled) => true,
        _ => false,
    };

    public static string Names => "pending, running, succeeded, failed, cancelled";
}

/// <summary>A recipe as it was when a job used it, content-addressed by the SHA-256 of its canonical form.</summary>
public sealed record RecipeVersionRecord(string Hash, string RecipeId, string Version, string Task, string Algorithm, string Text, DateTimeOffset Recorded)
{
    /// <summary>
    /// Where this recipe came from (the base it extends, the recipe it was copied from), as recorded with it;
    /// null when it was recorded before the store kept it (<see cref="RecipeDerivation.Of"/> reads it from the text then).
    /// </summary>
    public RecipeDerivation? DerivedFrom { get; init; }
}

/// <summary>A dataset a job used, by role (<c>train</c>, <c>eval</c>, …) and version.</summary>
public sealed record JobDataset(string Role, string Name, string Algorithm, string Hash);

/// <summary>The recipe repository's state when the job was created.</summary>
public sealed record GitState(string Commit, bool Dirty, string? Branch);

/// <summary>One status change (or note) in a job's history.</summary>
public sealed record JobEvent(DateTimeOffset Time, JobStatus Status, string? Note);

/// <summary>Per-metric summary kept on the job, updated in the same transaction as the points.</summary>
public sealed record MetricSummary(
    string Name,
    long Count,
    long FirstStep,
    double First,
    long LastStep,
    double Last,
    long MinStep,
    double Min,
    long MaxStep,
    double Max);

/// <summary>
/// A training job: the recipe version and rendered config it ran with, the datasets it read, where it came from, and how it went.
/// <see cref="Chain"/> holds the hashes of the recipe's extends chain, base first, ending with <see cref="RecipeHash"/>.
/// </summary>
public sealed record JobRecord
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public required JobStatus Status { get; init; }

    public required string RecipeId { get; init; }

    public required string RecipeVersion { get; init; }

    public required string RecipeHash { get; init; }

    public IReadOnlyList<string> Chain { get; init; } = [];

    public required string Task { get; init; }

    public required string Algorithm { get; init; }

    /// <summary>The model's name from the catalog, when one was given.</summary>
    public string? Model { get; init; }

    /// <summary>The size as given (<c>7B</c>) or the model's name.</summary>
    public required string ModelSize { get; init; }

    /// <summary>Parameter count (not billions).</summary>
    public required double Parameters { get; init; }

    public required int Gpus { get; init; }

    public required int Nodes { get; init; }

    public required string ConfigHash { get; init; }

    /// <summary>The <c>--set</c> overrides the config was rendered with, in the order given.</summary>
    public IReadOnlyList<string> Sets { get; init; } = [];

    public IReadOnlyList<JobDataset> Datasets { get; init; } = [];

    public GitState? Git { get; init; }

    public string? ParentId { get; init; }

    /// <summary>Pre-flight errors accepted with <c>--force</c>, as <c>CODE path: message</c>.</summary>
    public IReadOnlyList<string> Forced { get; init; } = [];

    /// <summary>
    /// The memory estimate at creation, as the JSON object <c>render --format json</c> prints under <c>trainplat.memory</c>
    /// (docs/memory.md); null for jobs recorded before it was kept, or without an estimate.
    /// </summary>
    public string? MemoryJson { get; init; }

    public required string User { get; init; }

    public required string Host { get; init; }

    public required string ToolVersion { get; init; }

    public required DateTimeOffset Created { get; init; }

    public DateTimeOffset? Started { get; init; }

    public DateTimeOffset? Finished { get; init; }

    /// <summary>The last change to this record (status, note, metrics); decides which copy wins on import.</summary>
    public required DateTimeOffset Updated { get; init; }

    public IReadOnlyList<JobEvent> Events { get; init; } = [];

    /// <summary>Summaries by metric name (sorted by name).</summary>
    public IReadOnlyList<MetricSummary> Metrics { get; init; } = [];
}

/// <summary>One metric value at a training step. <see cref="Time"/> is when it was measured (or recorded).</summary>
public readonly record struct MetricPoint(long Step, string Name, double Value, DateTimeOffset Time);

/// <summary>Filters for <c>job list</c>; null means any.</summary>
public sealed record JobQuery(
    JobStatus? Status = null,
    string? RecipeId = null,
    string? RecipeVersion = null,
    string? Task = null,
    string? Algorithm = null,
    double? Parameters = null,
    DateTimeOffset? Since = null,
    string? DatasetName = null,
    string? DatasetHashPrefix = null,
    string? Tag = null,
    string? ParentId = null,
    string? UsesRecipeHash = null);

/// <summary>What <c>metrics import</c>/<c>log</c> wrote.</summary>
public sealed record MetricWriteResult(long Points, IReadOnlyList<string> Names, bool AlreadyImported);

/// <summary>
/// How far <c>metrics import JOB PATH --follow</c> has read a file for a job: the byte offset after the last complete record
/// recorded, the lines before it, and the SHA-256 (lowercase hex) of the file's first <see cref="HeadLength"/> bytes, by
/// which a file replaced under the same name is told from the one read before. Kept per job and file (full path).
/// </summary>
public sealed record FollowPosition(string JobId, string Path, long Offset, long Lines, int HeadLength, string Head);

/// <summary>The store file: where it is and which schema and tool wrote it.</summary>
public sealed record StoreInfo(string Path, int SchemaVersion, string? WrittenBy, string? MigratedFrom, string? BackupPath)
{
    /// <summary>False for a read of a store that has no file yet (an empty store in memory).</summary>
    public bool Exists { get; init; } = true;
}

/// <summary>How many records a store holds, as <c>store info</c> shows them.</summary>
public sealed record StoreCounts(long Jobs, long RecipeVersions, long Configs, long DatasetVersions, long Points);

/// <summary>Everything one <c>job create</c> records, written in one transaction.</summary>
public sealed record NewJob(
    JobRecord Job,
    IReadOnlyList<RecipeVersionRecord> Recipes,
    string ConfigJson,
    IReadOnlyList<DatasetVersion> Datasets);

/// <summary>A stored batch of points of one metric of one job: how metrics travel in exports.</summary>
public sealed record MetricBatch(string Id, string JobId, string Name, IReadOnlyList<(long Step, double Value, DateTimeOffset Time)> Points, string? Source);

/// <summary>What an import (of a lineage export) changed.</summary>
public sealed record ImportCounts(int JobsAdded, int JobsUpdated, int JobsUnchanged, int RecipesAdded, int ConfigsAdded, int DatasetsAdded, long PointsAdded);

/// <summary>The contents of a lineage export, in the order they are written.</summary>
public sealed record LineageBundle(
    IReadOnlyList<RecipeVersionRecord> Recipes,
    IReadOnlyList<(string Hash, string Json)> Configs,
    IReadOnlyList<DatasetVersion> Datasets,
    IReadOnlyList<JobRecord> Jobs,
    IReadOnlyList<MetricBatch> Metrics)
{
    /// <summary>Where each record was in the file it was read from (null for a bundle made in memory).</summary>
    public BundleLines? Lines { get; init; }
}

/// <summary>The line of each record of a read export, list by list in the order of <see cref="LineageBundle"/>'s lists.</summary>
public sealed record BundleLines(IReadOnlyList<long> Recipes, IReadOnlyList<long> Configs, IReadOnlyList<long> Datasets, IReadOnlyList<long> Jobs, IReadOnlyList<long> Metrics);

/// <summary>A line of an export that cannot be imported, and why.</summary>
public sealed record ExchangeProblem(long Line, string Message);

/// <summary>An export as read: its records and the lines that did not read.</summary>
public sealed record ExchangeRead(LineageBundle Bundle, IReadOnlyList<ExchangeProblem> Problems);

/// <summary>
/// Where lineage is kept: recipe versions, rendered configs, dataset versions, jobs and metrics.
/// The embedded implementation is <see cref="LineageStore"/> (one LiteDB file); no storage types leak
/// through this interface, so a server-backed one can follow. Every method is one transaction.
/// </summary>
public interface ILineageStore : IDatasetVersionStore
{
    StoreInfo Info { get; }

    /// <summary>
    /// Records a new job with its recipe versions, config and dataset versions (existing ones are kept).
    /// <paramref name="beforeCommit"/> runs inside the transaction, after the writes: when it throws, nothing is recorded.
    /// </summary>
    void CreateJob(NewJob job, Action? beforeCommit = null);

    JobRecord? GetJob(string id);

    /// <summary>Ids starting with <paramref name="prefix"/> (at most <paramref name="limit"/>).</summary>
    IReadOnlyList<string> FindJobIds(string prefix, int limit);

    /// <summary>Jobs matching the query, newest first (then by id), complete.</summary>
    IReadOnlyList<JobRecord> FindJobs(JobQuery query);

    /// <summary>
    /// Jobs matching the query, newest first, from the job index: fast enough for 100,000 jobs, but only the fields
    /// <c>job list</c>, <c>suggest</c> and <c>recommend</c> use are filled — id, name, tags, status, recipe id, version
    /// and hash, task, algorithm, model, size, parameters, GPUs, nodes, config hash, <c>--set</c> overrides, created,
    /// updated and the metric summaries. History, datasets, extends chain, git, parent and provenance are empty: use
    /// <see cref="GetJob"/> or <see cref="FindJobs"/> for those. Lazy, newest first (then by id): take what you
    /// need while the store is open; reading stops there.
    /// </summary>
    IEnumerable<JobRecord> ListJobs(JobQuery query);

    /// <summary>Replaces a job record (status, note, tags); the caller has checked the change.</summary>
    void UpdateJob(JobRecord job);

    /// <summary>Deletes a job and its metrics; returns the number of points deleted, or -1 when there was no such job.</summary>
    long DeleteJob(string id);

    RecipeVersionRecord? GetRecipeVersion(string hash);

    /// <summary>Recorded versions of a recipe (of one version string, when given), newest first.</summary>
    IReadOnlyList<RecipeVersionRecord> FindRecipeVersions(string recipeId, string? version);

    /// <summary>Every recorded recipe version, by id, then oldest first.</summary>
    IReadOnlyList<RecipeVersionRecord> ListRecipeVersions();

    /// <summary>A rendered config (canonical JSON) by its hash.</summary>
    string? GetConfig(string hash);

    /// <summary>
    /// Appends points to a job and updates its summaries, all or nothing. With a <paramref name="source"/>
    /// (a content hash of the imported file) a second import of the same source for the same job writes nothing.
    /// </summary>
    /// <param name="admit">Checks (and may change, e.g. start) the job in the same transaction, before anything is written; throws to refuse.</param>
    MetricWriteResult AppendMetrics(string jobId, IReadOnlyList<MetricPoint> points, string? source, DateTimeOffset now, Func<JobRecord, JobRecord>? admit = null);

    /// <summary>
    /// <see cref="AppendMetrics"/> without a source, and the follow positions of the files the points were read from, in
    /// the same transaction: after a crash the points and the positions are both there or both not. Returns the job as
    /// it is after the write (its status tells a follower the job finished).
    /// </summary>
    (MetricWriteResult Written, JobRecord Job) AppendFollowed(string jobId, IReadOnlyList<MetricPoint> points, IReadOnlyList<FollowPosition> positions, DateTimeOffset now);

    /// <summary>Where <c>--follow</c> stopped reading each file for the job (none in a store of schema 2 or older).</summary>
    IReadOnlyList<FollowPosition> FollowPositions(string jobId);

    /// <summary>A job's points (of one metric, when given), by name, then step, then in the order they were written (the last write of a step is its value).</summary>
    IReadOnlyList<MetricPoint> ReadMetrics(string jobId, string? name);

    /// <summary>
    /// A job's metrics of the given names (all when null) as series, by name (ordinal): only those metrics' batches are
    /// decoded. A name the job has not logged is left out.
    /// </summary>
    IReadOnlyList<MetricSeries> ReadSeries(string jobId, IReadOnlySet<string>? names);

    /// <summary>Points in the store (of one job, when given).</summary>
    long CountPoints(string? jobId);

    /// <summary>
    /// How many jobs, recipe versions, configs, dataset versions and metric points the store holds. The default reads
    /// them through the other methods (configs counted as the distinct configs of the jobs); a store overrides it with
    /// exact counts of its own.
    /// </summary>
    StoreCounts Counts()
    {
        var configs = new HashSet<string>(StringComparer.Ordinal);
        long jobs = 0;
        foreach (var job in ListJobs(new JobQuery()))
        {
            jobs++;
            configs.Add(job.ConfigHash);
        }

        return new StoreCounts(jobs, ListRecipeVersions().Count, configs.Count, List(null).Count, CountPoints(null));
    }

    /// <summary>Everything needed to recreate the given jobs elsewhere (all jobs when null).</summary>
    LineageBundle Export(IReadOnlyList<string>? jobIds);

    /// <summary>Adds what is missing, replaces jobs whose incoming copy is newer; one transaction.</summary>
    ImportCounts Import(LineageBundle bundle);
}
