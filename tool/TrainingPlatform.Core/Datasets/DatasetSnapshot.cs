namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// One file of a dataset: path relative to the dataset's folder (with <c>/</c>), size, hash, format, samples (null: "n/a"), fields.
/// A link to a folder (recorded, not followed) has format <c>link</c>, no hash, and its target text in <see cref="LinkTarget"/>.
/// </summary>
public sealed record FileEntry(string Path, long Size, string Hash, string Format, long? Samples, IReadOnlyList<string> Fields)
{
    public const string LinkFormat = "link";

    /// <summary>The target text of a link to a folder; null for a file.</summary>
    public string? LinkTarget { get; init; }

    public static FileEntry Link(string path, string target) => new(path, 0, "", LinkFormat, null, []) { LinkTarget = target };
}

/// <summary>One file as snapshotted now: its entry, what <c>--check</c> found, and whether it was read or came from the stat cache.</summary>
public sealed record FileSnapshot(FileEntry Entry, IReadOnlyList<LineProblem> Problems, long ProblemCount, bool FromCache, long BytesRead)
{
    /// <summary>With <c>--check</c>, a file that could not be read (its problem says why): no hash, no count.</summary>
    public bool Unreadable { get; init; }
}

/// <summary>
/// A file or folder as it is on disk now. For a folder, <see cref="Hash"/> is the tree hash over the
/// canonical manifest (<see cref="TreeManifest"/>) and <see cref="Samples"/> the sum over the files that have
/// a sample count (null when none has).
/// </summary>
public sealed record DatasetSnapshot(
    string FullPath,
    bool IsFolder,
    string Algorithm,
    string Hash,
    long Size,
    string Format,
    long? Samples,
    IReadOnlyList<string> Fields,
    IReadOnlyList<FileSnapshot> Files)
{
    /// <summary>For a file or folder on another host, how it was read (hashed on the host, streamed, stat cache); null for a local one.</summary>
    public RemoteRead? Remote { get; init; }

    /// <summary>Bytes actually read for this snapshot (0 when every file came from the stat cache).</summary>
    public long BytesRead => Files.Sum(f => f.BytesRead);

    public int FilesFromCache => Files.Count(f => f.FromCache);

    public long ProblemCount => Files.Sum(f => f.ProblemCount);

    /// <summary>The entries a recorded version keeps (folders only: a single file is its own entry).</summary>
    public IReadOnlyList<FileEntry> Manifest => IsFolder ? [.. Files.Select(f => f.Entry)] : [];
}
