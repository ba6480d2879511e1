namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// A caller's sequential stream made to read as a file does: every read returns as many bytes as asked unless the
/// end is reached (an SFTP stream may return a few bytes at a time; a parser or a BOM check must not see that), and
/// the first bytes can be looked at before they are read. Leaves the inner stream open.
/// </summary>
internal sealed class SourceStream(Stream inner) : Stream
{
    private readonly byte[] _head = new byte[8];
    private int _headLength;
    private int _headPosition;
    private bool _peeked;
    private bool _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>The first bytes (up to 8), which later reads still return; only before the first read.</summary>
    public int Peek(Span<byte> head)
    {
        if (!_peeked)
        {
            if (_read)
            {
                throw new InvalidOperationException("peek after a read");
            }

            _peeked = true;
            _headLength = inner.ReadAtLeast(_head, _head.Length, throwOnEndOfStream: false);
        }

        var n = Math.Min(head.Length, _headLength);
        _head.AsSpan(0, n).CopyTo(head);
        return n;
    }

    /// <summary>The stream this one reads from.</summary>
    public Stream Inner => inner;

    /// <summary>The peeked bytes not yet read, which count as read now: for a caller that goes on reading <see cref="Inner"/> itself.</summary>
    public ReadOnlySpan<byte> TakeHead()
    {
        _read = true;
        var rest = _head.AsSpan(_headPosition, _headLength - _headPosition);
        _headPosition = _headLength;
        return rest;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _read = true;
        var copied = 0;
        if (_headPosition < _headLength)
        {
            copied = Math.Min(buffer.Length, _headLength - _headPosition);
            _head.AsSpan(_headPosition, copied).CopyTo(buffer);
            _headPosition += copied;
            buffer = buffer[copied..];
        }

        return buffer.Length == 0 ? copied : copied + inner.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
