using System.Buffers;
using System.Buffers.Binary;

namespace TrainingPlatform.Core.Remote;

/// <summary>
/// The SFTP v3 packet layer over the ssh child's pipes: requests are written under one lock, and one reader thread
/// hands each response to the request with its id, so many requests can be in flight at once (read-ahead,
/// pipelined writes). When the pipe ends, every waiting request fails with <see cref="SftpConnectionLostException"/>.
/// </summary>
internal sealed class SftpChannel : IDisposable
{
    private const int MaxPacket = 1 << 20 | 1 << 18;

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Lock _sendLock = new();
    private readonly Lock _pendingLock = new();
    private readonly Dictionary<uint, TaskCompletionSource<SftpResponse>> _pending = [];
    private readonly byte[] _header = new byte[512];
    private Thread? _reader;
    private uint _nextId;
    private bool _lost;

    public SftpChannel(Stream input, Stream output)
    {
        // Unbuffered: a READ reply (255 KiB) is read straight into its own buffer, so its bytes are copied once, from the
        // pipe; the 4-byte length before it costs one more read call per reply.
        _input = input;
        _output = output;
    }

    /// <summary>INIT (version 3) and the server's VERSION: its extensions by name. Null when the pipe ended first.</summary>
    public Dictionary<string, byte[]>? Initialize()
    {
        Span<byte> init = [0, 0, 0, 5, SftpProtocol.Init, 0, 0, 0, 3];
        try
        {
            _output.Write(init);
            _output.Flush();
        }
        catch (IOException)
        {
            return null;
        }

        var packet = ReadPacket(out var length);
        if (packet is null)
        {
            return null;
        }

        try
        {
            if (packet[0] != SftpProtocol.Version)
            {
                throw new InvalidDataException($"the SFTP server answered INIT with packet type {packet[0]}");
            }

            var reader = new SftpReader(packet.AsSpan(1, length - 1));
            var version = reader.UInt32();
            if (version < 3)
            {
                throw new InvalidDataException($"the SFTP server speaks version {version}; version 3 is needed");
            }

            var extensions = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            while (!reader.AtEnd)
            {
                var name = reader.Text();
                extensions[name] = reader.Bytes().ToArray();
            }

            _reader = new Thread(ReadResponses) { IsBackground = true, Name = "sftp-reader" };
            _reader.Start();
            return extensions;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(packet);
        }
    }

    /// <summary>Sends one request (its id is added here): <paramref name="body"/> then <paramref name="tail"/> (WRITE's data).</summary>
    public Task<SftpResponse> Send(byte type, ReadOnlySpan<byte> body, ReadOnlySpan<byte> tail = default)
    {
        var completion = new TaskCompletionSource<SftpResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sendLock)
        {
            var id = _nextId++;
            lock (_pendingLock)
            {
                if (_lost)
                {
                    throw new SftpConnectionLostException();
                }

                _pending[id] = completion;
            }

            var total = 9 + body.Length;
            var header = total <= _header.Length ? _header : new byte[total];
            BinaryPrimitives.WriteUInt32BigEndian(header, (uint)(5 + body.Length + tail.Length));
            header[4] = type;
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(5), id);
            body.CopyTo(header.AsSpan(9));
            try
            {
                _output.Write(header, 0, total);
                if (!tail.IsEmpty)
                {
                    _output.Write(tail);
                }

                _output.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                Lose();
                throw new SftpConnectionLostException();
            }
        }

        return completion.Task;
    }

    /// <summary>Closes the request pipe: the server ends, and so does the ssh process.</summary>
    public void CloseOutput()
    {
        lock (_sendLock)
        {
            try
            {
                _output.Dispose();
            }
            catch (IOException)
            {
                // Already gone: nothing left to close.
            }
        }
    }

    public void Dispose()
    {
        CloseOutput();
        _reader?.Join(TimeSpan.FromSeconds(5));
        Lose();
    }

    private void ReadResponses()
    {
        try
        {
            while (ReadPacket(out var length) is { } packet)
            {
                if (length < 5)
                {
                    ArrayPool<byte>.Shared.Return(packet);
                    break;
                }

                var id = BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(1));
                TaskCompletionSource<SftpResponse>? waiting;
                lock (_pendingLock)
                {
                    _pending.Remove(id, out waiting);
                }

                var response = new SftpResponse(packet[0], packet, 5, length - 5);
                if (waiting is null || !waiting.TrySetResult(response))
                {
                    response.Dispose();
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidDataException)
        {
            // The pipe broke: the same as its end.
        }

        Lose();
    }

    private void Lose()
    {
        List<TaskCompletionSource<SftpResponse>> waiting;
        lock (_pendingLock)
        {
            _lost = true;
            waiting = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (var w in waiting)
        {
            w.TrySetException(new SftpConnectionLostException());
        }
    }

    /// <summary>One packet (type byte first) in a pooled buffer, or null at the end of the pipe.</summary>
    private byte[]? ReadPacket(out int length)
    {
        Span<byte> prefix = stackalloc byte[4];
        length = 0;
        try
        {
            _input.ReadExactly(prefix);
        }
        catch (EndOfStreamException)
        {
            return null;
        }

        var size = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (size is 0 or > MaxPacket)
        {
            throw new InvalidDataException($"an SFTP packet of {size} bytes");
        }

        length = (int)size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            _input.ReadExactly(buffer, 0, length);
        }
        catch (EndOfStreamException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }

        return buffer;
    }
}

/// <summary>One response: its type and payload (after the id) in a pooled buffer that <see cref="Dispose"/> returns.</summary>
internal sealed class SftpResponse(byte type, byte[] buffer, int offset, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public byte Type { get; } = type;

    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(offset, length);

    public void Dispose()
    {
        if (_buffer is { } b)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(b);
        }
    }
}

/// <summary>The ssh process ended (or its pipe broke) while requests were pending.</summary>
internal sealed class SftpConnectionLostException : IOException
{
    public SftpConnectionLostException()
        : base("the SFTP connection was lost")
    {
    }
}

/// <summary>A STATUS other than OK: the server's code and message.</summary>
internal sealed class SftpStatusException(uint code, string serverMessage)
    : IOException($"SFTP status {code}: {serverMessage}")
{
    public uint Code { get; } = code;

    public string ServerMessage { get; } = serverMessage;
}
