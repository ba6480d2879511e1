using System.Runtime.ExceptionServices;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// Snapshots files and folders: every file read once (or taken from the stat cache when its stamp is
/// unchanged), the files of a folder in parallel up to the number of cores, largest first. A remote location
/// (<c>ssh://…</c> or <c>host:path</c>) goes to <see cref="RemoteSnapshotter"/>, whose ssh sessions (one per host)
/// stay open until the snapshotter is disposed.
/// </summary>
public sealed class DatasetSnapshotter : IDisposable
{
    private readonly TimeProvider _clock;
    private readonly Lazy<StatCache> _cache;
    private readonly int _parallelism;
    private RemoteSnapshotter? _remote;

    /// <param name="clock">The clock for the stat cache's racy-write window.</param>
    /// <param name="cacheFile">The stat cache file, or null for none (<c>--no-cache</c>: every byte is read).</param>
    /// <param name="parallelism">Files read at once (default: the number of cores).</param>
    public DatasetSnapshotter(TimeProvider clock, string? cacheFile, int? parallelism = null)
    {
        _clock = clock;
        _cache = new(() => cacheFile is null ? StatCache.Disabled : StatCache.Load(cacheFile)); // read when a file is first hashed
        _parallelism = Math.Max(1, parallelism ?? Environment.ProcessorCount);
    }

    public SnapshotProgress Progress { get; } = new();

    /// <summary>Read files that links inside a folder lead to outside it (<c>--follow-external</c>); by default such a link is an error.</summary>
    public bool FollowExternal { get; init; }

    /// <summary>How remote hosts are reached (<c>--known-hosts</c>, <c>--identity</c>…).</summary>
    public SshOptions Ssh { get; init; } = new();

    /// <summary>Where remote files are hashed (<c>--hash-on</c>).</summary>
    public RemoteHashMethod HashOn { get; init; }

    /// <summary>True for a remote location (<c>ssh://…</c> or scp-style <c>host:path</c>); local full paths start with '/'.</summary>
    public static bool IsRemote(string location) => RemoteLocation.IsRemote(location);

    /// <summary>True when the file or folder exists now (on its host, for a remote one: the host must answer).</summary>
    public bool Exists(string location) => IsRemote(location)
        ? Remote.Exists(RemoteLocation.Parse(location))
        : Text.FileSystemEntry.Of(location) != EntryKind.Missing;

    /// <summary>The canonical <c>ssh://</c> URL of a remote location (a path relative to the login folder is resolved on the host).</summary>
    public string CanonicalRemote(string location)
    {
        var parsed = RemoteLocation.Parse(location);
        return parsed.IsRelative ? Remote.Canonical(parsed) : parsed.WithPath(parsed.Path.Length > 1 ? parsed.Path.TrimEnd('/') : parsed.Path).Display;
    }

    /// <summary>Files per remote hashing script (tests make it small to see a long list split).</summary>
    internal int RemoteScriptChunk { get; init; } = RemoteSnapshotter.DefaultScriptChunk;

    /// <summary>With <see cref="RemoteHashMethod.Auto"/>, remote files smaller than this are streamed (tests set 0 to hash every file on the host).</summary>
    internal long RemoteSmallFile { get; init; } = RemoteSnapshotter.DefaultSmallFile;

    private RemoteSnapshotter Remote => _remote ??= new RemoteSnapshotter(Ssh, HashOn, () => _cache.Value, _clock, Progress, FollowExternal, _parallelism)
    {
        ScriptChunk = RemoteScriptChunk,
        SmallFile = RemoteSmallFile,
    };

    /// <summary>The regular files of a folder (see <see cref="DatasetWalk"/>: hidden entries skipped, folder links not followed).</summary>
    public static IReadOnlyList<string> FilesUnder(string folder) => [.. DatasetWalk.Of(folder, followExternal: true).Files.Select(f => f.FullPath)];

