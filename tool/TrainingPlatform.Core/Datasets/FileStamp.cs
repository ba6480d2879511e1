using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// What the stat cache compares: size and modification time in nanoseconds, plus — on Linux, through the
/// <c>statx</c> system call — the inode, the device and the change time (ctime cannot be set by users or by
/// <c>cp -p</c>/<c>rsync -t</c>, so a file replaced with the same size and mtime still misses the cache).
/// Elsewhere, or when <c>statx</c> is unavailable, size and mtime (100 ns ticks) only.
/// </summary>
public readonly record struct FileStamp(long Size, long ModifiedNs, long? ChangedNs, ulong? Inode, ulong? Device)
{
    /// <summary>The newest of mtime and ctime, in Unix nanoseconds.</summary>
    public long NewestNs => Math.Max(ModifiedNs, ChangedNs ?? long.MinValue);

    /// <summary>The stamp of a regular file (links followed); false for anything else (a folder, a FIFO, a device, nothing).</summary>
    public static bool TryOfRegular(string path, out FileStamp stamp)
    {
        if (OperatingSystem.IsLinux() && LinuxStat.TryStat(path, out stamp))
        {
            return true;
        }

        stamp = default;
        if (OperatingSystem.IsLinux() && !LinuxStat.Unavailable)
        {
            return false;
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return false;
        }

        stamp = new FileStamp(info.Length, (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100, null, null, null);
        return true;
    }

    public static FileStamp Of(string path)
    {
        if (OperatingSystem.IsLinux() && LinuxStat.TryStat(path, out var stamp))
        {
            return stamp;
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        var mtime = (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100;
        return new FileStamp(info.Length, mtime, null, null, null);
    }
}

internal static partial class LinuxStat
{
    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x7ff;
    private static bool _unavailable;

    public static bool Unavailable => _unavailable;

    public static unsafe bool TryStat(string path, out FileStamp stamp)
    {
        stamp = default;
        if (_unavailable)
        {
            return false;
        }

        var buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, 0, StatxBasicStats, buffer);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return false;
        }

        if (result != 0)
        {
            return false; // let the portable path raise the right exception
        }

        var span = new ReadOnlySpan<byte>(buffer, 256);
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(span[28..]);
        if ((mode & 0xF000) != 0x8000)
        {
            return false; // not a regular file
        }

        var inode = BinaryPrimitives.ReadUInt64LittleEndian(span[32..]);
        var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[40..]);
        var ctime = Nanoseconds(span[96..]);
        var mtime = Nanoseconds(span[112..]);
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(span[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(span[140..]);
        stamp = new FileStamp(size, mtime, ctime, inode, device);
        return true;
    }

    private static long Nanoseconds(ReadOnlySpan<byte> timestamp) =>
        (BinaryPrimitives.ReadInt64LittleEndian(timestamp) * 1_000_000_000L) + BinaryPrimitives.ReadUInt32LittleEndian(timestamp[8..]);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
