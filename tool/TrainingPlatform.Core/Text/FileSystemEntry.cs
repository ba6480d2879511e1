using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace TrainingPlatform.Core.Text;

/// <summary>What a path names, told without opening it (opening a FIFO to look at it already blocks).</summary>
public enum EntryKind
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    SymlinkLoop,
    Other,
}

/// <summary>
/// The type of a file-system entry from <c>lstat</c>/<c>stat</c> (Linux: the <c>statx</c> system call; elsewhere
/// <see cref="FileSystemInfo"/>, which tells links, folders and files apart but not FIFOs or devices).
/// </summary>
public static partial class FileSystemEntry
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int Eloop = 40;
    private static bool _unavailable;

    /// <summary>The entry itself: a link is <see cref="EntryKind.Symlink"/>, never followed.</summary>
    public static EntryKind Of(string path) => Stat(path, followLinks: false);

    /// <summary>What the path leads to, links followed: <see cref="EntryKind.SymlinkLoop"/> for a cycle, Missing for a dangling link.</summary>
    public static EntryKind TargetOf(string path) => Stat(path, followLinks: true);

    /// <summary>"a FIFO (named pipe)", "a character device"…, for messages.</summary>
    public static string Describe(EntryKind kind) => kind switch
    {
        EntryKind.Regular => "a regular file",
        EntryKind.Directory => "a folder",
        EntryKind.Symlink => "a symbolic link",
        EntryKind.Fifo => "a FIFO (named pipe)",
        EntryKind.CharacterDevice => "a character device",
        EntryKind.BlockDevice => "a block device",
        EntryKind.Socket => "a socket",
        EntryKind.SymlinkLoop => "a symbolic link loop",
        EntryKind.Missing => "missing",
        _ => "a special file",
    };

    /// <summary>True for the kinds that are never opened: FIFOs, devices, sockets, link loops.</summary>
    public static bool IsSpecial(EntryKind kind) => kind is not (EntryKind.Regular or EntryKind.Directory or EntryKind.Symlink or EntryKind.Missing);

    private static EntryKind Stat(string path, bool followLinks)
    {
        if (OperatingSystem.IsLinux() && !_unavailable && TryStatx(path, followLinks, out var kind))
        {
            return kind;
        }

        return Portable(path, followLinks);
    }

    private static EntryKind Portable(string path, bool followLinks)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                if (!followLinks)
                {
                    return EntryKind.Symlink;
                }

                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                return target is null || !target.Exists ? (Directory.Exists(path) ? EntryKind.Directory : EntryKind.Missing)
                    : target is DirectoryInfo || Directory.Exists(target.FullName) ? EntryKind.Directory : EntryKind.Regular;
            }

            return Directory.Exists(path) ? EntryKind.Directory : info.Exists ? EntryKind.Regular : EntryKind.Missing;
        }
        catch (IOException)
        {
            return EntryKind.SymlinkLoop; // the only I/O failure of resolving a link: too many levels
        }
        catch (UnauthorizedAccessException)
        {
            return EntryKind.Other;
        }
    }

    /// <summary>What an entry is, from the POSIX file-type bits of its mode (<c>st_mode</c>; SFTP's permissions carry the same bits).</summary>
    public static EntryKind KindOfMode(uint mode) => (mode & 0xF000) switch
    {
        0x8000 => EntryKind.Regular,
        0x4000 => EntryKind.Directory,
        0xA000 => EntryKind.Symlink,
        0x1000 => EntryKind.Fifo,
        0x2000 => EntryKind.CharacterDevice,
        0x6000 => EntryKind.BlockDevice,
        0xC000 => EntryKind.Socket,
        _ => EntryKind.Other,
    };

    private static unsafe bool TryStatx(string path, bool followLinks, out EntryKind kind)
    {
        kind = EntryKind.Missing;
        var buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType, buffer);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return false;
        }

        if (result != 0)
        {
            kind = Marshal.GetLastPInvokeError() == Eloop ? EntryKind.SymlinkLoop : EntryKind.Missing;
            return true;
        }

        var mode = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(buffer + 28, 2));
        kind = KindOfMode(mode);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
