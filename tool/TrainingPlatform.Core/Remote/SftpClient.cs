using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Remote;

/// <summary>
/// Files on the host over SFTP v3 (one per <see cref="SshSession"/>). Paths are absolute (the session resolves a
/// relative location first); a server refusal is a <see cref="UserErrorException"/> naming the remote path.
/// Safe to use from several threads (each <see cref="SftpFile"/> from one at a time).
/// </summary>
public sealed class SftpClient : IDisposable
{
    private const int DefaultMaxLength = 32768;

    private readonly SftpChannel _channel;
    private readonly IReadOnlyDictionary<string, byte[]> _extensions;
    private readonly RemoteLocation _location;
    private readonly Func<string, long, Exception> _lost;
    private long _bytesRead;

    internal SftpClient(SftpChannel channel, IReadOnlyDictionary<string, byte[]> extensions, RemoteLocation location, Func<string, long, Exception> lost)
    {
        _channel = channel;
        _extensions = extensions;
        _location = location;
        _lost = lost;
        MaxReadLength = DefaultMaxLength;
        MaxWriteLength = DefaultMaxLength;
        if (extensions.ContainsKey(SftpProtocol.Limits))
        {
            using var reply = Extended(SftpProtocol.Limits, new SftpWriter(), "");
            var r = new SftpReader(reply.Payload);
            r.UInt64();
            var read = r.UInt64();
            var write = r.UInt64();
            MaxReadLength = read is > 0 and <= 1 << 20 ? (int)read : DefaultMaxLength;
            MaxWriteLength = write is > 0 and <= 1 << 20 ? (int)write : DefaultMaxLength;
        }
    }

    /// <summary>File bytes received by READ since the session opened (the stat cache's "no bytes read" check).</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>The longest READ the server answers in full (limits@openssh.com; 255 KiB for OpenSSH 9, else 32 KiB).</summary>
    public int MaxReadLength { get; }

    /// <summary>The longest WRITE the server takes.</summary>
    public int MaxWriteLength { get; }

    /// <summary>The SFTP extensions the server offered (name → data).</summary>
    public IReadOnlyCollection<string> Extensions => [.. _extensions.Keys];

    /// <summary>READ requests kept in flight by a sequential read (and WRITEs by a write).</summary>
    internal int Window { get; init; } = 64;

    public SftpAttributes? TryStat(string path) => TryAttributes(SftpProtocol.Stat, path);

    public SftpAttributes? TryLStat(string path) => TryAttributes(SftpProtocol.LStat, path);

    /// <summary>The folder's entries without <c>.</c> and <c>..</c>, in the server's order.</summary>
    public IReadOnlyList<SftpEntry> ReadDirectory(string path)
    {
        var handle = HandleOf(SftpProtocol.OpenDir, new SftpWriter().Text(path), path);
        var entries = new List<SftpEntry>();
        try
        {
            while (true)
            {
                using var reply = Call(SftpProtocol.ReadDir, new SftpWriter().Bytes(handle), path);
                if (reply.Type == SftpProtocol.Status)
                {
                    var code = StatusOf(reply, out var message);
                    if (code == SftpProtocol.Eof)
                    {
                        break;
                    }

                    throw Refused(path, code, message);
                }

                Expect(reply, SftpProtocol.Name, path);
                var r = new SftpReader(reply.Payload);
                var count = r.UInt32();
                for (var i = 0; i < count; i++)
                {
                    var name = r.Bytes();
                    r.Bytes();
                    var attributes = r.Attributes();
                    if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                    {
                        continue;
                    }

                    entries.Add(SftpEntry.FromBytes(name, attributes));
                }
            }
        }
        finally
        {
            CloseHandle(handle, path);
        }

        return entries;
    }

    public string ReadLink(string path) => SingleName(SftpProtocol.ReadLink, path);

    /// <summary>The server's canonical absolute path (a relative path is taken from the login folder).</summary>
    public string RealPath(string path) => SingleName(SftpProtocol.RealPath, path);

