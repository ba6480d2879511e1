using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// One side of a dataset comparison: a recorded version (<see cref="Version"/>) or what is on disk now (<see cref="Label"/>
/// is then the path as given, or the recorded path a one-operand diff read).
/// </summary>
public sealed record DatasetSide(string Label, bool IsFolder, string Algorithm, string Hash, long Size, long? Samples, IReadOnlyList<FileEntry> Files)
{
    /// <summary>The recorded version this side is; null for the files on disk.</summary>
    public DatasetVersion? Version { get; init; }

    public static DatasetSide Of(DatasetVersion v) => new(v.Id, v.IsFolder, v.Algorithm, v.Hash, v.Size, v.Samples, v.Files) { Version = v };

    public static DatasetSide Of(string label, DatasetSnapshot s) => new(label, s.IsFolder, s.Algorithm, s.Hash, s.Size, s.Samples, s.Manifest);
}

/// <summary>A file added, removed or modified between two folders.</summary>
public sealed record FileChange(string Path, string Change, FileEntry? Old, FileEntry? New);

/// <summary>Two datasets compared: same content?, size and sample deltas, and for folders the files that differ (like <c>dvc diff</c>).</summary>
public sealed record DatasetComparison(DatasetSide Left, DatasetSide Right, bool Same, long SizeDelta, long? SamplesDelta, IReadOnlyList<FileChange> Files)
{
    public int Count(string change) => Files.Count(f => f.Change == change);
}

public enum DatasetState
{
    Unchanged,
    Modified,
    Missing,
}

/// <summary>A recorded version against the files on disk now.</summary>
public sealed record DatasetStatus(DatasetVersion Version, DatasetState State, DatasetComparison? Changes);

/// <summary>
/// Dataset versions of one project: records snapshots under a name, resolves <c>NAME[@HASH-PREFIX]</c>,
/// compares versions and files on disk, and checks recorded versions against the disk.
/// </summary>
public sealed class DatasetCatalog(IDatasetVersionStore store, string projectRoot, TimeProvider clock)
{
    public IDatasetVersionStore Store => store;

    /// <summary>The path a version records: relative to the project root with '/', or absolute when outside it; a remote one its canonical <c>ssh://</c> URL.</summary>
    public string StoredPath(string fullPath)
    {
        if (DatasetSnapshotter.IsRemote(fullPath))
        {
            return fullPath;
        }

        var relative = Path.GetRelativePath(projectRoot, fullPath);
        return relative == "." ? "." : relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? fullPath.Replace('\\', '/')
            : relative.Replace('\\', '/');
    }

    /// <summary>The name a snapshot gets without <c>--name</c>: its stored path, or the project folder's name for the root.</summary>
    public string DefaultName(string fullPath)
    {
        // A remote path without its user (the login is how it was reached, not what the data is): ssh://host:port/path.
        var name = DatasetSnapshotter.IsRemote(fullPath) ? (Remote.RemoteLocation.Parse(fullPath) with { User = null }).Display : StoredPath(fullPath);
        if (name == ".")
        {
            name = Path.GetFileName(projectRoot.TrimEnd(Path.DirectorySeparatorChar));
        }

        if (name.Contains('@', StringComparison.Ordinal))
        {
            throw new UserErrorException($"the path '{name}' contains '@', which names versions", "give the dataset a name with --name");
        }

        return name;
    }

    public string FullPath(DatasetVersion version) =>
        version.Path.StartsWith(RemoteScheme, StringComparison.Ordinal) ? version.Path : Path.GetFullPath(Path.Combine(projectRoot, version.Path));

