using System.Buffers;
using System.Security.Cryptography;
using System.Text.Unicode;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// A metrics file read in chunks, so a file of any size reads with about one chunk in memory: every byte goes into
/// the SHA-256, a UTF-8 byte order mark is skipped, and the bytes are checked as UTF-8 as they arrive (before any
/// line in them is parsed). Lines come from <see cref="NextLine"/> (JSON Lines) or the bytes from <see cref="Read(Span{byte})"/> (CSV).
/// </summary>
internal sealed class MetricsInput : Stream
{
    public const int DefaultChunk = 1 << 20;

    private static readonly SearchValues<byte> Blank = SearchValues.Create(" \t\r\n"u8);

    private readonly Stream _inner;
    private readonly string? _path;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly int _chunk;
    private byte[] _buffer;
    private int _start;   // the first byte not yet handed out
    private int _checked; // bytes before this are checked UTF-8 (after it: at most an unfinished sequence)
    private int _end;
    private bool _eof;
    private long _newlines; // '\n's in the checked bytes already dropped from or still in the buffer
    private byte _first0, _first1;
    private long _total;

    public MetricsInput(Stream inner, string? path, int chunk = DefaultChunk)
    {
        _inner = inner;
        _path = path;
        _chunk = chunk;
        _buffer = new byte[chunk];
        while (_end < 3 && ReadMore())
        {
        }

        if (_buffer.AsSpan(0, _end).StartsWith(Signatures.Utf8Bom))
        {
            _start = Signatures.Utf8Bom.Length;
        }

        // Today's order of messages: an all-blank file is "empty" before anything is parsed.
        while (_buffer.AsSpan(_start, _end - _start).IndexOfAnyExcept(Blank) < 0)
        {
            if (!ReadMore())
            {
                throw new UserErrorException("the metrics file is empty") { FilePath = path };
            }
        }
    }

    /// <summary>The file's length when the stream knows it (0 otherwise): only a hint for sizing lists.</summary>
    public long LengthHint => _inner.CanSeek ? _inner.Length : 0;

    /// <summary>About how many lines the file has, from the lines in the buffer (0 when the length is not known).</summary>
    public long EstimatedLines => _end == 0 ? 0 : (long)((double)LengthHint * Math.Max(1, _buffer.AsSpan(0, _end).Count((byte)'\n')) / _end) + 1;

    /// <summary>The largest buffer this input held (for tests: a chunk, or the longest line).</summary>
    public int BufferSize => _buffer.Length;

    /// <summary>
    /// The first bytes of the file not yet handed out (after a byte order mark), at least <paramref name="wanted"/>
    /// of them unless the file is shorter: what format detection looks at. Call it before reading lines.
    /// </summary>
    public ReadOnlySpan<byte> Head(int wanted)
    {
        while (_end - _start < wanted && ReadMore())
        {
        }

        return _buffer.AsSpan(_start, Math.Min(wanted, _end - _start));
    }

    /// <summary>The next line without its <c>\n</c>; false at the end of the file.</summary>
    public bool NextLine(out ReadOnlySpan<byte> line)
    {
        var searched = 0;
        while (true)
        {
            var at = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
            if (at >= 0)
            {
                line = _buffer.AsSpan(_start, searched + at);
                _start += searched + at + 1;
                return true;
            }

            searched = _end - _start;
            if (!ReadMore())
            {
                line = _buffer.AsSpan(_start, _end - _start);
                _start = _end;
                return !line.IsEmpty;
            }
        }
    }

    /// <summary>Reads to the end (for the hash) and returns the SHA-256 of every byte, lowercase hex.</summary>
    public string Finish()
    {
        _start = _end;
        while (ReadMore())
        {
            _start = _end;
        }

        return Convert.ToHexStringLower(_sha.GetHashAndReset());
    }

    /// <summary>Appends one read of the file to the buffer (dropping what was handed out); false at the end.</summary>
    private bool ReadMore()
    {
        if (_eof)
        {
            return false;
        }

        var keep = Math.Min(_start, _checked);
        if (keep > 0)
        {
            _newlines += _buffer.AsSpan(0, keep).Count((byte)'\n');
            _buffer.AsSpan(keep, _end - keep).CopyTo(_buffer);
            _start -= keep;
            _checked -= keep;
            _end -= keep;
        }

        if (_buffer.Length - _end < Math.Max(1, _chunk / 2))
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _end + _chunk));
        }

        var read = _inner.Read(_buffer, _end, Math.Min(_chunk, _buffer.Length - _end));
        if (_total == 0 && read > 0)
        {
            _first0 = _buffer[_end];
            _first1 = read > 1 ? _buffer[_end + 1] : (byte)0;
        }

        _sha.AppendData(_buffer, _end, read);
        _total += read;
        _end += read;
        _eof = read == 0;
        Check();
        return !_eof;
    }

    /// <summary>Checks the new bytes as UTF-8, leaving a sequence the next read finishes for then.</summary>
    private void Check()
    {
        var data = _buffer.AsSpan(_checked, _end - _checked);
        var cut = data.Length;
        if (!_eof)
        {
            for (var i = data.Length - 1; i >= Math.Max(0, data.Length - 3); i--)
            {
                var b = data[i];
                if ((b & 0xC0) == 0x80)
                {
                    continue;
                }

                var need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                if (data.Length - i < need)
                {
                    cut = i;
                }

                break;
            }
        }

        if (!Utf8.IsValid(data[..cut]))
        {
            Fail(data[..cut]);
        }

        _checked += cut;
    }

    private void Fail(ReadOnlySpan<byte> data)
    {
        if (_first0 == 0xFF && _first1 == 0xFE || _first0 == 0xFE && _first1 == 0xFF)
        {
            throw new UserErrorException("not UTF-8: the file starts with a UTF-16 byte order mark; save it as UTF-8") { FilePath = _path };
        }

        // Find the first invalid byte only on this error path.
        Span<char> scratch = stackalloc char[1024];
        var offset = 0;
        while (true)
        {
            var status = Utf8.ToUtf16(data[offset..], scratch, out var read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            offset += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                break;
            }
        }

        var line = _newlines + _buffer.AsSpan(0, _checked).Count((byte)'\n') + data[..offset].Count((byte)'\n') + 1;
        var bad = offset < data.Length ? data[offset] : (byte)0;
        throw new UserErrorException($"not UTF-8: byte 0x{bad:X2} on line {line} is not valid UTF-8; save the file as UTF-8") { FilePath = _path };
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_start == _end)
        {
            if (!ReadMore())
            {
                return 0;
            }
        }

        var n = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(buffer);
        _start += n;
        return n;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

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
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }
}
