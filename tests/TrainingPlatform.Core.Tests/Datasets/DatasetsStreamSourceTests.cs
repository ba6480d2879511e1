using System.Globalization;
using System.IO.Compression;
using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>
/// Issue 21: a file read from a stream (as an SFTP stream will give it) gives exactly what the local read of the same
/// file gives: hash, size, samples, fields, <c>--check</c> problems, bytes read, or the same error; also when the stream
/// returns 1 to 7 bytes at a time. Parquet footers come from a second, seekable stream, of which only the footer is read.
/// </summary>
public sealed class DatasetsStreamSourceTests
{
    [Fact]
    public async Task Every_format_and_edge_case_reads_from_a_stream_exactly_as_from_the_file()
    {
        using var dir = new DatasetsTempDir();
        var paths = new List<string>();
        foreach (var (name, text) in DatasetsCountTests.TextCases())
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            paths.Add(dir.Write("text/" + name, bytes));
            if (bytes.Length > 0)
            {
                paths.Add(dir.Write("text/" + name + ".gz", Gzip(bytes)));
            }
        }

        foreach (var (name, bytes, _, _) in await DatasetsRobustnessTests.Cases())
        {
            paths.Add(dir.Write("robust/" + name, bytes));
        }

        paths.Add(dir.Write("check/bad.jsonl", string.Concat(Enumerable.Range(1, 100).Select(i => i % 4 == 0 ? "{\"broken\": \n" : "{\"ok\":1}\n"))));
        paths.Add(dir.Write("check/ragged.csv", "a,b\n1,2\n\"multi\nline\",2,3\n4\n5,6\n7,8\"x\n"));
        paths.Add(dir.Write("check/invalid-utf8.jsonl", [.. "{\"a\":1}\n{\"b\":\""u8, 0xFF, 0xFE, .. "\"}\n"u8]));
        paths.Add(dir.Write("check/nul.jsonl", [.. "{\"a\":1}\n"u8, 0, .. "\n {\"c\":2}\t\r\n"u8]));
        paths.Add(dir.Write("check/bom-blank-first.jsonl", [0xEF, 0xBB, 0xBF, .. " \t\r\n{\"a\":1}\n"u8]));
        paths.Add(dir.Write("check/bom-only.jsonl", [0xEF, 0xBB, 0xBF]));
        paths.Add(dir.Write("check/half-bom.jsonl", [0xEF, 0xBB]));
        paths.AddRange(Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "parquet-testing"), "*.parquet"));

        var failures = new List<string>();
        foreach (var path in paths)
        {
            foreach (var algorithm in new[] { SnapshotAlgorithms.Sha256, "" })
            {
                foreach (var check in new[] { false, true })
                {
                    foreach (var overlap in new[] { false, true })
                    {
                        Compare(path, algorithm, check, overlap, failures);
                    }
                }
            }
        }

        Assert.True(paths.Count >= 90, $"{paths.Count} files");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Files_around_the_buffer_size_hash_from_a_stream_as_from_the_file_with_sha256_and_sha512()
    {
        using var dir = new DatasetsTempDir();
        var failures = new List<string>();
        foreach (var (name, bytes) in DatasetsHashTests.GeneratedFiles().Where((_, i) => i % 3 == 0 || i < 15))
        {
            var path = dir.Write(name, bytes);
            Compare(path, SnapshotAlgorithms.Sha256, check: false, overlap: true, failures);
            Compare(path, SnapshotAlgorithms.Sha512, check: false, overlap: false, failures);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_Parquet_footer_is_read_from_a_seekable_stream_without_reading_the_data()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.Write("big.parquet", await DatasetsRobustnessTests.ParquetBytes(200_000));
        var bytes = File.ReadAllBytes(path);
        var footerLength = BitConverter.ToInt32(bytes, bytes.Length - 8);
        Assert.True(bytes.Length > 100_000, $"{bytes.Length} bytes");

        using var seekable = new CountingStream(new MemoryStream(bytes));
        var count = ParquetFooter.Read(seekable);
        Assert.Equal(200_000, count.Samples);
        Assert.Equal(["id"], count.Fields);
        Assert.Equal(4 + 8 + footerLength, seekable.BytesRead);

        // --count-only: the sequential stream is not read at all, the footer stream only at its footer.
        using var sequential = new CountingStream(new MemoryStream(bytes));
        CountingStream? footer = null;
        var content = FileReader.Read(sequential, bytes.Length, FileKind.FromFileName(path), "", check: true, overlap: true, null,
            () => footer = new CountingStream(new MemoryStream(bytes)));
        Assert.Equal(0, sequential.BytesRead);
        Assert.Equal(4 + 8 + footerLength, footer!.BytesRead);
        Assert.True(footer.Disposed);
        Assert.Equal(new FileContent(bytes.Length, "", content.Count, 0), content);
        Assert.Equal(200_000, content.Count.Samples);
    }

    [Fact]
    public void A_Parquet_file_read_from_a_stream_needs_its_footer_stream_and_the_caller_keeps_its_source_stream()
    {
        using var stream = new CountingStream(new MemoryStream("{\"a\":1}\n"u8.ToArray()));
        Assert.Throws<ArgumentException>(() => FileReader.Read(stream, 0, new FileKind(DatasetFormat.Parquet, false), SnapshotAlgorithms.Sha256, false, true, null, null));
        var content = FileReader.Read(stream, 8, new FileKind(DatasetFormat.JsonLines, false), SnapshotAlgorithms.Sha256, false, true, null, null);
        Assert.Equal(1, content.Count.Samples);
        Assert.False(stream.Disposed);
    }

    /// <summary>The file read from its path, then from a stream of full reads and from one of 1–7 bytes a read: the same description.</summary>
    private static void Compare(string path, string algorithm, bool check, bool overlap, List<string> failures)
    {
        var kind = FileKind.FromFileName(path);
        var length = new FileInfo(path).Length;
        var expected = Describe(() => FileReader.Read(path, kind, algorithm, check, overlap, null));
        Stream Footer() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.RandomAccess);
        var seed = path.Length + algorithm.Length + (check ? 2 : 0) + (overlap ? 1 : 0);
        foreach (var (label, open) in new (string, Func<Stream>)[]
        {
            ("full reads", () => File.OpenRead(path)),
            ("1-7 byte reads", () => new ShortReadStream(File.OpenRead(path), new Random(seed))),
        })
        {
            using var stream = open();
            var actual = Describe(() => FileReader.Read(stream, length, kind, algorithm, check, overlap, null, Footer));
            if (actual != expected)
            {
                failures.Add($"{Path.GetFileName(Path.GetDirectoryName(path))}/{Path.GetFileName(path)} ({algorithm}, check {check}, overlap {overlap}, {label}):\n  file:   {expected}\n  stream: {actual}");
            }
        }
    }

    private static string Describe(Func<FileContent> read)
    {
        try
        {
            var c = read();
            var problems = string.Join("; ", c.Count.Problems.Select(p => $"{p.Line}: {p.Message}"));
            return string.Create(CultureInfo.InvariantCulture,
                $"size {c.Size} hash {c.Hash} samples {c.Count.Samples?.ToString(CultureInfo.InvariantCulture) ?? "n/a"} fields [{string.Join(",", c.Count.Fields)}] problems {c.Count.ProblemCount} [{problems}] read {c.BytesRead}");
        }
        catch (UserErrorException ex)
        {
            return "error: " + ex.Message + (ex.Hint is { } hint ? " hint: " + hint : "");
        }
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(bytes);
        }

        return gz.ToArray();
    }

    /// <summary>Returns between 1 and 7 bytes a read, as a network stream may.</summary>
    private sealed class ShortReadStream(Stream inner, Random random) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, random.Next(1, 8))]);

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
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Counts the bytes read through it (seekable when the inner stream is) and whether it was disposed.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
