using System.Diagnostics;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// An exclusive OS file lock on <c>STORE.lock</c>, held while a process has the store open. On Linux and macOS
/// .NET takes it with <c>flock(LOCK_EX)</c> (FileShare.None), on Windows with a sharing mode; the kernel drops it
/// when the process dies, so a <c>kill -9</c> never leaves the store locked. The lock file stays (deleting it
/// would let a waiting process lock a file that is no longer the lock). Readers take a shared lock on the lock file
/// when it exists and can be opened, and never create it: a store on a read-only file system, or one copied
/// without its lock file, is read without one.
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _file;

    private StoreLock(FileStream file)
    {
        _file = file;
    }

    /// <summary>The exclusive lock of a writer; a location that cannot be written is refused at once.</summary>
    public static StoreLock Acquire(string storePath, TimeSpan timeout)
    {
        var path = storePath + ".lock";
        try
        {
            return Wait(storePath, timeout, () => new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None))!;
        }
        catch (Exception ex) when (StoreFile.IsReadOnly(ex))
        {
            throw StoreFile.ReadOnly(storePath, ex);
        }
    }

    /// <summary>A shared lock for a reader, or null when there is no lock file or it cannot be opened (a read-only location): nothing is created.</summary>
    public static StoreLock? AcquireShared(string storePath, TimeSpan timeout)
    {
        var path = storePath + ".lock";
        try
        {
            return File.Exists(path) ? Wait(storePath, timeout, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None)) : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException || StoreFile.IsReadOnly(ex))
        {
            return null;
        }
    }

    private static StoreLock? Wait(string storePath, TimeSpan timeout, Func<FileStream> open)
    {
        var clock = Stopwatch.StartNew();
        var delay = 1;
        while (true)
        {
            try
            {
                return new StoreLock(open());
            }
            catch (IOException ex) when (StoreFile.IsLocked(ex))
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
