using System.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// <c>--bwlimit</c>: after each chunk, waits until the bytes moved so far are no more than the limit allows for the time
/// gone (as rsync does), so the average rate stays at or under it.
/// </summary>
internal sealed class TransferRate(long? bytesPerSecond)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _bytes;

    /// <summary>The chunk size that keeps the limit smooth: about a tenth of a second's worth, 4 KiB to 256 KiB.</summary>
    public int ChunkSize => bytesPerSecond is { } limit ? (int)Math.Clamp(limit / 10, 4096, 256 * 1024) : 256 * 1024;

    public void Moved(int bytes)
    {
        _bytes += bytes;
        if (bytesPerSecond is not { } limit)
        {
            return;
        }

        var due = TimeSpan.FromSeconds((double)_bytes / limit);
        var ahead = due - Stopwatch.GetElapsedTime(_start);
        if (ahead > TimeSpan.FromMilliseconds(1))
        {
            Thread.Sleep(ahead);
        }
    }
}
