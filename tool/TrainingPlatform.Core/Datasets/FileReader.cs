using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;

namespace TrainingPlatform.Core.Datasets;

/// <summary>What one read of a file gave: its hash and its samples, and how many bytes were read for it.</summary>
internal sealed record FileContent(long Size, string Hash, SampleCount Count, long BytesRead);

/// <summary>
/// Reads a file once, hashing and counting in the same pass with 1 MiB buffers. JSON Lines and files without
/// samples: the hash of one buffer runs on another core while the next is counted and read. CSV, TSV, JSON and
/// every <c>.gz</c>: the parser pulls the bytes through a stream that hashes them on the way, so a <c>.gz</c>
/// is read once too — the hash is that of the stored (compressed) bytes, the samples those of the decompressed
/// text. Parquet: the bytes are hashed, then the footer (a few KB at the end, from the page cache) is read again
/// for the row count. The same reads run over a sequential stream (a remote file's bytes over SFTP), with the
/// footer from a second, seekable stream; both sources share one dispatch and one generic loop per source. An SFTP
/// read-ahead stream is hashed and counted from the READ replies' own buffers, without copying them into ours.
/// </summary>
internal static class FileReader
{
    public const int BufferSize = 1 << 20;

    /// <param name="algorithm">The hash, or empty to count only (Parquet then reads nothing but the footer).</param>
    public static FileContent Read(string path, FileKind kind, string algorithm, bool check, bool overlap, SnapshotProgress? progress)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.SequentialScan);
        return Read(new HandleSource(handle, path), kind, algorithm, check, overlap, progress);
    }

    /// <summary>
    /// The same read from a sequential stream (an SFTP read-ahead stream): the same hash, samples, fields,
    /// <c>--check</c> problems and bytes read as <see cref="Read(string, FileKind, string, bool, bool, SnapshotProgress?)"/>
    /// gives for a file of these bytes, however short the stream's reads are. The caller keeps ownership of
    /// <paramref name="source"/>, and compares <see cref="FileContent.Size"/> with the size it expected, as the
    /// local snapshot compares it with the file's stamp.
    /// </summary>
    /// <param name="length">The file's size (from its stat): the size of a count-only Parquet or other file, whose bytes are not read.</param>
    /// <param name="parquetFooter">Opens a seekable stream over the same file for its Parquet footer (only ranged reads of the
    /// footer are made; the stream is disposed after); required for Parquet, not called for other formats.</param>
    public static FileContent Read(Stream source, long length, FileKind kind, string algorithm, bool check, bool overlap, SnapshotProgress? progress,
        Func<Stream>? parquetFooter)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (kind.Format == DatasetFormat.Parquet && parquetFooter is null)
        {
            throw new ArgumentException("a Parquet file needs a seekable stream for its footer", nameof(parquetFooter));
        }

        return Read(new StreamSource(new SourceStream(source), length, parquetFooter), kind, algorithm, check, overlap, progress);
    }

    /// <summary>The one dispatch both sources share: what is read, in which order, and how it is counted.</summary>
    private static FileContent Read<TSource>(TSource source, FileKind kind, string algorithm, bool check, bool overlap, SnapshotProgress? progress)
        where TSource : struct, ISource
    {
        using var hash = algorithm.Length == 0 ? null : SnapshotAlgorithms.Create(algorithm);
        Sniff(source, kind);
        if (hash is null && kind.Format is DatasetFormat.Parquet or DatasetFormat.Other)
        {
            var length = source.Length;
            var footer = kind.Format == DatasetFormat.Parquet ? source.ParquetFooter() : SampleCount.None;
            progress?.AddBytes(length);
            return new FileContent(length, "", footer, 0);
        }

        if (kind.Gzip || kind.Format is DatasetFormat.Csv or DatasetFormat.Tsv or DatasetFormat.Json)
        {
            return ReadThroughStream(source.OpenStream(), kind, hash, check, progress);
        }

        var lines = kind.Format == DatasetFormat.JsonLines ? new JsonLinesCounter(check) : null;
        var size = hash is not null && source.Chunked is { } chunked
            ? HashAndFeedChunks(chunked, (SftpSequentialStream)chunked.Inner, hash, lines is null ? null : lines.Feed, overlap, progress)
            : HashAndFeed(source, hash, lines is null ? null : lines.Feed, overlap, progress);
        var count = kind.Format switch
        {
            DatasetFormat.JsonLines => lines!.Finish(),
            DatasetFormat.Parquet => source.ParquetFooter(),
            _ => SampleCount.None,
        };
        return new FileContent(size, Hex(hash), count, size);
    }

    private delegate void Feed(ReadOnlySpan<byte> data);

    private static long HashAndFeed<TSource>(TSource source, System.Security.Cryptography.IncrementalHash? hash, Feed? feed, bool overlap, SnapshotProgress? progress)
        where TSource : struct, ISource
    {
        if (overlap && hash is not null)
        {
            return HashAndFeedPipelined(source, hash, feed, progress);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long offset = 0;
            int length;
            while ((length = source.Read(buffer.AsSpan(0, BufferSize), offset)) > 0)
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
    private static long HashAndFeedPipelined<TSource>(TSource source, System.Security.Cryptography.IncrementalHash hash, Feed? feed, SnapshotProgress? progress)
        where TSource : struct, ISource
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
                var length = source.Read(buffer.AsSpan(0, BufferSize), offset);
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

    /// <summary>
    /// <see cref="HashAndFeed{TSource}"/> for an SFTP read-ahead stream, without its copy: each READ reply's bytes are
    /// counted and hashed straight from the reply's buffer. With <paramref name="overlap"/> the hash runs on a second
    /// thread, which returns each buffer when it is done; at most <c>Depth</c> (4) replies wait for it: about 1 MiB,
    /// which stays in the CPU's cache between the count and the hash (16 waiting replies were 5% slower for 1 GiB on the
    /// loopback, docs/performance.md).
    /// </summary>
    private static long HashAndFeedChunks(SourceStream source, SftpSequentialStream sftp, System.Security.Cryptography.IncrementalHash hash, Feed? feed,
        bool overlap, SnapshotProgress? progress)
    {
        const int Depth = 4;
        var head = source.TakeHead();
        long offset = head.Length;
        if (!head.IsEmpty)
        {
            hash.AppendData(head);
            feed?.Invoke(head);
            progress?.AddBytes(head.Length);
        }

        if (!overlap)
        {
            while (sftp.ReadChunk() is { } chunk)
            {
                using (chunk)
                {
                    offset += chunk.Length;
                    hash.AppendData(chunk.Span);
                    feed?.Invoke(chunk.Span);
                    progress?.AddBytes(chunk.Length);
                }
            }

            return offset;
        }

        using var full = new BlockingCollection<SftpChunk>(Depth);
        Exception? hashFailure = null;
        var hasher = new Thread(() =>
        {
            foreach (var chunk in full.GetConsumingEnumerable())
            {
                using (chunk)
                {
                    if (hashFailure is not null)
                    {
                        continue;
                    }

                    try
                    {
                        hash.AppendData(chunk.Span);
                    }
#pragma warning disable CA1031 // Rethrown on the reading thread.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        hashFailure = ex;
                    }
                }
            }
        })
        { IsBackground = true, Name = "trainplat-hash" };
        hasher.Start();
        try
        {
            while (hashFailure is null && sftp.ReadChunk() is { } chunk)
            {
                try
                {
                    offset += chunk.Length;
                    feed?.Invoke(chunk.Span);
                }
                catch
                {
                    chunk.Dispose();
                    throw;
                }

                full.Add(chunk);
                progress?.AddBytes(chunk.Length);
            }
        }
        finally
        {
            full.CompleteAdding();
            hasher.Join();
        }

        return hashFailure is null ? offset : throw new IOException("hashing failed: " + hashFailure.Message, hashFailure);
    }

    private static FileContent ReadThroughStream(Stream file, FileKind kind, System.Security.Cryptography.IncrementalHash? hash, bool check, SnapshotProgress? progress)
    {
        using var owned = file;
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
    private static void Sniff<TSource>(TSource source, FileKind kind)
        where TSource : struct, ISource
    {
        if (kind.Format == DatasetFormat.Other || kind.Format == DatasetFormat.Parquet)
        {
            return;
        }

        Span<byte> head = stackalloc byte[4];
        var n = source.Peek(head);
        Sniff(head[..n], kind);
    }

    /// <summary>The same check from the file's first (up to 4) bytes: a file hashed on another host, whose head is read apart.</summary>
    internal static void Sniff(ReadOnlySpan<byte> head, FileKind kind)
    {
        if (kind.Format == DatasetFormat.Other || kind.Format == DatasetFormat.Parquet)
        {
            return;
        }

        var n = head.Length;
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

    /// <summary>Where the bytes come from; a struct per source, so each generic loop is compiled for it alone (no virtual call per read).</summary>
    private interface ISource
    {
        /// <summary>The size, for the count-only reads that read no bytes.</summary>
        long Length { get; }

        /// <summary>The next bytes, at <paramref name="offset"/> (always the bytes read so far); fewer than asked only at the end.</summary>
        int Read(Span<byte> buffer, long offset);

        /// <summary>The first bytes, which the reads then still return.</summary>
        int Peek(Span<byte> head);

        /// <summary>The content from its start as a stream, disposed by the caller.</summary>
        Stream OpenStream();

        /// <summary>The source when its bytes can be taken without a copy (an SFTP read-ahead stream), or null.</summary>
        SourceStream? Chunked { get; }

        SampleCount ParquetFooter();
    }

    private readonly struct HandleSource(SafeFileHandle handle, string path) : ISource
    {
        public long Length => RandomAccess.GetLength(handle);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(handle, buffer, offset);

        public int Peek(Span<byte> head) => RandomAccess.Read(handle, head, 0);

        public Stream OpenStream() => new FileStream(handle, FileAccess.Read, 0);

        public SourceStream? Chunked => null;

        public SampleCount ParquetFooter() => Datasets.ParquetFooter.Read(path);
    }

    private readonly struct StreamSource(SourceStream stream, long length, Func<Stream>? footer) : ISource
    {
        public long Length => length;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Read(Span<byte> buffer, long offset) => stream.Read(buffer);

        public int Peek(Span<byte> head) => stream.Peek(head);

        public Stream OpenStream() => stream;

        public SourceStream? Chunked => stream.Inner is SftpSequentialStream ? stream : null;

        public SampleCount ParquetFooter()
        {
            using var seekable = footer!();
            return Datasets.ParquetFooter.Read(seekable);
        }
    }
}