    /// <summary>
    /// True for an operand that names a remote path, not a recorded version: <c>ssh://…</c> or <c>host:path</c>, unless an
    /// '@' after the host is followed by hex digits only (<c>ssh://host/data/train.jsonl@3f2a</c> is a version of the
    /// dataset named by that URL: remote snapshots are named so by default).
    /// </summary>
    public static bool IsRemotePath(string operand)
    {
        if (!DatasetSnapshotter.IsRemote(operand))
        {
            return false;
        }

        var pathStart = operand.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase) ? operand.IndexOf('/', 6) : operand.IndexOf(':', StringComparison.Ordinal);
        var at = operand.LastIndexOf('@');
        return pathStart < 0 || at < pathStart || at == operand.Length - 1 || operand.AsSpan(at + 1).ContainsAnyExcept(HexDigits);
    }

    /// <summary>
    /// True when <paramref name="operand"/> is read on a host: a remote path (<see cref="IsRemotePath"/>), except a
    /// scp-looking one that is the name of recorded versions (<c>train:v2</c> is that dataset, not the path v2 on host
    /// train). An <c>ssh://</c> URL is always a remote path.
    /// </summary>
    public bool ReadsAsRemote(string operand) =>
        IsRemotePath(operand)
        && (operand.StartsWith(RemoteScheme, StringComparison.OrdinalIgnoreCase) || store.Summaries(operand).Count == 0);

    /// <summary>How every recorded remote path starts (the canonical URL; a relative stored path is local, even with a ':').</summary>
    private const string RemoteScheme = "ssh://";

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    public static void CheckName(string name)
    {
        if (name.Length == 0 || name.Length > 200 || name.Contains('@', StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            throw new UserErrorException($"invalid dataset name '{name}'",
                "a name is 1-200 characters without '@' or control characters (NAME@HASH names a version)");
        }
    }

    /// <summary>Records a snapshot as a version of <paramref name="name"/>; the same name and content gives back the existing version.</summary>
    public (DatasetVersion Version, bool Added) Record(DatasetSnapshot snapshot, string name) => store.Add(NewVersion(snapshot, name));

    /// <summary>The version a snapshot would be recorded as, without writing it (a caller records it in its own transaction).</summary>
    public DatasetVersion NewVersion(DatasetSnapshot snapshot, string name)
    {
        CheckName(name);
        var now = clock.GetUtcNow();
        var created = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero); // the store keeps ms
        return new DatasetVersion(name, StoredPath(snapshot.FullPath), snapshot.IsFolder, snapshot.Format, snapshot.Size,
            snapshot.Algorithm, snapshot.Hash, snapshot.Samples, snapshot.Fields, created, snapshot.Manifest);
    }

    /// <summary><c>NAME</c> (its newest version) or <c>NAME@HASH-PREFIX</c>.</summary>
    public DatasetVersion Resolve(string reference)
    {
        var at = reference.LastIndexOf('@');
        var name = at < 0 ? reference : reference[..at];
        var prefix = at < 0 ? "" : reference[(at + 1)..].ToLowerInvariant();
        var all = store.Find(name, "");
        if (all.Count == 0)
        {
            var names = store.List(null).Select(v => v.Name).Distinct().ToArray();
            var near = Suggestions.DidYouMean(name, names);
            throw new UserErrorException($"no recorded dataset named '{name}'",
                near ?? (names.Length == 0 ? "record one with 'trainplat data snapshot PATH'" : "see 'trainplat data list'"));
        }

        var matches = all.Where(v => v.Hash.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        if (matches.Length == 0)
        {
            throw new UserErrorException($"'{name}' has no version whose hash starts with '{prefix}'",
                "versions: " + string.Join(", ", all.Take(5).Select(v => v.Id)) + (all.Count > 5 ? ", …" : ""));
        }

        if (at >= 0 && matches.Length > 1 && matches.Select(v => v.Hash).Distinct().Count() > 1)
        {
            throw new UserErrorException($"'{reference}' is ambiguous: {matches.Length} versions match",
                "give more of the hash: " + string.Join(", ", matches.Take(5).Select(v => $"{v.Name}@{v.Hash[..Math.Min(v.Hash.Length, 16)]}")));
        }

        return matches[0];
    }

    /// <summary>
    /// Compares two operands: <c>NAME@PREFIX</c> is a recorded version; otherwise an existing file or folder
    /// (relative to <paramref name="workingDirectory"/>) is read now; otherwise <c>NAME</c> is its newest version.
    /// A side read from disk uses the other side's algorithm. With one operand (<paramref name="right"/> null), its
    /// recorded version (for a path: the newest version recorded from that path) is compared with its path on disk now.
    /// </summary>
    public DatasetComparison Diff(string left, string? right, string workingDirectory, DatasetSnapshotter snapshotter)
    {
        if (right is null)
        {
            return WithDisk(left, workingDirectory, snapshotter);
        }

        var l = Operand(left, workingDirectory);
        var r = Operand(right, workingDirectory);
        var algorithm = l.Version?.Algorithm ?? r.Version?.Algorithm ?? SnapshotAlgorithms.Sha256;
        var leftSide = l.Version is { } lv ? DatasetSide.Of(lv) : DatasetSide.Of(left, snapshotter.Snapshot(l.Path!, algorithm, check: false));
        var rightSide = r.Version is { } rv ? DatasetSide.Of(rv) : DatasetSide.Of(right, snapshotter.Snapshot(r.Path!, algorithm, check: false));
        if (leftSide.Algorithm != rightSide.Algorithm)
        {
            throw new UserErrorException($"{leftSide.Label} was hashed with {leftSide.Algorithm}, {rightSide.Label} with {rightSide.Algorithm}",
                "compare one of them with the files on disk instead (a path is read with the other side's algorithm)");
        }

        return Compare(leftSide, rightSide);
    }

    /// <summary>Each name's newest version (every name when none is given) against the disk now.</summary>
    public IReadOnlyList<DatasetStatus> Status(IReadOnlyList<string> names, DatasetSnapshotter snapshotter)
    {
        var versions = names.Count == 0
            ? store.List(null).GroupBy(v => v.Name, StringComparer.Ordinal).Select(g => g.First()).ToArray()
            : names.Select(n => Resolve(n)).ToArray();
        var statuses = new List<DatasetStatus>();
        foreach (var version in versions)
        {
            var full = FullPath(version);
            if (!snapshotter.Exists(full))
            {
                statuses.Add(new DatasetStatus(version, DatasetState.Missing, null));
                continue;
            }

            var now = snapshotter.Snapshot(full, version.Algorithm, check: false);
            var comparison = Compare(DatasetSide.Of(version), DatasetSide.Of(version.Path, now));
            statuses.Add(new DatasetStatus(version, comparison.Same ? DatasetState.Unchanged : DatasetState.Modified, comparison));
        }

        return statuses;
    }

    public static DatasetComparison Compare(DatasetSide left, DatasetSide right)
    {
        var same = left.Algorithm == right.Algorithm && left.Hash == right.Hash;
        long? samplesDelta = left.Samples is { } ls && right.Samples is { } rs ? rs - ls : null;
        var files = new List<FileChange>();
        if (left.IsFolder && right.IsFolder && !same)
        {
            var old = left.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
            var @new = right.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
            foreach (var path in old.Keys.Union(@new.Keys).Order(StringComparer.Ordinal))
            {
                var o = old.GetValueOrDefault(path);
                var n = @new.GetValueOrDefault(path);
                if (o is null)
                {
                    files.Add(new FileChange(path, "added", null, n));
                }
                else if (n is null)
                {
                    files.Add(new FileChange(path, "removed", o, null));
                }
                else if (o.Hash != n.Hash || o.LinkTarget != n.LinkTarget)
                {
                    files.Add(new FileChange(path, "modified", o, n));
                }
            }
        }

        return new DatasetComparison(left, right, same, right.Size - left.Size, samplesDelta, files);
    }

    private DatasetComparison WithDisk(string operand, string workingDirectory, DatasetSnapshotter snapshotter)
    {
        var (version, path) = Operand(operand, workingDirectory);
        if (version is null)
        {
            var stored = DatasetSnapshotter.IsRemote(path!) ? snapshotter.CanonicalRemote(path!) : StoredPath(path!);
            version = store.List(null).Where(v => v.Path == stored).MaxBy(v => v.Created)
                ?? throw new UserErrorException($"{stored}: no version of it is recorded, so there is nothing to compare it with",
                    $"record one with 'trainplat data snapshot {stored}', or give two operands: 'trainplat data diff NAME@HASH {stored}'");
        }

        var full = FullPath(version);
        if (!snapshotter.Exists(full))
        {
            throw new UserErrorException($"{version.Id} was recorded from {version.Path}, which is not {(DatasetSnapshotter.IsRemote(full) ? "on its host" : "on disk")} now",
                $"compare it with another version instead: 'trainplat data diff {version.Id} {version.Name}@HASH' (see 'trainplat data list --name {version.Name}')");
        }

        return Compare(DatasetSide.Of(version), DatasetSide.Of(version.Path, snapshotter.Snapshot(full, version.Algorithm, check: false)));
    }

    private (DatasetVersion? Version, string? Path) Operand(string operand, string workingDirectory)
    {
        if (!operand.Contains('@', StringComparison.Ordinal) && !operand.StartsWith(RemoteScheme, StringComparison.OrdinalIgnoreCase))
        {
            var full = Path.GetFullPath(Path.Combine(workingDirectory, operand));
            if (Text.FileSystemEntry.Of(full) != Text.EntryKind.Missing)
            {
                return (null, full); // anything on disk, a FIFO or a dangling link too: the snapshot says what is wrong with it
            }
        }

        if (ReadsAsRemote(operand))
        {
            return (null, operand); // read on its host (a missing one is an error naming it there)
        }

        return (Resolve(operand), null);
    }
}
