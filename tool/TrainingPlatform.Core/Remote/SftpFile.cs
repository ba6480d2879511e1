using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Remote;

/// <summary>
/// An open remote file. Reads and writes are pipelined: a sequential read keeps <see cref="SftpClient.Window"/> READs
/// of the server's maximum length in flight, and writes go out without waiting for each status (<see cref="Flush"/>
/// waits for them all). Use from one thread at a time; <see cref="Dispose"/> closes the handle.
/// </summary>
public sealed class SftpFile : IDisposable
{
    private readonly SftpClient _client;
    private readonly byte[] _handle;
    private readonly Queue<(Task<SftpResponse> Pending, long End)> _writes = new();
    private long _acknowledged;
    private bool _closed;

    internal SftpFile(SftpClient client, byte[] handle, string path, long length)
    {
        _client = client;
        _handle = handle;
        Path = path;
        Length = length;
        _acknowledged = length;
    }

    /// <summary>The remote path as opened.</summary>
    public string Path { get; }

    /// <summary>The size at open (FSTAT): where a resumed write goes on.</summary>
    public long Length { get; }

    internal SftpClient Client => _client;

    /// <summary>
    /// Reads from <paramref name="offset"/> into <paramref name="buffer"/> (several READs in flight when it is larger
    /// than one), stopping early only at the end of the file; 0 at or past the end.
    /// </summary>
    public int ReadAt(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var max = _client.MaxReadLength;
        var requests = new Queue<(Task<SftpResponse> Pending, int Length)>();
        var sent = 0;
        var total = 0;
        var stopped = false;
        try
        {
            while (sent < buffer.Length || requests.Count > 0)
            {
                while (!stopped && sent < buffer.Length && requests.Count < _client.Window)
                {
                    var n = Math.Min(max, buffer.Length - sent);
                    requests.Enqueue((SendRead(offset + sent, n, offset + total), n));
                    sent += n;
                }

                if (requests.Count == 0)
                {
                    break;
                }

                var (pending, length) = requests.Dequeue();
                using var reply = _client.Wait(pending, Path, offset + total);
                if (stopped)
                {
                    continue;
                }

                var got = DataOf(reply, buffer[total..]);
                total += got;
                if (got < length)
                {
                    // The end of the file, or a short read: what follows is not contiguous, so stop here.
                    stopped = true;
                }
            }
        }
        finally
        {
            foreach (var (pending, _) in requests)
            {
                Drain(pending);
            }
        }

        return total;
    }

    /// <summary>A forward-only stream from <paramref name="offset"/> to the end of the file, reading ahead; disposing it leaves the file open.</summary>
    public Stream OpenSequential(long offset = 0) => new SftpSequentialStream(this, offset);

    /// <summary>A seekable read-only stream over <see cref="ReadAt"/> (a Parquet footer: a few ranged reads, not the whole file).</summary>
    public Stream AsSeekableStream() => new SftpSeekableStream(this);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> without waiting for the server (see <see cref="Flush"/>).</summary>
    public void WriteAt(long offset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var max = _client.MaxWriteLength;
        for (var done = 0; done < data.Length;)
        {
            while (_writes.Count >= _client.Window)
            {
                WaitOneWrite();
            }

            var n = Math.Min(max, data.Length - done);
            var chunk = data.Slice(done, n);
            var body = new SftpWriter().Bytes(_handle).UInt64((ulong)(offset + done)).UInt32((uint)n);
            _writes.Enqueue((_client.Send(SftpProtocol.Write, body, Path, _acknowledged, chunk), offset + done + n));
            done += n;
        }
    }

    /// <summary>Waits for every write's status, then asks the server to fsync the file when it offers fsync@openssh.com.</summary>
    public void Flush()
    {
        while (_writes.Count > 0)
        {
            WaitOneWrite();
        }

        if (_client.HasFsync)
        {
            using var reply = _client.Extended(SftpProtocol.Fsync, new SftpWriter().Bytes(_handle), Path);
        }
    }

    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        try
        {
            while (_writes.Count > 0)
            {
                WaitOneWrite();
            }

            _client.CloseHandle(_handle, Path);
        }
        catch (Exception e) when (e is UserErrorException or IOException)
        {
            // Closing after a failure (the connection lost, a refused write) must not hide the first error.
            while (_writes.TryDequeue(out var write))
            {
                Drain(write.Pending);
            }
        }
    }

    internal Task<SftpResponse> SendRead(long offset, int length, long done) =>
        _client.Send(SftpProtocol.Read, new SftpWriter().Bytes(_handle).UInt64((ulong)offset).UInt32((uint)length), Path, done);

    /// <summary>Copies a DATA reply into <paramref name="target"/>: its length, or 0 for EOF.</summary>
    internal int DataOf(SftpResponse reply, Span<byte> target)
    {
        if (reply.Type == SftpProtocol.Status && SftpClient.StatusOf(reply, out _) == SftpProtocol.Eof)
        {
            return 0;
        }

        _client.Expect(reply, SftpProtocol.Data, Path);
        var r = new SftpReader(reply.Payload);
        var data = r.Bytes();
        var n = Math.Min(data.Length, target.Length);
        data[..n].CopyTo(target);
        _client.CountRead(data.Length);
        return n;
    }

    internal static void Drain(Task<SftpResponse> pending)
    {
        if (pending.IsCompletedSuccessfully)
        {
            pending.Result.Dispose();
        }
        else
        {
            pending.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Waits for the oldest write's status. What a lost connection reports as done is the end of the last write the
    /// server acknowledged (from the file's size at open on, for a resumed write): the bytes of the file known to be there.
    /// </summary>
    private void WaitOneWrite()
    {
        var (pending, end) = _writes.Dequeue();
        using var reply = _client.Wait(pending, Path, _acknowledged);
        _client.ExpectOk(reply, Path);
        _acknowledged = end;
    }
}
