using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Datasets;

public enum TransferDirection
{
    Fetch,
    Push,
}

/// <summary>One file (or link) of a transfer: its path in the dataset, its size, and where an earlier run had left it (0: from the start).</summary>
public sealed record TransferredFile(string Path, long Size, long ResumedAt, bool IsLink)
{
    public long Transferred => Size - ResumedAt;
}

/// <summary>
/// A dataset version copied between hosts and verified: <see cref="LocalPath"/> is the full local path (the target of a
/// fetch, the source of a push), <see cref="RemoteUrl"/> the remote one, <see cref="Verification"/> how the copy was checked.
/// </summary>
public sealed record DatasetTransferResult(
    TransferDirection Direction,
    DatasetVersion Version,
    string LocalPath,
    string RemoteUrl,
    IReadOnlyList<TransferredFile> Files,
    string Verification)
{
    public long Bytes => Files.Sum(f => f.Size);

    public long BytesTransferred => Files.Sum(f => f.Transferred);

    /// <summary>Files that an earlier, interrupted run had started.</summary>
    public IReadOnlyList<TransferredFile> Resumed => [.. Files.Where(f => f.ResumedAt > 0)];
}

/// <summary>
/// Copies recorded dataset versions over SFTP (<c>data fetch</c>, <c>data push</c>): every file is written to a temporary
/// name beside the target (<c>.NAME.trainplat-partial</c>, a file or a folder), hashed, and the whole renamed into place
/// only when every file's hash and the tree hash match the recorded version. A partial file left by an interrupted run
/// is continued at its length, never started again; a mismatch removes the temporary files and leaves nothing behind.
/// </summary>
public sealed class DatasetTransfer(SshOptions ssh, long? bytesPerSecond = null)
{
    /// <summary>The end of a temporary name: <c>.NAME.trainplat-partial</c>.</summary>
    public const string PartialSuffix = ".trainplat-partial";

    private const string MarkerSuffix = ".version";

    public SnapshotProgress Progress { get; } = new();

    /// <summary>The temporary name a transfer to <paramref name="name"/> writes first.</summary>
    public static string PartialName(string name) => "." + name + PartialSuffix;

    /// <summary>
    /// The version a fetch copies: for <c>NAME[@HASH]</c> that version; for a remote path (<c>ssh://…</c>, scp style) the
    /// newest version recorded from it. The version must have been recorded from a remote path.
    /// </summary>
    public static DatasetVersion SourceVersion(DatasetCatalog catalog, string source, string? resolvedUrl = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(source);
        if (catalog.ReadsAsRemote(source))
        {
            var given = RemoteLocation.Parse(resolvedUrl ?? source);
            return catalog.Store.List(null).Where(v => RemoteOf(v) is { } l && SamePlace(l, given)).MaxBy(v => v.Created)
                ?? throw new UserErrorException($"{given.Display}: no version of it is recorded, so there is nothing to fetch and check it against",
                    $"record it first: trainplat data snapshot {given.Display}");
        }

        var version = catalog.Resolve(source);
        if (RemoteOf(version) is null)
        {
            throw new UserErrorException($"{version.Id} was recorded from the local path {version.Path}, not from a remote host",
                $"data fetch copies versions recorded from ssh:// paths; this one is on this machine already (see 'trainplat data show {version.Id}')");
        }

        return version;
    }

    /// <summary>
    /// The name and algorithm a push records <paramref name="fullPath"/> under: those of the newest version recorded from it,
    /// else its default name (as <c>data snapshot</c> gives) and sha256.
    /// </summary>
    public static (string Name, string Algorithm) PushIdentity(DatasetCatalog catalog, string fullPath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var stored = catalog.StoredPath(fullPath);
        var newest = catalog.Store.Summaries(null).Where(v => v.Path == stored).MaxBy(v => v.Created);
        return newest is null ? (catalog.DefaultName(fullPath), SnapshotAlgorithms.Sha256) : (newest.Name, newest.Algorithm);
    }

