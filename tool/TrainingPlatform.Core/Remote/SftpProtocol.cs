using System.Buffers.Binary;
using System.Text;

namespace TrainingPlatform.Core.Remote;

/// <summary>SFTP v3 (draft-ietf-secsh-filexfer-02) packet types, flags and status codes.</summary>
internal static class SftpProtocol
{
    public const byte Init = 1;
    public const byte Version = 2;
    public const byte Open = 3;
    public const byte Close = 4;
    public const byte Read = 5;
    public const byte Write = 6;
    public const byte LStat = 7;
    public const byte FStat = 8;
    public const byte OpenDir = 11;
    public const byte ReadDir = 12;
    public const byte Remove = 13;
    public const byte MkDir = 14;
    public const byte RmDir = 15;
    public const byte RealPath = 16;
    public const byte Stat = 17;
    public const byte Rename = 18;
    public const byte ReadLink = 19;
    public const byte Extended = 200;

    public const byte Status = 101;
    public const byte Handle = 102;
    public const byte Data = 103;
    public const byte Name = 104;
    public const byte Attrs = 105;
    public const byte ExtendedReply = 201;

    public const uint OpenRead = 1;
    public const uint OpenWrite = 2;
    public const uint OpenCreate = 8;
    public const uint OpenTruncate = 0x10;

    public const uint Ok = 0;
    public const uint Eof = 1;
    public const uint NoSuchFile = 2;
    public const uint PermissionDenied = 3;
    public const uint Failure = 4;
    public const uint OpUnsupported = 8;

    public const uint AttrSize = 1;
    public const uint AttrUidGid = 2;
    public const uint AttrPermissions = 4;
    public const uint AttrTimes = 8;
    public const uint AttrExtended = 0x80000000;

    public const string PosixRename = "posix-rename@openssh.com";
    public const string Limits = "limits@openssh.com";
    public const string Fsync = "fsync@openssh.com";
    public const string ExpandPath = "expand-path@openssh.com";
}

/// <summary>Reads SFTP's big-endian integers, strings and attributes from a payload.</summary>
internal ref struct SftpReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position >= _data.Length;

    public uint UInt32()
    {
        Need(4);
        var v = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
        _position += 4;
        return v;
    }

    public ulong UInt64()
    {
        Need(8);
        var v = BinaryPrimitives.ReadUInt64BigEndian(_data[_position..]);
        _position += 8;
        return v;
    }

    public ReadOnlySpan<byte> Bytes()
    {
        var n = UInt32();
        Need(n);
        var v = _data.Slice(_position, (int)n);
        _position += (int)n;
        return v;
    }

    /// <summary>A string as UTF-8 (bad bytes become U+FFFD; names that must stay exact use <see cref="Bytes"/>).</summary>
    public string Text() => Encoding.UTF8.GetString(Bytes());

    public SftpAttributes Attributes()
    {
        var flags = UInt32();
        long? size = null;
        uint? permissions = null;
        long? mtime = null;
        if ((flags & SftpProtocol.AttrSize) != 0)
        {
            size = (long)UInt64();
        }

        if ((flags & SftpProtocol.AttrUidGid) != 0)
        {
            UInt32();
            UInt32();
        }

        if ((flags & SftpProtocol.AttrPermissions) != 0)
        {
            permissions = UInt32();
        }

        if ((flags & SftpProtocol.AttrTimes) != 0)
        {
            UInt32();
            mtime = UInt32();
        }

        if ((flags & SftpProtocol.AttrExtended) != 0)
        {
            var count = UInt32();
            for (var i = 0; i < count; i++)
            {
                Bytes();
                Bytes();
            }
        }

        return new SftpAttributes(size, permissions, mtime);
    }

    private readonly void Need(long n)
    {
        if (n > _data.Length - _position)
        {
            throw new InvalidDataException("a truncated SFTP packet");
        }
    }
}

/// <summary>Builds a request body (after the id): big-endian integers and length-prefixed strings.</summary>
internal sealed class SftpWriter
{
    private byte[] _buffer = new byte[256];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    public SftpWriter UInt32(uint v)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Grow(4), v);
        return this;
    }

    public SftpWriter UInt64(ulong v)
    {
        BinaryPrimitives.WriteUInt64BigEndian(Grow(8), v);
        return this;
    }

    public SftpWriter Bytes(ReadOnlySpan<byte> v)
    {
        UInt32((uint)v.Length);
        v.CopyTo(Grow(v.Length));
        return this;
    }

    public SftpWriter Raw(ReadOnlySpan<byte> v)
    {
        v.CopyTo(Grow(v.Length));
        return this;
    }

    public SftpWriter Text(string v)
    {
        var n = Encoding.UTF8.GetByteCount(v);
        UInt32((uint)n);
        Encoding.UTF8.GetBytes(v, Grow(n));
        return this;
    }

    private Span<byte> Grow(int n)
    {
        if (Length + n > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + n));
        }

        var span = _buffer.AsSpan(Length, n);
        Length += n;
        return span;
    }
}
