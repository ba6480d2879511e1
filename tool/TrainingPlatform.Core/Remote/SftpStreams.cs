namespace TrainingPlatform.Core.Remote;

/// <summary>
/// Reads a remote file front to back with many READs in flight: up to the window while the file's length at open
/// is not reached, then one at a time past it (a file that grew is read on; EOF ends the stream).
/// </summary>
internal sealed class SftpSequentialStream(SftpFile file, long offset) : Stream
{
    private readonly Queue<(Task<SftpResponse> Pending, long Offset, int Length)> _requests = new();
    private long _next = offset;
    private long _position = offset;
    private SftpResponse? _current;
    private int _currentStart;
    private int _currentLength;
    private bool _eof;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || !Advance())
        {
            return 0;
        }

        var n = Math.Min(_currentLength, buffer.Length);
        _current!.Payload.Slice(_currentStart, n).CopyTo(buffer);
        _currentStart += n;
        _currentLength -= n;
        _position += n;
        return n;
    }

    /// <summary>
    /// The next bytes without a copy: the rest of the current reply's data, whose buffer the caller now owns and
    /// returns with <see cref="SftpChunk.Dispose"/> (on any thread); null at the end of the file.
    /// </summary>
    internal SftpChunk? ReadChunk()
    {
        if (!Advance())
        {
            return null;
        }

        var chunk = new SftpChunk(_current!, _currentStart, _currentLength);
        _position += _currentLength;
        _current = null;
        _currentLength = 0;
        return chunk;
    }

    /// <summary>Makes <see cref="_current"/> hold unread data, waiting for the next reply when it does not; false at the end.</summary>
    private bool Advance()
    {
        while (_current is null || _currentLength == 0)
        {
            _current?.Dispose();
            _current = null;
            if (_eof)
            {
                return false;
            }

            Fill();
            var (pending, at, length) = _requests.Dequeue();
            var reply = file.Client.Wait(pending, file.Path, _position);
            if (reply.Type == SftpProtocol.Status && SftpClient.StatusOf(reply, out _) == SftpProtocol.Eof)
            {
                reply.Dispose();
                _eof = true;
                DrainRequests();
                continue;
            }

            try
            {
                file.Client.Expect(reply, SftpProtocol.Data, file.Path);
            }
            catch
            {
                reply.Dispose();
                throw;
            }

            var r = new SftpReader(reply.Payload);
            var data = r.Bytes();
            _current = reply;
            _currentStart = reply.Payload.Length - data.Length;
            _currentLength = data.Length;
            file.Client.CountRead(data.Length);
            if (data.Length < length)
            {
                // A short read: the requests behind it start past a gap, so ask again from where this one ended.
                DrainRequests();
                _next = at + data.Length;
            }
        }

        return true;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _current = null;
            DrainRequests();
        }

        base.Dispose(disposing);
    }

    private void Fill()
    {
        var max = file.Client.MaxReadLength;
        while (_requests.Count < file.Client.Window && (_next < file.Length || _requests.Count == 0))
        {
            _requests.Enqueue((file.SendRead(_next, max, _position), _next, max));
            _next += max;
        }
    }

    private void DrainRequests()
    {
        while (_requests.TryDequeue(out var request))
        {
            SftpFile.Drain(request.Pending);
        }
    }
}

/// <summary>A seekable, read-only view of a remote file over ranged reads.</summary>
internal sealed class SftpSeekableStream(SftpFile file) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => file.Length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = file.ReadAt(_position, buffer);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => file.Length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Bytes of one READ reply, handed over without a copy; <see cref="Dispose"/> returns its buffer.</summary>
internal sealed class SftpChunk(SftpResponse reply, int start, int length) : IDisposable
{
    public ReadOnlySpan<byte> Span => reply.Payload.Slice(start, length);

    public int Length => length;

    public void Dispose() => reply.Dispose();
}