    /// <summary>
    /// Copies <paramref name="source"/> (see <see cref="SourceVersion"/>) into <paramref name="destinationFolder"/> (made if
    /// missing) as <c>DESTINATION/BASENAME</c>, verified against the recorded version.
    /// </summary>
    public DatasetTransferResult Fetch(DatasetCatalog catalog, string source, string destinationFolder)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(source);
        SshSession? session = null;
        try
        {
            var remoteSource = catalog.ReadsAsRemote(source);
            if (remoteSource && RemoteLocation.Parse(source).IsRelative)
            {
                session = SshSession.Open(RemoteLocation.Parse(source), ssh); // the login folder, to find the versions recorded from it
            }

            var version = SourceVersion(catalog, source, session?.Location.Display);
            var location = session?.Location ?? (remoteSource ? RemoteLocation.Parse(source) : RemoteOf(version)!);
            var name = BaseName(location.Path) ?? throw new UserErrorException($"{location.Display}: no file or folder name to fetch it as",
                "fetch a file or folder below the root");
            if (FileSystemEntry.TargetOf(destinationFolder) is not (EntryKind.Missing or EntryKind.Directory))
            {
                throw new UserErrorException("the destination is not a folder", "give a folder (it is made if missing); the dataset is written inside it")
                {
                    FilePath = destinationFolder,
                };
            }

            var target = Path.Combine(destinationFolder, name);
            RefuseExisting(target);
            session ??= SshSession.Open(location, ssh);
            var created = !Directory.Exists(destinationFolder);
            Directory.CreateDirectory(destinationFolder);
            return FetchInto(session, version, target, created);
        }
        finally
        {
            session?.Dispose();
        }
    }

    /// <summary>
    /// Copies <paramref name="localPath"/>, just recorded as <paramref name="version"/> with <paramref name="manifest"/>
    /// (a folder's entries; empty for a file), to <paramref name="destination"/>: <c>ssh://HOST/DIR/NAME</c>, or inside
    /// <c>DIR</c> under the local name when the URL ends with '/' or names an existing folder.
    /// </summary>
    public DatasetTransferResult Push(DatasetVersion version, IReadOnlyList<FileEntry> manifest, string localPath, string destination)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(destination);
        var given = RemoteLocation.Parse(destination);
        using var session = SshSession.Open(given, ssh);
        var sftp = session.Sftp;
        var path = session.Location.Path;
        var localName = Path.GetFileName(Path.TrimEndingDirectorySeparator(localPath));
        var stat = sftp.TryStat(path);
        string folder;
        string name;
        if (destination.EndsWith('/') || stat is { IsDirectory: true })
        {
            if (stat is not { IsDirectory: true })
            {
                throw new UserErrorException($"{session.Location.Display}: {(stat is null ? "no such folder" : "not a folder")} on the host",
                    $"create it first (ssh {given.Authority} mkdir -p {ShellQuote.Quote(path)}), or name the target without a trailing '/'");
            }

            folder = path.Length > 1 ? path.TrimEnd('/') : path;
            name = localName;
        }
        else
        {
            var slash = path.LastIndexOf('/');
            folder = slash <= 0 ? "/" : path[..slash];
            name = path[(slash + 1)..];
            if (sftp.TryStat(folder) is not { IsDirectory: true })
            {
                throw new UserErrorException($"{session.Location.WithPath(folder).Display}: no such folder on the host",
                    $"create it first: ssh {given.Authority} mkdir -p {ShellQuote.Quote(folder)}");
            }
        }

        var target = Join(folder, name);
        var targetUrl = session.Location.WithPath(target).Display;
        if (sftp.TryLStat(target) is not null)
        {
            throw new UserErrorException($"{targetUrl} already exists on the host; nothing was replaced",
                "push under another name (ssh://HOST/DIR/NEWNAME), or remove it on the host first");
        }

        var partial = Join(folder, PartialName(name));
        var items = Items(version, manifest, localPath, partial, Join);
        Progress.AddPlanned(items.Files.Count, items.Files.Sum(f => f.Size));
        var rate = new TransferRate(bytesPerSecond);
        var files = new List<TransferredFile>();
        string verification;
        try
        {
            PrepareRemotePartial(sftp, partial, version);
            MakeRemoteFolders(sftp, partial, version.IsFolder, items.Files.Select(f => f.Remote).Concat(items.Links.Select(l => l.Remote)));
            foreach (var item in items.Files)
            {
                files.Add(Upload(sftp, item, rate));
            }

            MakeRemoteLinks(session, items.Links);
            files.AddRange(items.Links.Select(l => new TransferredFile(l.Relative, 0, 0, IsLink: true)));
            verification = VerifyOnHost(session, version, items, target);
        }
        catch (Exception ex) when (IsConnectionLost(ex))
        {
            throw Lost(ex, given, $"the bytes sent so far are kept on the host in {partial}");
        }
        catch (ContentMismatchException mismatch)
        {
            RemoveRemote(sftp, partial);
            RemoveRemote(sftp, partial + MarkerSuffix);
            throw mismatch.Error($"nothing was left on the host at {targetUrl}",
                "the local copy changed while it was being sent, or the host's disk altered it; run the same command again (it snapshots PATH anew)");
        }

        if (sftp.TryLStat(target) is not null)
        {
            throw new UserErrorException($"{targetUrl} appeared on the host during the transfer; nothing was replaced",
                $"the verified copy is kept as {partial}; rename it on the host, or remove {target} and run the same command again");
        }

        sftp.Rename(partial, target);
        RemoveRemote(sftp, partial + MarkerSuffix);
        files.Sort((a, b) => TreeManifest.Compare(a.Path, b.Path));
        return new DatasetTransferResult(TransferDirection.Push, version, localPath, targetUrl, files, verification);
    }

    private DatasetTransferResult FetchInto(SshSession session, DatasetVersion version, string target, bool createdFolder)
    {
        var folder = Path.GetDirectoryName(target)!;
        var name = Path.GetFileName(target);
        var partial = Path.Combine(folder, PartialName(name));
        var marker = partial + MarkerSuffix;
        var root = session.Location.Path;
        var plan = Items(version, version.Files, root, partial, (dir, relative) => Path.Combine(dir, relative), remoteIsSource: true);
        var items = plan with { Files = [.. plan.Files.Select(f => f with { RemoteUrl = session.Location.WithPath(f.Remote).Display })] };
        Progress.AddPlanned(items.Files.Count, items.Files.Sum(f => f.Size));
        PrepareLocalPartial(partial, marker, version);
        if (version.IsFolder)
        {
            Directory.CreateDirectory(partial); // an empty folder is a version too
        }

        var rate = new TransferRate(bytesPerSecond);
        var files = new List<TransferredFile>();
        try
        {
            var received = new List<FileEntry>();
            foreach (var item in items.Files)
            {
                var (file, hash) = Download(session.Sftp, version.Algorithm, item, rate);
                files.Add(file);
                received.Add(new FileEntry(item.Relative, item.Size, hash, "", null, []));
            }

            foreach (var link in items.Links)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(link.Local)!);
                if (FileSystemEntry.Of(link.Local) != EntryKind.Missing)
                {
                    File.Delete(link.Local);
                }

                File.CreateSymbolicLink(link.Local, link.Target);
                files.Add(new TransferredFile(link.Relative, 0, 0, IsLink: true));
                received.Add(FileEntry.Link(link.Relative, link.Target));
            }

            if (version.IsFolder && TreeManifest.Hash(version.Algorithm, received) is var tree && tree != version.Hash)
            {
                throw new ContentMismatchException(session.Location.Display, "tree hash", version, tree);
            }
        }
        catch (Exception ex) when (IsConnectionLost(ex))
        {
            throw Lost(ex, session.Location, $"the bytes received so far are kept in {partial}");
        }
        catch (ContentMismatchException mismatch)
        {
            RemoveLocal(partial);
            RemoveLocal(marker);
            if (createdFolder && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }

            throw mismatch.Error($"nothing was written to {target}",
                $"the data changed on the host after {version.Id} was recorded: record it again ('trainplat data snapshot {version.Path}') and fetch that version");
        }

        RefuseExisting(target);
        if (version.IsFolder)
        {
            Directory.Move(partial, target);
        }
        else
        {
            File.Move(partial, target, overwrite: false);
        }

        File.Delete(marker);
        files.Sort((a, b) => TreeManifest.Compare(a.Path, b.Path));
        return new DatasetTransferResult(TransferDirection.Fetch, version, target, session.Location.Display, files,
            version.IsFolder ? "every file's hash and the tree hash match the recorded version" : "the hash matches the recorded version");
    }

    private (TransferredFile File, string Hash) Download(SftpClient sftp, string algorithm, TransferItem item, TransferRate rate)
    {
        using var hash = SnapshotAlgorithms.Create(algorithm);
        Directory.CreateDirectory(Path.GetDirectoryName(item.Local)!);
        long have = 0;
        var kind = FileSystemEntry.Of(item.Local);
        if (kind == EntryKind.Regular && new FileInfo(item.Local).Length <= item.Size)
        {
            have = HashLocal(item.Local, hash);
            Progress.AddBytes(have);
        }
        else if (kind != EntryKind.Missing)
        {
            RemoveLocal(item.Local); // longer than the recorded file, or not a file: not a beginning of it
        }

        var resumedAt = have;
        if (have < item.Size || kind != EntryKind.Regular)
        {
            var attributes = sftp.TryStat(item.Remote);
            if (attributes is not { IsRegular: true, Size: { } size })
            {
                throw new ContentMismatchException(item.RemoteUrl, attributes is null ? "no such file on the host any more" : "not a regular file on the host any more", item);
            }

            if (size != item.Size)
            {
                throw new ContentMismatchException(item.RemoteUrl, $"{size} bytes on the host, {item.Size} recorded", item);
            }

            using var remote = sftp.OpenRead(item.Remote);
            using var output = new FileStream(item.Local, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
            // Without a limit, many READs in flight; with one, a chunk at a time, so that no read-ahead outruns the limit.
            using var input = bytesPerSecond is null ? remote.OpenSequential(have) : null;
            var buffer = new byte[rate.ChunkSize];
            while (have < item.Size)
            {
                var want = (int)Math.Min(buffer.Length, item.Size - have);
                var n = input is null ? remote.ReadAt(have, buffer.AsSpan(0, want)) : input.Read(buffer, 0, want);
                if (n == 0)
                {
                    break;
                }

                output.Write(buffer, 0, n);
                hash.AppendData(buffer, 0, n);
                have += n;
                Progress.AddBytes(n);
                rate.Moved(n);
            }

            output.Flush(flushToDisk: true);
            if (have != item.Size)
            {
                throw new ContentMismatchException(item.RemoteUrl, $"{have} bytes on the host, {item.Size} recorded", item);
            }
        }

        Progress.FileDone();
        var received = SnapshotAlgorithms.Hex(hash);
        return received == item.Hash
            ? (new TransferredFile(item.Relative, item.Size, resumedAt, IsLink: false), received)
            : throw new ContentMismatchException(item.RemoteUrl, item.Hash, received);
    }

    private TransferredFile Upload(SftpClient sftp, TransferItem item, TransferRate rate)
    {
        var existing = sftp.TryLStat(item.Remote);
        long have = 0;
        if (existing is { IsRegular: true, Size: { } size } && size <= item.Size)
        {
            have = size;
        }
        else if (existing is not null)
        {
            RemoveRemote(sftp, item.Remote); // longer than the file, or not a file: not a beginning of it
        }

        var resumedAt = have;
        if (have < item.Size || existing is null)
        {
            using var input = new FileStream(item.Local, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
            input.Position = have;
            Progress.AddBytes(have);
            using var remote = sftp.OpenWrite(item.Remote, truncate: have == 0);
            var buffer = new byte[rate.ChunkSize];
            while (have < item.Size)
            {
                var n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, item.Size - have));
                if (n == 0)
                {
                    break; // the local file shrank: the check on the host finds it
                }

                remote.WriteAt(have, buffer.AsSpan(0, n));
                have += n;
                Progress.AddBytes(n);
                rate.Moved(n);
            }

            remote.Flush();
        }
        else
        {
            Progress.AddBytes(have);
        }

        Progress.FileDone();
        return new TransferredFile(item.Relative, item.Size, resumedAt, IsLink: false);
    }

    /// <summary>Hashes the uploaded files on the host (no bytes cross the network) when it has the tools, else reads them back.</summary>
    private static string VerifyOnHost(SshSession session, DatasetVersion version, TransferPlan items, string target)
    {
        var hashes = new string?[items.Files.Count];
        string? tool = null;
        if (items.Files.Count > 0)
        {
            var requests = items.Files.Select(f => new RemoteHashRequest(f.Remote, CountLines: false, f.Size)).ToArray();
            var run = session.Run(RemoteHashScript.Build(requests, version.Algorithm));
            RemoteHashOutput? output = null;
            if (run.ExitCode == 0)
            {
                try
                {
                    output = RemoteHashScript.Parse(run.Output, requests.Length, session.Location.Authority);
                }
                catch (UserErrorException)
                {
                    output = null; // a host whose sh or tools misbehave: read the bytes back instead
                }
            }

            if (output is { NoTool: false } o)
            {
                tool = o.Tool;
                for (var i = 0; i < hashes.Length; i++)
                {
                    hashes[i] = o.Files[i].Hash;
                }
            }
        }

        var readBack = false;
        for (var i = 0; i < hashes.Length; i++)
        {
            if (hashes[i] is null)
            {
                hashes[i] = ReadBack(session.Sftp, items.Files[i], version.Algorithm);
                readBack = true;
            }
        }

        var entries = new List<FileEntry>();
        for (var i = 0; i < hashes.Length; i++)
        {
            var item = items.Files[i];
            if (hashes[i] != item.Hash)
            {
                var url = session.Location.WithPath(version.IsFolder ? Join(target, item.Relative) : target).Display;
                throw new ContentMismatchException(url, item.Hash, hashes[i]!);
            }

            entries.Add(new FileEntry(item.Relative, item.Size, hashes[i]!, "", null, []));
        }

        foreach (var link in items.Links)
        {
            entries.Add(FileEntry.Link(link.Relative, session.Sftp.ReadLink(link.Remote)));
        }

        if (version.IsFolder && TreeManifest.Hash(version.Algorithm, entries) is var tree && tree != version.Hash)
        {
            throw new ContentMismatchException(session.Location.WithPath(target).Display, "tree hash", version, tree);
        }

        return tool is not null && !readBack
            ? $"hashed on the host ({tool}): matches the recorded version"
            : "read back over SFTP and hashed here: matches the recorded version";
    }

    private static string ReadBack(SftpClient sftp, TransferItem item, string algorithm)
    {
        using var hash = SnapshotAlgorithms.Create(algorithm);
        using var file = sftp.OpenRead(item.Remote);
        using var input = file.OpenSequential();
        var buffer = new byte[256 * 1024];
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }

        return SnapshotAlgorithms.Hex(hash);
    }

    private static long HashLocal(string path, System.Security.Cryptography.IncrementalHash hash)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var buffer = new byte[1 << 20];
        long total = 0;
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }

        return total;
    }

    /// <summary>
    /// The files and links to copy, with their source and temporary paths; a manifest path that could leave the
    /// dataset's folder (absolute, <c>..</c>, empty parts) is refused.
    /// </summary>
    private static TransferPlan Items(DatasetVersion version, IReadOnlyList<FileEntry> manifest, string sourceRoot, string partial,
        Func<string, string, string> joinTemporary, bool remoteIsSource = false)
    {
        string Remote(string sourcePath, string temporaryPath) => remoteIsSource ? sourcePath : temporaryPath;
        string Local(string sourcePath, string temporaryPath) => remoteIsSource ? temporaryPath : sourcePath;
        if (!version.IsFolder)
        {
            var item = new TransferItem(BaseName(sourceRoot) ?? sourceRoot, Remote(sourceRoot, partial), Local(sourceRoot, partial), version.Size, version.Hash);
            return new TransferPlan([item], []);
        }

        var files = new List<TransferItem>();
        var links = new List<TransferLink>();
        foreach (var entry in TreeManifest.Sort(manifest))
        {
            var parts = entry.Path.Split('/');
            if (entry.Path.Length == 0 || parts.Any(p => p is "" or "." or ".." || p.Contains('\0', StringComparison.Ordinal)))
            {
                throw new UserErrorException($"{version.Id}: the recorded file path '{entry.Path}' leads outside the dataset's folder; nothing was copied",
                    "the recorded version is damaged; snapshot the dataset again");
            }

            var source = remoteIsSource ? Join(sourceRoot, entry.Path) : Path.Combine(sourceRoot, Path.Combine(parts));
            var temporary = remoteIsSource ? joinTemporary(partial, Path.Combine(parts)) : joinTemporary(partial, entry.Path);
            if (entry.LinkTarget is { } target)
            {
                links.Add(new TransferLink(entry.Path, Remote(source, temporary), Local(source, temporary), target));
            }
            else
            {
                files.Add(new TransferItem(entry.Path, Remote(source, temporary), Local(source, temporary), entry.Size, entry.Hash));
            }
        }

        return new TransferPlan(files, links);
    }

    /// <summary>A temporary copy from an earlier run is continued only when it was of the same version; else it is removed first.</summary>
    private static void PrepareLocalPartial(string partial, string marker, DatasetVersion version)
    {
        var expected = MarkerText(version);
        var kind = FileSystemEntry.Of(partial);
        var same = File.Exists(marker) && File.ReadAllText(marker) == expected
            && kind == (version.IsFolder ? EntryKind.Directory : EntryKind.Regular);
        if (!same)
        {
            RemoveLocal(partial);
            File.WriteAllText(marker, expected);
        }
    }

    private static void PrepareRemotePartial(SftpClient sftp, string partial, DatasetVersion version)
    {
        var marker = partial + MarkerSuffix;
        var expected = Encoding.UTF8.GetBytes(MarkerText(version));
        var attributes = sftp.TryLStat(partial);
        var same = false;
        if (sftp.TryStat(marker) is { IsRegular: true, Size: { } size } && size == expected.Length
            && (version.IsFolder ? attributes is { IsDirectory: true } : attributes is { IsRegular: true }))
        {
            using var file = sftp.OpenRead(marker);
            var buffer = new byte[expected.Length];
            var n = file.ReadAt(0, buffer);
            same = n == expected.Length && buffer.AsSpan().SequenceEqual(expected);
        }

        if (!same)
        {
            RemoveRemote(sftp, partial);
            using var file = sftp.OpenWrite(marker, truncate: true);
            file.WriteAt(0, expected);
            file.Flush();
        }
    }

    private static string MarkerText(DatasetVersion version) => $"{version.Algorithm} {version.Hash} {(version.IsFolder ? "folder" : "file")}\n";

    private static void MakeRemoteFolders(SftpClient sftp, string partial, bool isFolder, IEnumerable<string> paths)
    {
        if (!isFolder)
        {
            return;
        }

        var folders = new SortedSet<string>(StringComparer.Ordinal) { partial };
        foreach (var path in paths)
        {
            for (var slash = path.LastIndexOf('/'); slash > partial.Length; slash = path.LastIndexOf('/', slash - 1))
            {
                if (!folders.Add(path[..slash]))
                {
                    break;
                }
            }
        }

        foreach (var folder in folders.OrderBy(f => f.Length))
        {
            if (sftp.TryStat(folder) is not { IsDirectory: true })
            {
                sftp.MakeDirectory(folder);
            }
        }
    }

    private static void MakeRemoteLinks(SshSession session, IReadOnlyList<TransferLink> links)
    {
        if (links.Count == 0)
        {
            return;
        }

        // SFTP v3's SYMLINK swaps its arguments on OpenSSH; ln through sh -s, every word quoted, is unambiguous.
        var script = new StringBuilder("set -e\n");
        foreach (var link in links)
        {
            script.Append("rm -f -- ").Append(ShellQuote.Quote(link.Remote)).Append('\n');
            script.Append("ln -s -- ").Append(ShellQuote.Quote(link.Target)).Append(' ').Append(ShellQuote.Quote(link.Remote)).Append('\n');
        }

        var run = session.Run(script.ToString());
        if (run.ExitCode != 0)
        {
            throw new UserErrorException($"{session.Location.Authority}: could not make {links.Count} link(s) on the host: {run.Error.Trim()}",
                "check that the login may write in the target folder");
        }
    }

    private static void RemoveLocal(string path)
    {
        switch (FileSystemEntry.Of(path))
        {
            case EntryKind.Missing:
                return;
            case EntryKind.Directory:
                Directory.Delete(path, recursive: true);
                return;
            default:
                File.Delete(path);
                return;
        }
    }

    private static void RemoveRemote(SftpClient sftp, string path)
    {
        var attributes = sftp.TryLStat(path);
        if (attributes is null)
        {
            return;
        }

        if (attributes.Value.IsDirectory)
        {
            foreach (var entry in sftp.ReadDirectory(path))
            {
                RemoveRemote(sftp, Join(path, entry.Name));
            }

            sftp.RemoveDirectory(path);
        }
        else
        {
            sftp.Remove(path);
        }
    }

    private static void RefuseExisting(string target)
    {
        if (FileSystemEntry.Of(target) != EntryKind.Missing)
        {
            throw new UserErrorException("already exists; nothing was replaced", "fetch into another folder, or move it away first")
            {
                FilePath = target,
            };
        }
    }

    private static bool IsConnectionLost(Exception ex) =>
        ex is SftpConnectionLostException || (ex is UserErrorException u && u.Message.Contains(": connection lost ", StringComparison.Ordinal));

    private static UserErrorException Lost(Exception ex, RemoteLocation where, string kept) =>
        new(ex is UserErrorException ? ex.Message : $"{where.Authority}: connection lost ({ex.Message})", $"run the same command again to resume: {kept}", ex)
        {
            IsFinding = true,
        };

    private static RemoteLocation? RemoteOf(DatasetVersion version)
    {
        if (!RemoteLocation.IsRemote(version.Path))
        {
            return null;
        }

        try
        {
            return RemoteLocation.Parse(version.Path);
        }
        catch (UserErrorException)
        {
            return null;
        }
    }

    private static bool SamePlace(RemoteLocation a, RemoteLocation b) =>
        string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase)
        && (a.Port ?? 22) == (b.Port ?? 22)
        && (a.User is null || b.User is null || a.User == b.User)
        && Trimmed(a.Path) == Trimmed(b.Path);

    private static string Trimmed(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    private static string? BaseName(string path)
    {
        var trimmed = Trimmed(path);
        var name = trimmed[(trimmed.LastIndexOf('/') + 1)..];
        return name is "" or "~" or "." or ".." ? null : name;
    }

    private static string Join(string folder, string name) => folder.EndsWith('/') ? folder + name : folder + "/" + name;

    /// <summary>A file to copy: its path in the dataset, where it is read from and written to, and what was recorded.</summary>
    private sealed record TransferItem(string Relative, string Remote, string Local, long Size, string Hash)
    {
        /// <summary>The remote file's URL, for messages (a fetch's source).</summary>
        public string RemoteUrl { get; init; } = "";
    }

    private sealed record TransferLink(string Relative, string Remote, string Local, string Target);

    private sealed record TransferPlan(IReadOnlyList<TransferItem> Files, IReadOnlyList<TransferLink> Links);

    /// <summary>Bytes that do not match the recorded version: the temporary copy is removed, then <see cref="Error"/> is thrown.</summary>
    private sealed class ContentMismatchException : Exception
    {
        private readonly string _what;

        public ContentMismatchException(string where, string recorded, string received)
            : base(where)
        {
            _what = $"{where}: the bytes do not match the recorded version: hash {received} received, {recorded} recorded";
        }

        public ContentMismatchException(string where, string tree, DatasetVersion version, string received)
            : base(where)
        {
            _what = $"{where}: the {tree} does not match {version.Id}: recorded {version.Hash}, received {received}";
        }

        public ContentMismatchException(string where, string why, TransferItem item)
            : base(where)
        {
            _what = $"{where}: {why}, so it cannot match the recorded version (hash {item.Hash})";
        }

        public UserErrorException Error(string nothingLeft, string hint) => new($"{_what}; {nothingLeft}", hint)
        {
            IsFinding = true,
        };
    }
}
