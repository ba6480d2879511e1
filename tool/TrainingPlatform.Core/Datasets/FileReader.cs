using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>What one read of a file gave: its hash and its samples, and how many bytes were read for it.</summary>
internal sealed record FileContent(long Size, string Hash, SampleCount Count, long BytesRead);

/// <summary>
/// Reads a file once, hashing and counting in the same pass with 1 MiB buffers. JSON Lines and files without
/// samples: the hash of one buffer runs on another core while the next is counted and read. CSV, TSV, JSON and
/// every <c>.gz</c>: the parser pulls the bytes through a stream that hashes them on the way, so a <c>.gz</c>
/// is read once too — the hash is that of the stored (compressed) bytes, the samples those of the decompressed
/// text. Parquet: the bytes are hashed, then the footer (a few KB at the end, from the page cache) is read again
/// for the row count.
/// </summary>
internal static class FileReader
{
    public const int BufferSize = 1 << 20;

    /// <param name="algorithm">The hash, or empty to count only (Parquet then reads nothing but the footer).</param>
    public static FileContent Read(string path, FileKind kind, string algorithm, bool check, bool overlap, SnapshotProgress? progress)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.SequentialScan);
        using var hash = algorithm.Length == 0 ? null : SnapshotAlgorithms.Create(algorithm);
        Sniff(handle, kind);
        if (hash is null && kind.Format is DatasetFormat.Parquet or DatasetFormat.Other)
        {
            var length = RandomAccess.GetLength(handle);
            var footer = kind.Format == DatasetFormat.Parquet ? ParquetFooter.Read(path) : SampleCount.None;
            progress?.AddBytes(length);
            return new FileContent(length, "", footer, 0);
        }

        if (kind.Gzip || kind.Format is DatasetFormat.Csv or DatasetFormat.Tsv or DatasetFormat.Json)
        {
            return ReadThroughStream(handle, kind, hash, check, progress);
        }

        var lines = kind.Format == DatasetFormat.JsonLines ? new JsonLinesCounter(check) : null;
        var size = HashAndFeed(handle, hash, lines is null ? null : lines.Feed, overlap, progress);
        var count = kind.Format switch
        {
            DatasetFormat.JsonLines => lines!.Finish(),
            DatasetFormat.Parquet => ParquetFooter.Read(path),
            _ => SampleCount.None,
        };
        return new FileContent(size, Hex(hash), count, size);
    }

    private delegate void Feed(ReadOnlySpan<byte> data);

    private static long HashAndFeed(SafeFileHandle handle, System.Security.Cryptography.IncrementalHash? hash, Feed? feed, bool overlap, SnapshotProgress? progress)
    {
        if (overlap && hash is not null)
        {
            return HashAndFeedPipelined(handle, hash, feed, progress);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long offset = 0;
            int length;
            while ((length = RandomAccess.Read(handle, buffer.AsSpan(0, BufferSize), offset)) > 0)
            {
                offset += length;
                hash?.AppendData(buffer, 0, length);
                feed?.Invoke(buffer.AsSpan(0, length));
                progress?.AddBytes(length);
            }

            return offset;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// One thread reads and counts, a second one hashes, four buffers between them: the hash (the slowest
    /// part) never waits for a read, and a read never waits for the hash unless it is four buffers ahead.
    /// </summary>
    private static long HashAndFeedPipelined(SafeFileHandle handle, System.Security.Cryptography.IncrementalHash hash, Feed? feed, SnapshotProgress? progress)
    {
        const int Depth = 4;
        using var free = new BlockingCollection<byte[]>(Depth);
        using var full = new BlockingCollection<(byte[] Buffer, int Length)>(Depth);
        var buffers = Enumerable.Range(0, Depth).Select(_ => ArrayPool<byte>.Shared.Rent(BufferSize)).ToArray();
        foreach (var b in buffers)
        {
            free.Add(b);
        }

        Exception? hashFailure = null;
        var hasher = new Thread(() =>
        {
            try
            {
                foreach (var (buffer, length) in full.GetConsumingEnumerable())
                {
                    hash.AppendData(buffer, 0, length);
                    free.Add(buffer);
                }
            }
#pragma warning disable CA1031 // Rethrown on the reading thread.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                hashFailure = ex;
                free.CompleteAdding();
            }
        })
        { IsBackground = true, Name = "trainplat-hash" };
        hasher.Start();
        long offset = 0;
        try
        {
            while (free.TryTake(out var buffer, Timeout.Infinite))
            {
                var length = RandomAccess.Read(handle, buffer.AsSpan(0, BufferSize), offset);
                if (length == 0)
                {
                    break;
                }

                offset += length;
                feed?.Invoke(buffer.AsSpan(0, length));
                full.Add((buffer, length));
                progress?.AddBytes(length);
            }
        }
        finally
        {
            full.CompleteAdding();
            hasher.Join();
            foreach (var b in buffers)
            {
                ArrayPool<byte>.Shared.Return(b);
            }
        }

        return hashFailure is null ? offset : throw new IOException("hashing failed: " + hashFailure.Message, hashFailure);
    }

    private static FileContent ReadThroughStream(SafeFileHandle handle, FileKind kind, System.Security.Cryptography.IncrementalHash? hash, bool check, SnapshotProgress? progress)
    {
        using var file = new FileStream(handle, FileAccess.Read, 0);
        using var stored = new ObservedStream(file, hash, progress);
        SampleCount count;
        if (kind.Gzip)
        {
            try
            {
                using var gzip = new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true);
                using var text = new ObservedStream(gzip, null, null);
                count = CountText(text, kind, check);
                text.CopyTo(Stream.Null);
                stored.CopyTo(Stream.Null); // anything after the last member is hashed too
                CheckGzipTrailer(stored, text.BytesRead);
            }
            catch (InvalidDataException ex)
            {
                throw new UserErrorException($"corrupt gzip data ({ex.Message.TrimEnd('.')})", ex);
            }
        }
        else
        {
            count = CountText(stored, kind, check);
            stored.CopyTo(Stream.Null);
        }

        return new FileContent(stored.BytesRead, Hex(hash), count, stored.BytesRead);
    }

    private static string Hex(System.Security.Cryptography.IncrementalHash? hash) => hash is null ? "" : SnapshotAlgorithms.Hex(hash);

    private static SampleCount CountText(Stream text, FileKind kind, bool check)
    {
        switch (kind.Format)
        {
            case DatasetFormat.Csv:
                return CsvCounter.Count(text, ',', check);
            case DatasetFormat.Tsv:
                return CsvCounter.Count(text, '\t', check);
            case DatasetFormat.Json:
                return JsonValueCounter.Count(text);
            case DatasetFormat.JsonLines:
                var lines = new JsonLinesCounter(check);
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    int n;
                    while ((n = text.Read(buffer, 0, BufferSize)) > 0)
                    {
                        lines.Feed(buffer.AsSpan(0, n));
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                return lines.Finish();
            default:
                return SampleCount.None;
        }
    }

    /// <summary>
    /// .NET's GZipStream ends quietly on a truncated file, so the trailer's size (ISIZE, the length mod 2^32
    /// of the last member) is checked: more than was decompressed means data is missing. A multi-member file
    /// whose last member is smaller than the whole passes, as it should.
    /// </summary>
    private static void CheckGzipTrailer(ObservedStream stored, long decompressed)
    {
        if (stored.BytesRead < 18)
        {
            throw new UserErrorException($"truncated gzip file ({stored.BytesRead} bytes; a gzip member takes at least 18)");
        }

        var isize = BinaryPrimitives.ReadUInt32LittleEndian(stored.Tail[4..]);
        var actual = (uint)decompressed;
        if (isize != actual && isize > actual)
        {
            throw new UserErrorException(
                $"truncated or corrupt gzip file: its trailer says {isize} bytes of text, {decompressed} were decompressed");
        }
    }

    /// <summary>Confirms the extension by the first bytes: gzip magic for .gz, no gzip or Parquet magic for the text formats.</summary>
    private static void Sniff(SafeFileHandle handle, FileKind kind)
    {
        if (kind.Format == DatasetFormat.Other || kind.Format == DatasetFormat.Parquet)
        {
            return;
        }

        Span<byte> head = stackalloc byte[4];
        var n = RandomAccess.Read(handle, head, 0);
        head = head[..n];
        var gzip = head.StartsWith(Signatures.GzipMagic);
        if (kind.Gzip && !gzip)
        {
            // An empty file is not gzip either (a gzip member takes at least 18 bytes): the same error as any other.
            throw new UserErrorException(n == 0 ? "not gzip-compressed although its name ends in .gz (the file is empty)" : "not gzip-compressed although its name ends in .gz");
        }

        if (!kind.Gzip && gzip)
        {
            throw new UserErrorException($"gzip-compressed content in a .{kind.Name} file: name it .{kind.Name}.gz");
        }

        if (!kind.Gzip && head.SequenceEqual("PAR1"u8))
        {
            throw new UserErrorException($"Parquet content in a .{kind.Name} file: name it .parquet");
        }
    }
}
