using System.Runtime.ExceptionServices;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// Snapshots files and folders: every file read once (or taken from the stat cache when its stamp is
/// unchanged), the files of a folder in parallel up to the number of cores, largest first.
/// </summary>
public sealed class DatasetSnapshotter
{
    private readonly TimeProvider _clock;
    private readonly Lazy<StatCache> _cache;
    private readonly int _parallelism;

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

    /// <summary>Folders skip entries whose name starts with '.' (hidden files, <c>.git</c>, <c>.trainplat</c>).</summary>
    public static IReadOnlyList<string> FilesUnder(string folder)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = 0,
            IgnoreInaccessible = false,
            MatchType = MatchType.Simple,
        };
        return [.. Directory.EnumerateFiles(folder, "*", options)
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(p => p.StartsWith('.')))];
    }

    /// <param name="algorithm">sha256 or sha512; empty to count samples only (no hash: the stat cache is not used).</param>
    public DatasetSnapshot Snapshot(string fullPath, string algorithm, bool check)
    {
        if (algorithm.Length > 0 && !SnapshotAlgorithms.IsSupported(algorithm))
        {
            throw new ArgumentException($"unsupported algorithm '{algorithm}'", nameof(algorithm));
        }

        if (Directory.Exists(fullPath))
        {
            return SnapshotFolder(fullPath, algorithm, check);
        }

        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"{fullPath}: no such file or folder", fullPath);
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

    private DatasetSnapshot SnapshotFolder(string folder, string algorithm, bool check)
    {
        var planned = FilesUnder(folder)
            .Select(f => (Full: f, Relative: Path.GetRelativePath(folder, f).Replace('\\', '/'), Stamp: FileStamp.Of(f)))
            .ToArray();
        Progress.AddPlanned(planned.Length, planned.Sum(p => p.Stamp.Size));
        var results = new FileSnapshot[planned.Length];
        var order = Enumerable.Range(0, planned.Length).OrderByDescending(i => planned[i].Stamp.Size).ToArray();
        var overlap = planned.Length == 1 && _parallelism > 1;
        try
        {
            Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, i =>
                results[i] = SnapshotFile(planned[i].Full, planned[i].Relative, planned[i].Stamp, algorithm, check, overlap));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        var sorted = TreeManifest.Sort(results.Select(r => r.Entry));
        var byPath = results.ToDictionary(r => r.Entry.Path, StringComparer.Ordinal);
        var files = sorted.Select(e => byPath[e.Path]).ToArray();
        var fields = new FieldUnion();
        foreach (var f in files.SelectMany(f => f.Entry.Fields))
        {
            fields.Add(f);
        }

        var counted = files.Where(f => f.Entry.Samples is not null).ToArray();
        long? samples = files.Length == 0 ? 0 : counted.Length == 0 ? null : counted.Sum(f => f.Entry.Samples!.Value);
        return new DatasetSnapshot(folder, true, algorithm, algorithm.Length == 0 ? "" : TreeManifest.Hash(algorithm, sorted), files.Sum(f => f.Entry.Size),
            "folder", samples, fields.Names, files);
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
        catch (DatasetFormatException ex) when (ex.FilePath is null)
        {
            throw new DatasetFormatException(ex.Message, ex) { FilePath = fullPath };
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
