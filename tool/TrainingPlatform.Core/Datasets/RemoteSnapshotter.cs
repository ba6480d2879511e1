using System.Runtime.ExceptionServices;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// How a remote snapshot was read: the host, the hash tool the host ran (null when nothing was hashed there), how many
/// files were hashed on the host, streamed over SFTP or taken from the stat cache, the file bytes that crossed the
/// network and the remote commands run (0 when every file came from the stat cache).
/// </summary>
public sealed record RemoteRead(string Host, string? Tool, int HashedOnHost, int Streamed, int FromCache, long BytesTransferred, int CommandsRun);

/// <summary>
/// Snapshots files and folders on other hosts (<c>ssh://</c> or scp-style) with the results a local snapshot of the same
/// bytes gives: hash, size, format, samples, fields, a folder's manifest and tree hash, <c>--check</c> problems. One
/// <see cref="SshSession"/> per host for the whole command. A file is taken from the stat cache (keyed
/// <c>CacheKey + path</c>, stamped with size and mtime from SFTP) without reading anything or running a command; the
/// others are hashed on the host by one <see cref="RemoteHashScript"/> per path (JSON Lines fields from a head read,
/// Parquet rows from the footer by ranged reads), or streamed over SFTP into <see cref="FileReader"/>.
/// </summary>
internal sealed class RemoteSnapshotter : IDisposable
{
    /// <summary>Files per remote script by default: a script of 100,000 quoted paths is split into runs of this many.</summary>
    internal const int DefaultScriptChunk = 2000;

    private readonly SshOptions _options;
    private readonly RemoteHashMethod _method;
    private readonly Func<StatCache> _cache;
    private readonly TimeProvider _clock;
    private readonly SnapshotProgress _progress;
    private readonly bool _followExternal;
    private readonly int _parallelism;
    private readonly Dictionary<string, Host> _hosts = new(StringComparer.Ordinal);

    /// <summary>
    /// With <see cref="RemoteHashMethod.Auto"/>, files smaller than this (1 MiB) are streamed: hashing a JSON Lines file on the host
    /// still reads its first 100 samples over SFTP for the fields (a small file whole), and costs two remote processes,
    /// so for a folder of many small files streaming is several times faster and moves no more bytes.
    /// </summary>
    internal const long DefaultSmallFile = 1 << 20;

    /// <summary>See <see cref="DefaultSmallFile"/> (tests set 0).</summary>
    public long SmallFile { get; init; } = DefaultSmallFile;

    /// <summary>Files per remote script (tests make it small).</summary>
    public int ScriptChunk { get; init; } = DefaultScriptChunk;

    public RemoteSnapshotter(SshOptions options, RemoteHashMethod method, Func<StatCache> cache, TimeProvider clock, SnapshotProgress progress,
        bool followExternal, int parallelism)
    {
        _options = options;
        _method = method;
        _cache = cache;
        _clock = clock;
        _progress = progress;
        _followExternal = followExternal;
        _parallelism = parallelism;
    }

    /// <summary>One host's session and whether it has the hash tools (null: not yet known).</summary>
    private sealed class Host(SshSession session)
    {
        public SshSession Session => session;

        public string? Tool { get; set; }

        public bool? HasTools { get; set; }
    }

    /// <summary>The canonical <c>ssh://</c> URL of a location: its path absolute (a relative one resolved on the host) and without a trailing '/'.</summary>
    public string Canonical(RemoteLocation location)
    {
        var host = HostOf(location);
        return location.WithPath(Resolve(host, location)).Display;
    }

    /// <summary>True when the path exists on its host (a link is followed); a host that cannot be reached is an error.</summary>
    public bool Exists(RemoteLocation location)
    {
        var host = HostOf(location);
        return host.Session.Sftp.TryStat(Resolve(host, location)) is not null;
    }

