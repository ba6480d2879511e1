using System.Security.Cryptography;
using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// Metrics files are read in chunks (no 2 GiB limit): every chunk size gives the same points, problems, line numbers
/// and SHA-256 as reading the whole file at once.
/// </summary>
public sealed class MetricsStreamingTests
{
    private static readonly DateTimeOffset ImportTime = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private static string Show(MetricsFileResult r) =>
        string.Join("\n", r.Points.Select(p => $"{p.Step} {p.Name}={p.Value} {p.Time:O}"))
        + "\n--\n" + string.Join("\n", r.Problems.Select(p => $"{p.Line}: {p.Message}"))
        + $"\n-- {r.Lines} lines, {r.ProblemCount} problems, {r.Sha256}";

    private static MetricsFileResult Read(byte[] bytes, MetricsFileFormat format, int chunk) =>
        MetricsFile.Read(new MemoryStream(bytes, writable: false), format, ImportTime, "m", chunk);

    public static TheoryData<string, MetricsFileFormat, bool> Files => new()
    {
        // CRLF, a blank line, a bad line, multi-byte UTF-8 in names, NaN, nested objects, a last line without '\n'.
        { "{\"step\": 0, \"loss\": 2.5, \"é/ü\": 1}\r\n\r\n{\"step\": 1, \"eval\": {\"loss\": NaN}}\r\n{\"step\": -1, \"loss\": 1}\r\n{\"step\": 2, \"time\": \"2025-01-01T00:00:00Z\", \"😀\": 3}", MetricsFileFormat.JsonLines, false },
        { "{\"step\": 0, \"loss\": 2.5}\n{\"step\": 1, \"loss\": 2}\n", MetricsFileFormat.JsonLines, true },
        { "step,loss,é\r\n0,1.5,2\r\n1,x,3\r\n\r\n2,nan,4", MetricsFileFormat.Csv, false },
        { "step\tloss\n0\t1\n1\t2\n", MetricsFileFormat.Tsv, true },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_chunk_size_reads_the_same_as_the_whole_file(string text, MetricsFileFormat format, bool bom)
    {
        var bytes = bom ? [.. Bom, .. Encoding.UTF8.GetBytes(text)] : Encoding.UTF8.GetBytes(text);
        var whole = Show(MetricsFile.Parse(bytes, format, ImportTime));
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(bytes)), whole, StringComparison.Ordinal);

        // Chunks of 1 .. n+1 bytes put a chunk boundary at every offset of every line (inside CRLF, inside a multi-byte character).
        for (var chunk = 1; chunk <= bytes.Length + 1; chunk++)
        {
            Assert.Equal(whole, Show(Read(bytes, format, chunk)));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void Bad_utf8_is_reported_at_its_line_whatever_the_chunks(int chunk)
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("{\"step\": 0, \"é\": 1}\n{\"step\": 1, \"loss\": 1}\n{\"step\": 2, \"l"), 0xC3, 0x28, .. "\": 1}\n"u8];

        var ex = Assert.Throws<UserErrorException>(() => Read(bytes, MetricsFileFormat.JsonLines, chunk));

        Assert.Equal("not UTF-8: byte 0xC3 on line 3 is not valid UTF-8; save the file as UTF-8", ex.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void A_sequence_cut_by_the_end_of_the_file_is_bad_utf8(int chunk)
    {
        byte[] bytes = [.. "{\"step\": 0, \"loss\": 1}\n{\"step\": 1, \"a"u8, 0xE2, 0x82];

        var ex = Assert.Throws<UserErrorException>(() => Read(bytes, MetricsFileFormat.JsonLines, chunk));

        Assert.Equal("not UTF-8: byte 0xE2 on line 2 is not valid UTF-8; save the file as UTF-8", ex.Message);
    }

    [Fact]
    public void A_big_file_is_read_a_chunk_at_a_time_never_whole()
    {
        // 20,000 lines (about 1 MB) through 4 KiB chunks: the reader asks for at most a chunk per read and holds no more
        // than a chunk and a line, so a file over 2 GiB reads the same way.
        var text = new StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            text.Append("{\"step\": ").Append(i).Append(", \"loss\": 0.5, \"reward\": ").Append(i % 7).Append("}\n");
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        var stream = new ChunkedOnlyStream(bytes);

        var result = MetricsFile.Read(stream, MetricsFileFormat.JsonLines, ImportTime, "big.jsonl", 4096);

        Assert.Equal(40_000, result.Points.Count);
        Assert.Equal(20_000, result.Lines);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.Sha256);
        Assert.InRange(stream.LargestRead, 1, 4096);
        Assert.True(stream.Reads > bytes.Length / 4096, $"{stream.Reads} reads");
    }

    /// <summary>A stream over bytes that fails when asked for the whole of it at once, and counts the reads.</summary>
    private sealed class ChunkedOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes, writable: false);

        public int LargestRead { get; private set; }

        public int Reads { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Assert.True(buffer.Length < _inner.Length, $"asked for {buffer.Length} bytes of {_inner.Length}: the whole file");
            Reads++;
            var n = _inner.Read(buffer);
            LargestRead = Math.Max(LargestRead, n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