    /// <summary>
    /// Checks a path given to a command before anything is read: a missing path, a link loop, or anything but a
    /// regular file or a folder (a FIFO, a device, a socket: opening one could block forever) is refused.
    /// </summary>
    public static void CheckInput(string fullPath)
    {
        if (IsRemote(fullPath))
        {
            RemoteLocation.Parse(fullPath); // its syntax; the host is asked when it is read
            return;
        }

        var kind = Text.FileSystemEntry.TargetOf(fullPath);
        switch (kind)
        {
            case EntryKind.Regular or EntryKind.Directory:
                return;
            case EntryKind.Missing:
                throw new FileNotFoundException($"{fullPath}: no such file or folder", fullPath);
            case EntryKind.SymlinkLoop:
                throw new UserErrorException("a symbolic link loop (too many levels of symbolic links); nothing was read") { FilePath = fullPath };
            default:
                var via = Text.FileSystemEntry.Of(fullPath) == EntryKind.Symlink ? "a symbolic link to " : "";
                throw new UserErrorException($"{via}{Text.FileSystemEntry.Describe(kind)}, not a regular file or folder; only regular files are read") { FilePath = fullPath };
        }
    }

    /// <param name="algorithm">sha256 or sha512; empty to count samples only (no hash: the stat cache is not used).</param>
    public DatasetSnapshot Snapshot(string fullPath, string algorithm, bool check)
    {
        if (algorithm.Length > 0 && !SnapshotAlgorithms.IsSupported(algorithm))
        {
            throw new ArgumentException($"unsupported algorithm '{algorithm}'", nameof(algorithm));
        }

        if (IsRemote(fullPath))
        {
            return Remote.Snapshot(RemoteLocation.Parse(fullPath), algorithm, check);
        }

        CheckInput(fullPath);
        if (Directory.Exists(fullPath))
        {
            return SnapshotFolder(fullPath, algorithm, check);
        }

        var stamp = FileStamp.Of(fullPath);
        Progress.AddPlanned(1, stamp.Size);
        var file = SnapshotFile(fullPath, Path.GetFileName(fullPath), stamp, algorithm, check, overlap: _parallelism > 1);
        var e = file.Entry;
        return new DatasetSnapshot(fullPath, false, algorithm, e.Hash, e.Size, e.Format, e.Samples, e.Fields, [file]);
    }

    /// <summary>Writes the stat cache (when one is used and something changed).</summary>
    public void SaveCache()
    {
        if (_cache.IsValueCreated)
        {
            _cache.Value.Save();
        }
    }

    /// <summary>Closes the ssh sessions of remote snapshots.</summary>
    public void Dispose() => _remote?.Dispose();

    private DatasetSnapshot SnapshotFolder(string folder, string algorithm, bool check)
    {
        var walk = DatasetWalk.Of(folder, FollowExternal);
        if (walk.Problems.Count > 0)
        {
            throw DatasetWalk.ContentError(walk.Problems);
        }

        var planned = walk.Files;
        long plannedBytes = 0;
        foreach (var p in planned)
        {
            plannedBytes += p.Stamp.Size;
        }

        Progress.AddPlanned(planned.Count, plannedBytes);
        var results = new FileSnapshot[planned.Count + walk.Links.Count];

        // Files the stat cache knows first, in walk order (one cache lookup per folder, then one per name); only
        // the rest are read, in parallel, largest first.
        var misses = new List<int>();
        var useCache = algorithm.Length > 0;
        StatCache.Folder? cached = null;
        string? cachedFolder = null;
        for (var i = 0; i < planned.Count; i++)
        {
            var p = planned[i];
            if (useCache && !ReferenceEquals(p.Folder, cachedFolder))
            {
                cached = _cache.Value.FolderOf(p.Folder, algorithm);
                cachedFolder = p.Folder;
            }

            if ((useCache ? FromCache(cached, p.Name, p.Relative, p.Stamp, algorithm, check) : null) is { } hit)
            {
                results[i] = hit;
            }
            else
            {
                misses.Add(i);
            }
        }

        var order = misses.OrderByDescending(i => planned[i].Stamp.Size).ToArray();
        var overlap = misses.Count == 1 && _parallelism > 1;
        try
        {
            Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, i =>
                results[i] = SnapshotFile(planned[i].FullPath, planned[i].Relative, planned[i].Stamp, algorithm, check, overlap));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        for (var i = 0; i < walk.Links.Count; i++)
        {
            var link = walk.Links[i];
            results[planned.Count + i] = new FileSnapshot(FileEntry.Link(link.Relative, link.Target), [], 0, FromCache: true, BytesRead: 0);
        }

        return Folder(folder, algorithm, results);
    }

