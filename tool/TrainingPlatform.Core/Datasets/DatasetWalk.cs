using System.IO.Enumeration;
using TrainingPlatform.Core.Diagnostics;
using EntryKind = TrainingPlatform.Core.Text.EntryKind;

namespace TrainingPlatform.Core.Datasets;

/// <summary>An entry of a dataset folder that cannot be versioned: a FIFO, a device, a socket, a link loop, a dangling or external link.</summary>
public sealed record WalkProblem(string FullPath, string Message, string Hint);

/// <summary>A regular file of a dataset folder (a file link inside the folder is read through its name).</summary>
internal sealed record WalkedFile(string FullPath, string Relative, FileStamp Stamp);

/// <summary>A link to a folder: recorded with its target text, never followed.</summary>
internal sealed record WalkedLink(string Relative, string Target);

/// <summary>
/// The entries of a dataset folder, found without following folder links and without opening anything but
/// folders. Policy (README, "Data versions"): entries whose name starts with '.' are skipped; only regular
/// files are read; a link to a folder is recorded as a link (its target text is part of the tree hash) and not
/// followed, so link cycles cannot make the walk loop; a link to a regular file inside the folder is read
/// through the link; a link that leaves the folder is an error unless <c>followExternal</c>; FIFOs, devices,
/// sockets, link loops and dangling links are errors naming each entry.
/// </summary>
internal sealed class DatasetWalk
{
    /// <summary>How many entries a content error names, one line each; the rest are counted.</summary>
    private const int NamedProblems = 20;

    /// <summary>
    /// A dataset folder holds entries that cannot be versioned: every one is named (sorted by path, up to
    /// <see cref="NamedProblems"/>), nothing was read or recorded. A finding about the folder's content (exit 1);
    /// a path given directly that is not a regular file or folder is an input error instead (exit 2).
    /// </summary>
    public static UserErrorException ContentError(IReadOnlyList<WalkProblem> problems)
    {
        var sorted = problems.OrderBy(p => p.FullPath, StringComparer.Ordinal).ToArray();
        var named = Math.Min(NamedProblems, sorted.Length);
        var last = sorted[named - 1];
        var more = sorted.Length > named ? $" (and {sorted.Length - named} more)" : "";
        return new UserErrorException($"{last.Message}{more}; nothing was read or recorded", last.Hint)
        {
            FilePath = last.FullPath,
            PathErrors = [.. sorted.Take(named - 1).Select(p => (p.FullPath, p.Message))],
            IsFinding = true,
        };
    }

    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        MatchType = MatchType.Simple,
        ReturnSpecialDirectories = false,
    };

    private readonly string _root;
    private readonly string? _realRoot;
    private readonly bool _followExternal;

    private DatasetWalk(string root, bool followExternal)
    {
        _root = Path.TrimEndingDirectorySeparator(root);
        _followExternal = followExternal;
        try
        {
            var real = Directory.ResolveLinkTarget(_root, returnFinalTarget: true)?.FullName;
            _realRoot = real is null ? null : Path.TrimEndingDirectorySeparator(real);
        }
        catch (IOException)
        {
            _realRoot = null;
        }
    }

    public List<WalkedFile> Files { get; } = [];

    public List<WalkedLink> Links { get; } = [];

    public List<WalkProblem> Problems { get; } = [];

    public static DatasetWalk Of(string root, bool followExternal)
    {
        var walk = new DatasetWalk(root, followExternal);
        walk.Walk(walk._root, "");
        return walk;
    }

    private void Walk(string folder, string prefix)
    {
        var entries = new FileSystemEnumerable<(string Name, bool IsLink, bool IsDirectory)>(folder,
            (ref FileSystemEntry e) => (e.FileName.ToString(), (e.Attributes & FileAttributes.ReparsePoint) != 0, e.IsDirectory), Options);
        var subfolders = new List<(string Full, string Relative)>();
        foreach (var (name, isLink, isDirectory) in entries)
        {
            if (name.StartsWith('.'))
            {
                continue;
            }

            var full = Path.Join(folder, name);
            var relative = prefix + name;
            if (isLink)
            {
                Link(full, relative);
            }
            else if (isDirectory)
            {
                subfolders.Add((full, relative + "/"));
            }
            else if (FileStamp.TryOfRegular(full, out var stamp))
            {
                Files.Add(new WalkedFile(full, relative, stamp));
            }
            else
            {
                var kind = Text.FileSystemEntry.Of(full);
                if (kind == EntryKind.Directory)
                {
                    subfolders.Add((full, relative + "/"));
                }
                else if (kind == EntryKind.Missing && Text.FileNames.NotUtf8(full) is { } why)
                {
                    Problems.Add(new WalkProblem(full, why, Text.FileNames.RenameHint));
                }
                else
                {
                    Problems.Add(new WalkProblem(full, $"{Text.FileSystemEntry.Describe(kind)}, not a regular file; only regular files are read",
                        "move it out of the dataset folder (or give its name a leading '.' to skip it)"));
                }
            }
        }

        foreach (var (full, relative) in subfolders)
        {
            Walk(full, relative);
        }
    }

    private void Link(string full, string relative)
    {
        var target = new FileInfo(full).LinkTarget ?? "";
        var kind = Text.FileSystemEntry.TargetOf(full);
        switch (kind)
        {
            case EntryKind.Directory:
                Links.Add(new WalkedLink(relative, target));
                return;
            case EntryKind.SymlinkLoop:
                Problems.Add(new WalkProblem(full, $"a symbolic link loop ('{target}' leads back to itself)", "remove the link or point it at a file"));
                return;
            case EntryKind.Missing:
                Problems.Add(new WalkProblem(full, $"a symbolic link to '{target}', which does not exist", "fix or remove the link"));
                return;
            case EntryKind.Regular:
                break;
            default:
                Problems.Add(new WalkProblem(full, $"a symbolic link to {Text.FileSystemEntry.Describe(kind)} ('{target}'); only regular files are read",
                    "move the link out of the dataset folder"));
                return;
        }

        var final = File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        if (!_followExternal && !Inside(final))
        {
            Problems.Add(new WalkProblem(full, $"a symbolic link to '{final}', outside the dataset folder",
                "copy the file into the folder, or give --follow-external to read files that links lead to outside it"));
            return;
        }

        if (FileStamp.TryOfRegular(full, out var stamp))
        {
            Files.Add(new WalkedFile(full, relative, stamp));
        }
    }

    private bool Inside(string path) =>
        path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        || (_realRoot is not null && path.StartsWith(_realRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal));
}
