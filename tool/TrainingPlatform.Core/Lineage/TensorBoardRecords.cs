using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace TrainingPlatform.Core.Lineage;

/// <summary>What <see cref="TensorBoardRecords.Next"/> found at <see cref="TensorBoardRecords.Offset"/>.</summary>
internal enum TensorBoardRecordStatus
{
    /// <summary>A whole record whose two checksums match.</summary>
    Record,

    /// <summary>The end of the file, after the last whole record.</summary>
    End,

    /// <summary>The file ends inside a record (a writer stopped, or is still writing).</summary>
    Truncated,

    /// <summary>The length's checksum does not match: the length cannot be trusted, nothing after it can be read.</summary>
    BadLengthCrc,

    /// <summary>The data's checksum does not match: this record is skipped, the next one is read.</summary>
    BadDataCrc,
}

/// <summary>
/// The records of a TFRecord file (TensorBoard's event files), read in chunks: each record is a little-endian uint64
/// length, the masked CRC-32C of those 8 bytes (uint32), the data, and the masked CRC-32C of the data (uint32); both
/// checksums are checked. Every byte of the file goes into a SHA-256 (<see cref="Finish"/>). Framing as TensorFlow's
/// <c>tensorflow/core/lib/io/record_writer.cc</c> writes it and TensorBoard's <c>tensorboard/data/server/tf_record.rs</c>
/// reads it.
/// </summary>
internal sealed class TensorBoardRecords : IDisposable
{
    public const int DefaultChunk = 1 << 20;

    private const int HeaderLength = 12;
    private const int FooterLength = 4;

    private readonly Stream _stream;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _consumed; // bytes dropped from the front of the buffer so far
    private bool _eof;

    public TensorBoardRecords(Stream stream, int chunk = DefaultChunk)
    {
        _stream = stream;
        _buffer = new byte[chunk];
    }

    /// <summary>The byte offset in the file where the record last returned (or the problem last found) starts.</summary>
    public long Offset { get; private set; }

    /// <summary>The length the last record's header declared (for messages).</summary>
    public ulong DeclaredLength { get; private set; }

    /// <summary>The data of the last <see cref="TensorBoardRecordStatus.Record"/>: valid until the next call.</summary>
    public ArraySegment<byte> Data { get; private set; }

    /// <summary>The next record; after anything but <see cref="TensorBoardRecordStatus.Record"/> or
    /// <see cref="TensorBoardRecordStatus.BadDataCrc"/> there is nothing more to read.</summary>
    public TensorBoardRecordStatus Next()
    {
        Offset = _consumed + _start;
        Data = default;
        DeclaredLength = 0;
        if (!Fill(HeaderLength))
        {
            return _end == _start ? TensorBoardRecordStatus.End : TensorBoardRecordStatus.Truncated;
        }

        var header = _buffer.AsSpan(_start, HeaderLength);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(header);
        DeclaredLength = length;
        if (MaskedCrc32C(header[..8]) != BinaryPrimitives.ReadUInt32LittleEndian(header[8..]))
        {
            return TensorBoardRecordStatus.BadLengthCrc;
        }

        if (length > int.MaxValue - HeaderLength - FooterLength || !Fill(HeaderLength + (int)length + FooterLength))
        {
            // A length past the end of the file: the writer stopped mid-record.
            return TensorBoardRecordStatus.Truncated;
        }

        var data = new ArraySegment<byte>(_buffer, _start + HeaderLength, (int)length);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + HeaderLength + (int)length, FooterLength));
        _start += HeaderLength + (int)length + FooterLength;
        if (MaskedCrc32C(data) != stored)
        {
            return TensorBoardRecordStatus.BadDataCrc;
        }

        Data = data;
        return TensorBoardRecordStatus.Record;
    }

    /// <summary>Reads the rest of the file into the hash; the SHA-256 of all its bytes, lowercase hex.</summary>
    public string Finish()
    {
        while (!_eof)
        {
            _start = _end = 0;
            ReadMore();
        }

        return Convert.ToHexStringLower(_sha.GetHashAndReset());
    }

    public void Dispose() => _sha.Dispose();

    /// <summary>Makes <paramref name="count"/> bytes available from <see cref="_start"/>; false when the file ends first.</summary>
    private bool Fill(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _consumed += _start;
            _end -= _start;
            _start = 0;
        }

        if (_buffer.Length < count)
        {
            // A record larger than a chunk (a graph, an image) is held whole.
            Array.Resize(ref _buffer, Math.Max(count, _buffer.Length * 2));
        }

        while (_end < count)
        {
            if (!ReadMore())
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadMore()
    {
        if (_eof)
        {
            return false;
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
            return false;
        }

        _sha.AppendData(_buffer, _end, read);
        _end += read;
        return true;
    }

    /// <summary>The CRC-32C (Castagnoli) of the bytes: the SSE4.2/ARMv8 instruction through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
    internal static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = ~0u;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>The masked CRC-32C TFRecord stores: rotated right by 15 bits plus a constant (tensorflow/core/lib/hash/crc32c.h).</summary>
    internal static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }
}