    /// <summary>True when the server offers expand-path@openssh.com (OpenSSH 8.7 and later).</summary>
    public bool CanExpandPath => _extensions.ContainsKey(SftpProtocol.ExpandPath);

    /// <summary>
    /// <c>~user/rest</c> (or <c>~/rest</c>) made absolute as the host's shell would, with expand-path@openssh.com (see
    /// <see cref="CanExpandPath"/>); null when the server cannot expand it (no such user).
    /// </summary>
    public string? TryExpandPath(string path)
    {
        // The server answers with a NAME, as for REALPATH, or a STATUS when it cannot.
        using var reply = Call(SftpProtocol.Extended, new SftpWriter().Text(SftpProtocol.ExpandPath).Text(path), path);
        return reply.Type == SftpProtocol.Status ? null : NameOf(reply, path);
    }

    public SftpFile OpenRead(string path)
    {
        var handle = HandleOf(SftpProtocol.Open, new SftpWriter().Text(path).UInt32(SftpProtocol.OpenRead).UInt32(0), path);
        return new SftpFile(this, handle, path, LengthOf(handle, path));
    }

    /// <summary>Opens (creating) a file to write; without <paramref name="truncate"/> its bytes stay, to resume at <see cref="SftpFile.Length"/>.</summary>
    public SftpFile OpenWrite(string path, bool truncate)
    {
        var flags = SftpProtocol.OpenWrite | SftpProtocol.OpenCreate | (truncate ? SftpProtocol.OpenTruncate : 0);
        var handle = HandleOf(SftpProtocol.Open, new SftpWriter().Text(path).UInt32(flags).UInt32(0), path);
        return new SftpFile(this, handle, path, LengthOf(handle, path));
    }

    /// <summary>Renames, replacing <paramref name="to"/> (posix-rename@openssh.com; plain RENAME after removing it otherwise).</summary>
    public void Rename(string from, string to)
    {
        if (_extensions.ContainsKey(SftpProtocol.PosixRename))
        {
            using var reply = Extended(SftpProtocol.PosixRename, new SftpWriter().Text(from).Text(to), from);
            return;
        }

        if (TryLStat(to) is not null)
        {
            Remove(to);
        }

        CheckStatus(SftpProtocol.Rename, new SftpWriter().Text(from).Text(to), from);
    }

    public void Remove(string path) => CheckStatus(SftpProtocol.Remove, new SftpWriter().Text(path), path);

    public void MakeDirectory(string path) => CheckStatus(SftpProtocol.MkDir, new SftpWriter().Text(path).UInt32(0), path);

    public void RemoveDirectory(string path) => CheckStatus(SftpProtocol.RmDir, new SftpWriter().Text(path), path);

    /// <summary>Nothing to release: the session owns the connection.</summary>
    public void Dispose()
    {
    }

    internal bool HasFsync => _extensions.ContainsKey(SftpProtocol.Fsync);

    internal void CountRead(int n) => Interlocked.Add(ref _bytesRead, n);

    internal Task<SftpResponse> Send(byte type, SftpWriter body, string path, long done, ReadOnlySpan<byte> tail = default)
    {
        try
        {
            return _channel.Send(type, body.Span, tail);
        }
        catch (SftpConnectionLostException)
        {
            throw _lost(path, done);
        }
    }

    internal SftpResponse Wait(Task<SftpResponse> pending, string path, long done)
    {
        try
        {
            return pending.GetAwaiter().GetResult();
        }
        catch (SftpConnectionLostException)
        {
            throw _lost(path, done);
        }
    }

    internal SftpResponse Call(byte type, SftpWriter body, string path) => Wait(Send(type, body, path, 0), path, 0);

    internal Exception Lost(string path, long done) => _lost(path, done);

    internal static uint StatusOf(SftpResponse reply, out string message)
    {
        var r = new SftpReader(reply.Payload);
        var code = r.UInt32();
        message = r.AtEnd ? "" : r.Text();
        return code;
    }

