using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Tool.Output;

/// <summary>A file a command reads, which its <c>-o</c> must never name: the path and what it is ("the lineage store").</summary>
internal sealed record CommandInput(string Path, string Role);

/// <summary>
/// Every file a command writes with <c>-o</c>: refused when it is one of the command's inputs (after links, and for
/// hard links by device and inode), written whole or not at all (a temporary file beside it, then a rename).
/// </summary>
internal static class OutputFile
{
    /// <summary>
    /// The full path <paramref name="given"/> names, checked against the files <paramref name="command"/> reads;
    /// naming one of them is a usage error naming both paths.
    /// </summary>
    public static string Target(CliContext context, string given, string command, IEnumerable<CommandInput> inputs)
    {
        var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, given));
        foreach (var input in inputs)
        {
            if (SameFile(path, input.Path))
            {
                throw new UserErrorException(
                    $"-o {given} would overwrite {input.Role} {Shown(context, input.Path)}, which `trainplat {command}` reads",
                    "write the output to another file");
            }
        }

        return path;
    }

    /// <summary>Whether two paths name one file: same device and inode when both exist, else the same path once links are resolved.</summary>
    public static bool SameFile(string a, string b)
    {
        if (Posix.Identify(a) is { } x && Posix.Identify(b) is { } y)
        {
            return x.Device == y.Device && x.Inode == y.Inode;
        }

        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return string.Equals(Resolved(a), Resolved(b), comparison);
    }

    public static void Write(string path, string text) =>
        Write(path, stream =>
        {
            var bytes = new UTF8Encoding(false).GetBytes(text);
            stream.Write(bytes);
        });

    /// <summary>
    /// Writes <paramref name="path"/> through a temporary file in its folder and a rename, so a failure leaves the
    /// old file as it was and no temporary file behind. A link is written through (the file it points to is
    /// replaced, the link stays); a device or FIFO (<c>-o /dev/stdout</c>) is written directly.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new UserErrorException($"{path} is a folder", "give a file name with -o");
        }

        if (Posix.Identify(full) is { IsRegular: false })
        {
            using var direct = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            write(direct);
            return;
        }

        var target = new FileInfo(full).LinkTarget is not null ? Resolved(full) : full;

        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            throw new UserErrorException($"folder {folder} does not exist", "create it first");
        }

        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Random.Shared.Next():x8}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(target))
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(target));
            }

            File.Move(temp, target, overwrite: true);
        }
        catch (UnauthorizedAccessException) when (!File.Exists(temp))
        {
            throw new UserErrorException($"cannot write {path}: the folder {folder} is not writable",
                "an output is written to a temporary file beside it and renamed, so its folder must be writable");
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>The full path with every link on the way resolved (the parts that exist).</summary>
    private static string Resolved(string path)
    {
        var full = Path.GetFullPath(path);
        for (var depth = 0; depth < 40; depth++)
        {
            var parent = Path.GetDirectoryName(full);
            var resolvedParent = parent is null ? null : Resolved(parent);
            var candidate = resolvedParent is null ? full : Path.Combine(resolvedParent, Path.GetFileName(full));
            FileSystemInfo info = Directory.Exists(candidate) ? new DirectoryInfo(candidate) : new FileInfo(candidate);
            if (info.LinkTarget is not { } link)
            {
                return candidate;
            }

            full = Path.GetFullPath(Path.Combine(resolvedParent ?? "/", link));
        }

        return full;
    }

    private static string Shown(CliContext context, string path)
    {
        var relative = Path.GetRelativePath(context.WorkingDirectory, path);
        return (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative).Replace('\\', '/');
    }
}