    /// <summary>A folder's snapshot from the snapshots of its files and links (any order): manifest order, sums, field union, tree hash.</summary>
    internal static DatasetSnapshot Folder(string folder, string algorithm, FileSnapshot[] results)
    {
        Array.Sort(results, (a, b) => TreeManifest.Compare(a.Entry.Path, b.Entry.Path));
        var fields = new FieldUnion();
        long size = 0;
        long counted = 0;
        var anyCounted = false;
        var entries = new FileEntry[results.Length];
        for (var i = 0; i < results.Length; i++)
        {
            var e = entries[i] = results[i].Entry;
            size += e.Size;
            if (e.Samples is { } n)
            {
                counted += n;
                anyCounted = true;
            }

            foreach (var f in e.Fields)
            {
                fields.Add(f);
            }
        }

        long? samples = results.Length == 0 ? 0 : anyCounted ? counted : null;
        var hashed = algorithm.Length > 0 && !results.Any(r => r.Unreadable); // no tree hash over files that could not be read
        return new DatasetSnapshot(folder, true, algorithm, hashed ? TreeManifest.HashSorted(algorithm, entries) : "", size,
            "folder", samples, fields.Names, results);
    }

    /// <summary>The file as the stat cache has it, or null when it has no entry for this stamp (the file must be read).</summary>
    private FileSnapshot? FromCache(StatCache.Folder? folder, ReadOnlySpan<char> name, string relative, FileStamp stamp, string algorithm, bool check)
    {
        if (algorithm.Length == 0 || !_cache.Value.TryGet(folder, name, stamp, check, out var cached) || cached.Format != FileKind.FromFileName(relative).Name)
        {
            return null;
        }

        Progress.AddBytes(stamp.Size);
        Progress.FileDone();
        return new FileSnapshot(new FileEntry(relative, stamp.Size, cached.Hash, cached.Format, cached.Samples, cached.Fields),
            check ? cached.Problems : [], check ? cached.ProblemCount : 0, FromCache: true, BytesRead: 0);
    }

    private FileSnapshot SnapshotFile(string fullPath, string relative, FileStamp stamp, string algorithm, bool check, bool overlap)
    {
        var kind = FileKind.FromFileName(fullPath);
        var useCache = algorithm.Length > 0;
        if (useCache && _cache.Value.TryGet(fullPath, algorithm, stamp, check, out var cached) && cached.Format == kind.Name)
        {
            Progress.AddBytes(stamp.Size);
            Progress.FileDone();
            return new FileSnapshot(new FileEntry(relative, stamp.Size, cached.Hash, cached.Format, cached.Samples, cached.Fields),
                check ? cached.Problems : [], check ? cached.ProblemCount : 0, FromCache: true, BytesRead: 0);
        }

        var readStart = _clock.GetUtcNow();
        FileContent content;
        try
        {
            content = FileReader.Read(fullPath, kind, algorithm, check, overlap, Progress);
        }
        catch (UserErrorException ex) when (check)
        {
            // --check reports every bad file, as validate does: one that cannot be read is a problem of that file, not the end of the run.
            Progress.FileDone();
            var problem = new LineProblem(0, ex.Hint is { } hint ? $"{ex.Message} ({hint})" : ex.Message);
            return new FileSnapshot(new FileEntry(relative, stamp.Size, "", kind.Name, null, []), [problem], 1, FromCache: false, BytesRead: 0) { Unreadable = true };
        }
        catch (UserErrorException ex) when (ex.FilePath is null)
        {
            throw new UserErrorException(ex.Message, ex) { FilePath = fullPath };
        }

        if (FileStamp.Of(fullPath) != stamp || content.Size != stamp.Size)
        {
            throw new IOException($"{fullPath} changed while it was being read; snapshot it again when it is complete");
        }

        var count = content.Count;
        if (useCache)
        {
            _cache.Value.Put(fullPath, algorithm, stamp,
            new CachedFile(kind.Name, content.Hash, count.Samples, count.Fields, check, count.Problems, count.ProblemCount), readStart);
        }

        Progress.FileDone();
        return new FileSnapshot(new FileEntry(relative, content.Size, content.Hash, kind.Name, count.Samples, count.Fields),
            count.Problems, count.ProblemCount, FromCache: false, content.BytesRead);
    }
}
