namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// A recorded snapshot: a name, the path relative to the project root (with <c>/</c>; absolute when outside
/// it), and the content. Identified by name + algorithm + hash: the same name and content is the same version.
/// </summary>
public sealed record DatasetVersion(
    string Name,
    string Path,
    bool IsFolder,
    string Format,
    long Size,
    string Algorithm,
    string Hash,
    long? Samples,
    IReadOnlyList<string> Fields,
    DateTimeOffset Created,
    IReadOnlyList<FileEntry> Files)
{
    public const int ShortHashLength = 12;

    /// <summary>Files in a folder's manifest; kept by the store, so a listing knows it without loading the manifest (which <see cref="IDatasetVersionStore.Summaries"/> leaves empty).</summary>
    public int FileCount { get; init; } = Files.Count;

    public string ShortHash => Hash.Length > ShortHashLength ? Hash[..ShortHashLength] : Hash;

    /// <summary><c>NAME@HASHPREFIX</c>, how commands name this version.</summary>
    public string Id => $"{Name}@{ShortHash}";
}

/// <summary>Where dataset versions are kept. Implementations must keep one version per (name, algorithm, hash).</summary>
public interface IDatasetVersionStore : IDisposable
{
    /// <summary>Adds the version unless the same name and content is there already; returns the stored one.</summary>
    (DatasetVersion Version, bool Added) Add(DatasetVersion version);

    /// <summary>The versions of a name whose hash starts with the prefix (all of them for an empty prefix), newest first.</summary>
    IReadOnlyList<DatasetVersion> Find(string name, string hashPrefix);

    /// <summary>Every version (of one name, when given), sorted by name, then newest first.</summary>
    IReadOnlyList<DatasetVersion> List(string? name);

    /// <summary>As <see cref="List"/>, but a folder's <see cref="DatasetVersion.Files"/> may be left empty (<see cref="DatasetVersion.FileCount"/> is kept): for listings, whose time must not grow with manifest sizes.</summary>
    IReadOnlyList<DatasetVersion> Summaries(string? name) => List(name);
}

/// <summary>
/// A read-only copy of recorded versions, so that slow work (hashing files for <c>data status</c> and
/// <c>data diff</c>) runs without holding the lineage store's lock.
/// </summary>
public sealed class DatasetVersionList(IReadOnlyList<DatasetVersion> versions) : IDatasetVersionStore
{
    public (DatasetVersion Version, bool Added) Add(DatasetVersion version) =>
        throw new InvalidOperationException("a copy of the recorded versions is read-only");

    public IReadOnlyList<DatasetVersion> Find(string name, string hashPrefix) =>
        [.. versions.Where(v => v.Name == name && v.Hash.StartsWith(hashPrefix, StringComparison.Ordinal))
            .OrderByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)];

    public IReadOnlyList<DatasetVersion> List(string? name) =>
        [.. versions.Where(v => name is null || v.Name == name)
            .OrderBy(v => v.Name, StringComparer.Ordinal).ThenByDescending(v => v.Created).ThenBy(v => v.Hash, StringComparer.Ordinal)];

    public void Dispose()
    {
    }
}
