using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace TrainingPlatform.Core.Remote;

/// <summary>
/// Widens the pipe from ssh's stdout (Linux, F_SETPIPE_SZ): 1 MiB instead of 64 KiB means far fewer wake-ups per
/// gigabyte read. Best effort: where it fails, the pipe keeps its size.
/// </summary>
internal static partial class PipeSize
{
    private const int SetPipeSize = 1031;

    /// <summary>True when the pipe now holds <paramref name="bytes"/> (or more).</summary>
    public static bool TryWiden(Stream pipe, int bytes) =>
        OperatingSystem.IsLinux() && pipe is PipeStream stream && Fcntl(stream.SafePipeHandle, SetPipeSize, bytes) >= bytes;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(SafeHandle fd, int command, int argument);
}
