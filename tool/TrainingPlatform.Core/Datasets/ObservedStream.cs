using System.Security.Cryptography;

namespace TrainingPlatform.Core.Datasets;

/// <summary>A read-only pass-through that counts (and optionally hashes) every byte read through it, and keeps the last 8.</summary>
internal sealed class ObservedStream(Stream inner, IncrementalHash? hash, SnapshotProgress? progress) : Stream
{
    private readonly byte[] _tail = new byte[8];

    public long BytesRead { get; private set; }

    /// <summary>The last 8 bytes read (fewer when less was read), oldest first.</summary>
    public ReadOnlySpan<byte> Tail => BytesRead >= 8 ? _tail : _tail.AsSpan(8 - (int)BytesRead);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        if (n > 0)
        {
            var data = buffer[..n];
            hash?.AppendData(data);
            BytesRead += n;
            progress?.AddBytes(n);
            if (n >= 8)
            {
                data[^8..].CopyTo(_tail);
            }
            else
            {
                _tail.AsSpan(n).CopyTo(_tail);
                data.CopyTo(_tail.AsSpan(8 - n));
            }
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
