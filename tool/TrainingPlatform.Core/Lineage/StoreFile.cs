using System.Buffers.Binary;
using System.Globalization;
using System.Text.Unicode;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// The store file as bytes, checked before LiteDB sees it. LiteDB 5 "repairs" what it opens for writing — it cut a
/// README from 37,684 to 32,768 bytes and replaced a text file with a database — and reads random bytes into
/// exceptions from deep inside. So an existing file is opened only when its first page is LiteDB 5's header and
/// the file holds every page the header counts; the messages for a damaged or read-only store are made here, once.
/// </summary>
public static class StoreFile
{
    /// <summary>LiteDB 5's page size: the file is a whole number of pages, page 0 is the header.</summary>
    public const int PageSize = 8192;

    /// <summary>LiteDB 5's data file version, at byte 59 of the header page.</summary>
    public const byte LiteDbFileVersion = 8;

    private const int MagicOffset = 32;
    private const int VersionOffset = 59;
    private const int LastPageOffset = 64;

    private static ReadOnlySpan<byte> Magic => "** This is a LiteDB file **"u8;

    /// <summary>Why the file at <paramref name="path"/> cannot be a LiteDB 5 store, or null when its header and length are sound. Reads at most one page.</summary>
    public static string? Damage(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        var length = file.Length;
        var page = new byte[(int)Math.Min(length, PageSize)];
        file.ReadExactly(page);
        return Damage(page, length);
    }

    /// <summary>The check of <see cref="Damage(string)"/> over the file's first page (or all of it, when shorter) and its length.</summary>
    public static string? Damage(ReadOnlySpan<byte> firstPage, long length)
    {
        if (length == 0)
        {
            return "it is an empty file (0 bytes), not a lineage store";
        }

        if (firstPage.Length < MagicOffset + Magic.Length || !firstPage.Slice(MagicOffset, Magic.Length).SequenceEqual(Magic))
        {
            return firstPage.IndexOf((byte)0) < 0 && Utf8.IsValid(firstPage)
                ? "it is a text file, not a LiteDB database"
                : "it has no LiteDB header: not a LiteDB database";
        }

        if (length < PageSize)
        {
            return string.Create(CultureInfo.InvariantCulture, $"truncated: {length:N0} bytes, less than LiteDB's first page");
        }

        if (firstPage[VersionOffset] != LiteDbFileVersion)
        {
            return string.Create(CultureInfo.InvariantCulture, $"LiteDB file version {firstPage[VersionOffset]}, not LiteDB 5's {LiteDbFileVersion}");
        }

        var pages = BinaryPrimitives.ReadUInt32LittleEndian(firstPage[LastPageOffset..]) + 1L;
        if (length < pages * PageSize)
        {
            return string.Create(CultureInfo.InvariantCulture, $"truncated: {length:N0} bytes where its header counts {pages:N0} pages of 8 KiB ({pages * PageSize:N0} bytes)");
        }

        if (length % PageSize != 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{length:N0} bytes is not a whole number of 8 KiB pages");
        }

        return null;
    }

    /// <summary>The one message for a damaged store, whatever the damage.</summary>
    public static UserErrorException Damaged(string path, string what, Exception? inner = null)
    {
        var message = $"the lineage store {path} is damaged ({what.TrimEnd('.')}); restore it from a backup or `job import` an export";
        const string Hint = "nothing was written to it; `trainplat store check` lists what it can still read";
        return inner is null ? new UserErrorException(message, Hint) : new UserErrorException(message, Hint, inner);
    }

    /// <summary>A store (or its folder, or its lock file) that cannot be written: said at once, not after a wait for a lock.</summary>
    public static UserErrorException ReadOnly(string path, Exception cause) => new(
        $"the lineage store {path} is read-only here ({cause.Message.TrimEnd('.')})",
        "commands that only read (job list, job show, lineage, metrics show) still work; to record, make it writable or copy it and give --store COPY",
        cause);

    /// <summary>Whether an I/O error means the location cannot be written (read-only file system, no permission), not that someone else holds it.</summary>
    public static bool IsReadOnly(Exception ex) =>
        ex is UnauthorizedAccessException || (ex is IOException io && (io.HResult == ErrorReadOnlyFileSystem || io.HResult == ErrorWriteProtect));

    /// <summary>EROFS on Linux and macOS (.NET puts the errno in HResult).</summary>
    private const int ErrorReadOnlyFileSystem = 30;

    /// <summary>ERROR_WRITE_PROTECT on Windows, as an HRESULT.</summary>
    private const int ErrorWriteProtect = unchecked((int)0x80070013);

    /// <summary>Whether an I/O error means the file is locked by another process (EWOULDBLOCK; a sharing or lock violation on Windows).</summary>
    public static bool IsLocked(IOException ex) =>
        ex.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
}
