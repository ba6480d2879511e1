using System.Runtime.InteropServices;

namespace TrainingPlatform.Tool.Output;

/// <summary>A file as the kernel knows it: the device and inode it lives on, and whether it is a regular file.</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, bool IsRegular);

/// <summary>
/// The two facts .NET does not expose: a file's device and inode (so hard links and symlinks compare as the same
/// file) and whether a standard stream's descriptor is open. Linux only (statx, fcntl); elsewhere the answers are
/// null and callers fall back to comparing resolved paths.
/// </summary>
internal static class Posix
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const int FcntlGetFl = 3;
    private const int AccessModeMask = 3;

    /// <summary>The identity of the file <paramref name="path"/> names (links followed), or null when it does not exist or the platform cannot tell.</summary>
    public static FileIdentity? Identify(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // struct statx is the same on every Linux architecture: mode at 28, ino at 32, dev_major/minor at 136/140.
        var buffer = new byte[256];
        try
        {
            if (statx(AtFdCwd, NulTerminated(path), 0, StatxType | StatxIno, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }

        var mode = BitConverter.ToUInt16(buffer, 28);
        var inode = BitConverter.ToUInt64(buffer, 32);
        var device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
        return new FileIdentity(device, inode, (mode & 0xF000) == 0x8000);
    }

    /// <summary>
    /// False when the descriptor is closed (<c>trainplat … &gt;&amp;-</c>) or open only for reading: the runtime
    /// reuses a closed descriptor 1 for the read end of an internal pipe before Main runs. True when the platform cannot tell.
    /// </summary>
    public static bool IsWritable(int descriptor)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        try
        {
            var flags = fcntl(descriptor, FcntlGetFl);
            return flags != -1 && (flags & AccessModeMask) != 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return true;
        }
    }

    private static byte[] NulTerminated(string path)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for two calls with blittable arguments.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(int dirfd, byte[] path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int fcntl(int fd, int cmd);
#pragma warning restore SYSLIB1054
}
