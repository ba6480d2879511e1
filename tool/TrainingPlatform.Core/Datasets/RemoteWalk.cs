using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;
using EntryKind = TrainingPlatform.Core.Text.EntryKind;

namespace TrainingPlatform.Core.Datasets;

/// <summary>A regular file of a remote dataset folder: its absolute path on the host, its path relative to the folder, its stamp.</summary>
internal readonly record struct RemoteFile(string Path, string Relative, FileStamp Stamp);

/// <summary>
/// The entries of a dataset folder on another host, listed with SFTP READDIR under exactly <see cref="DatasetWalk"/>'s
/// policy: names starting with '.' skipped; only regular files read; a link to a folder recorded with its READLINK text
/// and not followed; a link to a regular file inside the folder read through the link; a link leading outside is a
/// problem unless <c>followExternal</c>; FIFOs, devices, sockets, dangling links, link loops and names that are not UTF-8
/// are problems naming each entry (by its <c>ssh://</c> URL).
/// </summary>
internal sealed class RemoteWalk
{
    private readonly SftpClient _sftp;
    private readonly RemoteLocation _location;
    private readonly string _root;
    private readonly string _realRoot;
    private readonly bool _followExternal;

    private RemoteWalk(SftpClient sftp, RemoteLocation location, string root, bool followExternal)
    {
        _sftp = sftp;
        _location = location;
        _root = root;
        _followExternal = followExternal;
        _realRoot = sftp.RealPath(root);
    }

    public List<RemoteFile> Files { get; } = [];

    public List<WalkedLink> Links { get; } = [];

    public List<WalkProblem> Problems { get; } = [];

    /// <summary>Walks the folder <paramref name="root"/> (absolute) on the host of <paramref name="location"/>.</summary>
    public static RemoteWalk Of(SftpClient sftp, RemoteLocation location, string root, bool followExternal)
    {
        var walk = new RemoteWalk(sftp, location, root, followExternal);
        walk.Walk(root, "");
        return walk;
    }

    /// <summary>The stamp the stat cache compares for a remote file: size and mtime (SFTP v3 has whole seconds).</summary>
    public static FileStamp Stamp(SftpAttributes attributes) =>
        new(attributes.Size ?? 0, (attributes.ModifiedSeconds ?? 0) * 1_000_000_000L, null, null, null);

    /// <summary>What an entry is, from the file-type bits of its permissions.</summary>
    public static EntryKind KindOf(SftpAttributes attributes) => Text.FileSystemEntry.KindOfMode(attributes.Permissions ?? 0);

    private string Url(string path) => _location.WithPath(path).Display;

    private void Walk(string folder, string prefix)
    {
        var subfolders = new List<(string Full, string Relative)>();
        foreach (var entry in _sftp.ReadDirectory(folder).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry.Name.StartsWith('.'))
            {
                continue;
            }

            var full = folder.TrimEnd('/') + "/" + entry.Name;
            var relative = prefix + entry.Name;
            if (!entry.IsUtf8)
            {
                Problems.Add(new WalkProblem(Url(full), Text.FileNames.NotUtf8(full) ?? "its name is not valid UTF-8", Text.FileNames.RenameHint));
                continue;
            }

            var attributes = entry.Attributes;
            switch (KindOf(attributes))
            {
                case EntryKind.Regular:
                    Files.Add(new RemoteFile(full, relative, Stamp(attributes)));
                    break;
                case EntryKind.Directory:
                    subfolders.Add((full, relative + "/"));
                    break;
                case EntryKind.Symlink:
                    Link(full, relative);
                    break;
                case var kind:
                    Problems.Add(new WalkProblem(Url(full), $"{Text.FileSystemEntry.Describe(kind)}, not a regular file; only regular files are read",
                        "move it out of the dataset folder (or give its name a leading '.' to skip it)"));
                    break;
            }
        }

        foreach (var (full, relative) in subfolders)
        {
            Walk(full, relative);
        }
    }

    private void Link(string full, string relative)
    {
        var target = _sftp.ReadLink(full);
        SftpAttributes? attributes;
        try
        {
            attributes = _sftp.TryStat(full);
        }
        catch (UserErrorException)
        {
            // The server cannot follow it (ELOOP is SSH_FX_FAILURE, not "no such file"): a loop, as far as can be told.
            Problems.Add(new WalkProblem(Url(full), $"a symbolic link loop ('{target}' leads back to itself)", "remove the link or point it at a file"));
            return;
        }

        if (attributes is not { } a)
        {
            Problems.Add(new WalkProblem(Url(full), $"a symbolic link to '{target}', which does not exist", "fix or remove the link"));
            return;
        }

        switch (KindOf(a))
        {
            case EntryKind.Directory:
                Links.Add(new WalkedLink(relative, target));
                return;
            case EntryKind.Regular:
                break;
            case var kind:
                Problems.Add(new WalkProblem(Url(full), $"a symbolic link to {Text.FileSystemEntry.Describe(kind)} ('{target}'); only regular files are read",
                    "move the link out of the dataset folder"));
                return;
        }

        if (!_followExternal)
        {
            var final = _sftp.RealPath(full);
            if (!Inside(final))
            {
                Problems.Add(new WalkProblem(Url(full), $"a symbolic link to '{final}', outside the dataset folder",
                    "copy the file into the folder, or give --follow-external to read files that links lead to outside it"));
                return;
            }
        }

        Files.Add(new RemoteFile(full, relative, Stamp(a)));
    }

    private bool Inside(string path) =>
        path.StartsWith(_root.TrimEnd('/') + "/", StringComparison.Ordinal) || path.StartsWith(_realRoot.TrimEnd('/') + "/", StringComparison.Ordinal);
}
