using System.Diagnostics;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// An exclusive OS file lock on <c>STORE.lock</c>, held while a process has the store open. On Linux and macOS
/// .NET takes it with <c>flock(LOCK_EX)</c> (FileShare.None), on Windows with a sharing mode; the kernel drops it
/// when the process dies, so a <c>kill -9</c> never leaves the store locked. The lock file stays (deleting it
/// would let a waiting process lock a file that is no longer the lock).
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _file;

    private StoreLock(FileStream file)
    {
        _file = file;
    }

    public static StoreLock Acquire(string storePath, TimeSpan timeout)
    {
        var path = storePath + ".lock";
        var clock = Stopwatch.StartNew();
        var delay = 1;
        while (true)
        {
            try
            {
                return new StoreLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
            }
            catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
            {
                if (clock.Elapsed >= timeout)
                {
                    throw new UserErrorException(
                        $"{storePath}: the lineage store is busy: another trainplat process has held it for {timeout.TotalSeconds:0} s ({ex.Message.TrimEnd('.')})",
                        "wait for it to finish, or raise the wait with TRAINPLAT_STORE_TIMEOUT=SECONDS");
                }

                Thread.Sleep(Random.Shared.Next(delay, (2 * delay) + 1));
                delay = Math.Min(delay * 2, 25);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