    public DatasetSnapshot Snapshot(RemoteLocation location, string algorithm, bool check)
    {
        var host = HostOf(location);
        var sftp = host.Session.Sftp;
        var path = Resolve(host, location);
        var url = location.WithPath(path).Display;
        var bytesBefore = sftp.BytesRead;
        var attributes = sftp.TryStat(path) ?? throw new UserErrorException("no such file or folder on the host; nothing was read",
            $"check the path, e.g. with: ssh {location.Host} ls -ld {ShellQuote.Quote(path)}")
        { FilePath = url };
        var tally = new Tally();
        DatasetSnapshot snapshot;
        switch (RemoteWalk.KindOf(attributes))
        {
            case Text.EntryKind.Directory:
                var walk = RemoteWalk.Of(sftp, location, path, _followExternal);
                if (walk.Problems.Count > 0)
                {
                    throw DatasetWalk.ContentError(walk.Problems);
                }

                _progress.AddPlanned(walk.Files.Count, walk.Files.Sum(f => f.Stamp.Size));
                var files = Read(host, location, walk.Files, algorithm, check, tally);
                var links = walk.Links.Select(l => new FileSnapshot(FileEntry.Link(l.Relative, l.Target), [], 0, FromCache: true, BytesRead: 0));
                snapshot = DatasetSnapshotter.Folder(url, algorithm, [.. files, .. links]);
                break;
            case Text.EntryKind.Regular:
                var stamp = RemoteWalk.Stamp(attributes);
                _progress.AddPlanned(1, stamp.Size);
                var name = path[(path.LastIndexOf('/') + 1)..];
                var file = Read(host, location, [new RemoteFile(path, name, stamp)], algorithm, check, tally)[0];
                var e = file.Entry;
                snapshot = new DatasetSnapshot(url, false, algorithm, e.Hash, e.Size, e.Format, e.Samples, e.Fields, [file]);
                break;
            case var kind:
                throw new UserErrorException($"{Text.FileSystemEntry.Describe(kind)}, not a regular file or folder; only regular files are read") { FilePath = url };
        }

        return snapshot with
        {
            Remote = new RemoteRead(location.Host, tally.HashedOnHost > 0 ? host.Tool : null, tally.HashedOnHost, tally.Streamed, tally.FromCache,
                sftp.BytesRead - bytesBefore, tally.CommandsRun),
        };
    }

    public void Dispose()
    {
        foreach (var host in _hosts.Values)
        {
            host.Session.Dispose();
        }

        _hosts.Clear();
    }

    private sealed class Tally
    {
        public int HashedOnHost;
        public int Streamed;
        public int FromCache;
        public int CommandsRun;
    }

    private Host HostOf(RemoteLocation location)
    {
        var key = location.Authority;
        if (!_hosts.TryGetValue(key, out var host))
        {
            _hosts[key] = host = new Host(SshSession.Open(location, _options));
        }

        return host;
    }

