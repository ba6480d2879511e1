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
}