    /// <summary>Throws unless the reply is <paramref name="type"/>; a STATUS becomes the server's refusal.</summary>
    internal void Expect(SftpResponse reply, byte type, string path)
    {
        if (reply.Type == type)
        {
            return;
        }

        if (reply.Type == SftpProtocol.Status)
        {
            var code = StatusOf(reply, out var message);
            throw Refused(path, code, message);
        }

        throw new UserErrorException(
            $"{_location.Authority}{path}: the SFTP server sent packet type {reply.Type} where {type} was expected",
            "the host's SFTP server does not speak SFTP version 3 as expected; report the server's name and version");
    }

    internal void ExpectOk(SftpResponse reply, string path)
    {
        Expect(reply, SftpProtocol.Status, path);
        var code = StatusOf(reply, out var message);
        if (code != SftpProtocol.Ok)
        {
            throw Refused(path, code, message);
        }
    }

    internal UserErrorException Refused(string path, uint code, string message)
    {
        var where = _location.Authority + path;
        return code switch
        {
            SftpProtocol.NoSuchFile => new UserErrorException($"{where}: no such file or folder", "check the path on the host"),
            SftpProtocol.PermissionDenied => new UserErrorException($"{where}: permission denied", "check the permissions of the file and its folders for the login user on the host"),
            SftpProtocol.OpUnsupported => new UserErrorException($"{where}: the host's SFTP server does not support this operation", "use a host with OpenSSH's sftp-server"),
            _ => new UserErrorException(
                $"{where}: the SFTP server refused ({(message.Length == 0 ? "status " + code.ToString(CultureInfo.InvariantCulture) : message)})",
                "check the path, the free space and the permissions on the host"),
        };
    }

    internal void CloseHandle(byte[] handle, string path)
    {
        using var reply = Call(SftpProtocol.Close, new SftpWriter().Bytes(handle), path);
        ExpectOk(reply, path);
    }

    internal SftpResponse Extended(string name, SftpWriter arguments, string path)
    {
        var reply = Call(SftpProtocol.Extended, new SftpWriter().Text(name).Raw(arguments.Span), path);
        if (reply.Type != SftpProtocol.ExtendedReply)
        {
            using (reply)
            {
                ExpectOk(reply, path);
            }
        }

        return reply;
    }

    private SftpAttributes? TryAttributes(byte type, string path)
    {
        using var reply = Call(type, new SftpWriter().Text(path), path);
        if (reply.Type == SftpProtocol.Status && StatusOf(reply, out _) == SftpProtocol.NoSuchFile)
        {
            return null;
        }

        Expect(reply, SftpProtocol.Attrs, path);
        var r = new SftpReader(reply.Payload);
        return r.Attributes();
    }

    private string SingleName(byte type, string path)
    {
        using var reply = Call(type, new SftpWriter().Text(path), path);
        return NameOf(reply, path);
    }

    private string NameOf(SftpResponse reply, string path)
    {
        Expect(reply, SftpProtocol.Name, path);
        var r = new SftpReader(reply.Payload);
        if (r.UInt32() < 1)
        {
            throw Refused(path, SftpProtocol.Failure, "no name in the reply");
        }

        return Encoding.UTF8.GetString(r.Bytes());
    }

    private byte[] HandleOf(byte type, SftpWriter body, string path)
    {
        using var reply = Call(type, body, path);
        Expect(reply, SftpProtocol.Handle, path);
        var r = new SftpReader(reply.Payload);
        return r.Bytes().ToArray();
    }

    private long LengthOf(byte[] handle, string path)
    {
        using var reply = Call(SftpProtocol.FStat, new SftpWriter().Bytes(handle), path);
        Expect(reply, SftpProtocol.Attrs, path);
        var r = new SftpReader(reply.Payload);
        return r.Attributes().Size ?? 0;
    }

    private void CheckStatus(byte type, SftpWriter body, string path)
    {
        using var reply = Call(type, body, path);
        ExpectOk(reply, path);
    }
}