    private static string Resolve(Host host, RemoteLocation location)
    {
        var path = host.Session.ResolvePath(location.Path);
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    /// <summary>Each file from the stat cache, hashed on the host, or streamed; in the order given.</summary>
    private FileSnapshot[] Read(Host host, RemoteLocation location, IReadOnlyList<RemoteFile> files, string algorithm, bool check, Tally tally)
    {
        var results = new FileSnapshot[files.Count];
        var onHost = new List<int>();
        var streamed = new List<int>();
        var cache = algorithm.Length > 0 ? _cache() : null;
        for (var i = 0; i < files.Count; i++)
        {
            var f = files[i];
            var kind = FileKind.FromFileName(f.Relative);
            if (cache is not null && cache.TryGet(host.Session.CacheKey + f.Path, algorithm, f.Stamp, check, out var cached) && cached.Format == kind.Name)
            {
                _progress.AddBytes(f.Stamp.Size);
                _progress.FileDone();
                tally.FromCache++;
                results[i] = new FileSnapshot(new FileEntry(f.Relative, f.Stamp.Size, cached.Hash, cached.Format, cached.Samples, cached.Fields),
                    check ? cached.Problems : [], check ? cached.ProblemCount : 0, FromCache: true, BytesRead: 0);
            }
            else if (_method == RemoteHashMethod.Stream || check || algorithm.Length == 0 || kind.Gzip
                || kind.Format is DatasetFormat.Csv or DatasetFormat.Tsv or DatasetFormat.Json)
            {
                streamed.Add(i); // the host cannot count these formats (or --check them): their bytes are read here
            }
            else if (_method == RemoteHashMethod.Auto && f.Stamp.Size < SmallFile)
            {
                streamed.Add(i); // reading it costs no more than the head read that hashing on the host needs, and no remote process
            }
            else
            {
                onHost.Add(i);
            }
        }

        if (onHost.Count > 0 && host.HasTools != false)
        {
            onHost = HashOnHost(host, location, files, onHost, algorithm, results, tally);
        }

        if (onHost.Count > 0)
        {
            if (_method == RemoteHashMethod.Remote)
            {
                throw new UserErrorException(
                    $"{location.Authority}: the host has no sha256sum or shasum (or no grep) to hash with; nothing was recorded",
                    "give --hash-on stream (or auto) to read the bytes over SFTP and hash them here");
            }

            streamed.AddRange(onHost);
        }

        var overlap = streamed.Count == 1 && _parallelism > 1;
        try
        {
            Parallel.ForEach(streamed.OrderByDescending(i => files[i].Stamp.Size), new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, i =>
                results[i] = Stream(host, location, files[i], algorithm, check, overlap));
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        tally.Streamed += streamed.Count;
        return results;
    }

    /// <summary>
    /// Hashes the files <paramref name="indexes"/> on the host, one script per <see cref="ScriptChunk"/> files; returns
    /// the ones left to stream (all of them when the host turns out to lack the tools).
    /// </summary>
    private List<int> HashOnHost(Host host, RemoteLocation location, IReadOnlyList<RemoteFile> files, List<int> indexes, string algorithm,
        FileSnapshot[] results, Tally tally)
    {
        for (var start = 0; start < indexes.Count; start += ScriptChunk)
        {
            var chunk = indexes.Skip(start).Take(ScriptChunk).ToArray();
            var readStart = _clock.GetUtcNow();
            var requests = chunk.Select(i => new RemoteHashRequest(files[i].Path, FileKind.FromFileName(files[i].Relative).Format == DatasetFormat.JsonLines,
                files[i].Stamp.Size)).ToArray();
            var run = host.Session.Run(RemoteHashScript.Build(requests, algorithm));
            tally.CommandsRun++;
            if (run.ExitCode != 0)
            {
                var last = run.Error.Trim().Split('\n')[^1];
                throw new UserErrorException($"{location.Authority}: the remote hashing script (sh -s) failed (exit {run.ExitCode}){(last.Length > 0 ? ": " + last : "")}; nothing was recorded",
                    "give --hash-on stream to read the bytes over SFTP instead");
            }

            var output = RemoteHashScript.Parse(run.Output, requests.Length, location.Authority);
            if (output.NoTool)
            {
                host.HasTools = false;
                return [.. indexes.Skip(start)];
            }

            host.HasTools = true;
            host.Tool = output.Tool;
            var hashed = output.Files;
            try
            {
                Parallel.For(0, chunk.Length, new ParallelOptions { MaxDegreeOfParallelism = _parallelism }, k =>
                    results[chunk[k]] = FinishOnHost(host, location, files[chunk[k]], hashed[k], algorithm, readStart));
            }
            catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
            {
                ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
            }

            tally.HashedOnHost += chunk.Length;
        }

        return [];
    }

    /// <summary>A file the host hashed: its samples and fields (a JSON Lines head, a Parquet footer), checked unchanged since it was listed.</summary>
    private FileSnapshot FinishOnHost(Host host, RemoteLocation location, RemoteFile f, RemoteHashResult hashed, string algorithm, DateTimeOffset readStart)
    {
        var url = location.WithPath(f.Path).Display;
        if (hashed.Hash is not { } hash)
        {
            throw new UserErrorException(hashed.Error ?? "could not be read on the host") { FilePath = url };
        }

        var kind = FileKind.FromFileName(f.Relative);
        var sftp = host.Session.Sftp;
        SampleCount count;
        long bytesRead = 0;
        try
        {
            switch (kind.Format)
            {
                case DatasetFormat.JsonLines:
                    using (var file = sftp.OpenRead(f.Path))
                    using (var head = new RangedStream(file))
                    {
                        var first = new byte[4];
                        var n = file.ReadAt(0, first);
                        FileReader.Sniff(first.AsSpan(0, n), kind);
                        var read = RemoteCount.ReadHead(head);
                        count = RemoteCount.Count(hashed.Lines ?? 0, read);
                        bytesRead = n + head.BytesRead;
                    }

                    break;
                case DatasetFormat.Parquet:
                    using (var file = sftp.OpenRead(f.Path))
                    using (var footer = new RangedStream(file))
                    {
                        count = ParquetFooter.Read(footer);
                        bytesRead = footer.BytesRead;
                    }

                    break;
                default:
                    count = SampleCount.None;
                    break;
            }
        }
        catch (UserErrorException ex) when (ex.FilePath is null)
        {
            throw new UserErrorException(ex.Message, ex.Hint, ex) { FilePath = url };
        }

        Unchanged(sftp, f, url, f.Stamp.Size);
        _cache().Put(host.Session.CacheKey + f.Path, algorithm, f.Stamp,
            new CachedFile(kind.Name, hash, count.Samples, count.Fields, false, count.Problems, count.ProblemCount), readStart);
        _progress.AddBytes(f.Stamp.Size);
        _progress.FileDone();
        return new FileSnapshot(new FileEntry(f.Relative, f.Stamp.Size, hash, kind.Name, count.Samples, count.Fields), [], 0, FromCache: false, bytesRead);
    }

    /// <summary>A file read over SFTP into <see cref="FileReader"/>: exactly what a local read of the same bytes gives.</summary>
    private FileSnapshot Stream(Host host, RemoteLocation location, RemoteFile f, string algorithm, bool check, bool overlap)
    {
        var url = location.WithPath(f.Path).Display;
        var kind = FileKind.FromFileName(f.Relative);
        var sftp = host.Session.Sftp;
        var readStart = _clock.GetUtcNow();
        FileContent content;
        try
        {
            using var file = sftp.OpenRead(f.Path);
            using var stream = file.OpenSequential();
            content = FileReader.Read(stream, f.Stamp.Size, kind, algorithm, check, overlap, _progress, () => new RangedStream(file));
        }
        catch (UserErrorException ex) when (check)
        {
            // As locally: with --check a file that cannot be read is a problem of that file, not the end of the run.
            _progress.FileDone();
            var problem = new LineProblem(0, ex.Hint is { } hint ? $"{ex.Message} ({hint})" : ex.Message);
            return new FileSnapshot(new FileEntry(f.Relative, f.Stamp.Size, "", kind.Name, null, []), [problem], 1, FromCache: false, BytesRead: 0) { Unreadable = true };
        }
        catch (UserErrorException ex) when (ex.FilePath is null)
        {
            throw new UserErrorException(ex.Message, ex.Hint, ex) { FilePath = url };
        }

        Unchanged(sftp, f, url, content.Size);
        var count = content.Count;
        if (algorithm.Length > 0)
        {
            _cache().Put(host.Session.CacheKey + f.Path, algorithm, f.Stamp,
                new CachedFile(kind.Name, content.Hash, count.Samples, count.Fields, check, count.Problems, count.ProblemCount), readStart);
        }

        _progress.FileDone();
        return new FileSnapshot(new FileEntry(f.Relative, content.Size, content.Hash, kind.Name, count.Samples, count.Fields),
            count.Problems, count.ProblemCount, FromCache: false, content.BytesRead);
    }

    /// <summary>Re-stats a file after reading it: one that changed while it was read is an error, as for a local file.</summary>
    private static void Unchanged(SftpClient sftp, RemoteFile f, string url, long sizeRead)
    {
        var now = sftp.TryStat(f.Path) is { } a ? RemoteWalk.Stamp(a) : (FileStamp?)null;
        if (now != f.Stamp || sizeRead != f.Stamp.Size)
        {
            throw new IOException($"{url} changed while it was being read; snapshot it again when it is complete");
        }
    }

    /// <summary>A remote file as a seekable stream of ranged reads, counting the bytes it reads: a head read or a Parquet footer.</summary>
    private sealed class RangedStream(SftpFile file) : System.IO.Stream
    {
        private long _position;

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => file.Length;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = file.ReadAt(_position, buffer);
            _position += n;
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => file.Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
