namespace TrainingPlatform.Core.Datasets;

/// <summary>Counters a running snapshot updates from its worker threads; the CLI polls them to draw progress.</summary>
public sealed class SnapshotProgress
{
    private long _bytesDone;
    private long _bytesTotal;
    private int _filesDone;
    private int _filesTotal;

    public long BytesDone => Interlocked.Read(ref _bytesDone);

    public long BytesTotal => Interlocked.Read(ref _bytesTotal);

    public int FilesDone => Volatile.Read(ref _filesDone);

    public int FilesTotal => Volatile.Read(ref _filesTotal);

    internal void AddBytes(long bytes) => Interlocked.Add(ref _bytesDone, bytes);

    internal void AddPlanned(int files, long bytes)
    {
        Interlocked.Add(ref _filesTotal, files);
        Interlocked.Add(ref _bytesTotal, bytes);
    }

    internal void FileDone() => Interlocked.Increment(ref _filesDone);
}
