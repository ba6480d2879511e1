using System.IO.Compression;
using System.Text;
using Parquet;
using Parquet.Schema;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>Corrupt, truncated and empty inputs of every format: a clear UserErrorException or a correct zero, nothing else.</summary>
public sealed class DatasetsRobustnessTests
{
    private static byte[] Gzip(string text)
    {
        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(Encoding.UTF8.GetBytes(text));
        }

        return gz.ToArray();
    }

    internal static async Task<byte[]> ParquetBytes(int rows)
    {
        var id = new DataField<int>("id");
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(id), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<int>(id, Enumerable.Range(0, rows).ToArray());
        }

        return stream.ToArray();
    }

    /// <summary>(file name, content, expected samples or null for an error, a phrase the error must contain).</summary>
    internal static async Task<List<(string Name, byte[] Bytes, long? Samples, string? Error)>> Cases()
    {
        var lines = string.Concat(Enumerable.Range(0, 5000).Select(i => $"{{\"i\":{i},\"pad\":\"{new string('p', 40)}\"}}\n"));
        var gz = Gzip(lines);
        var parquet = await ParquetBytes(1000);
        var corrupt = (byte[])parquet.Clone();
        for (var i = corrupt.Length - 120; i < corrupt.Length - 8; i++)
        {
            corrupt[i] ^= 0x5A;
        }

        return
        [
            ("empty.jsonl", [], 0, null),
            ("empty.csv", [], 0, null),
            ("empty.tsv", [], 0, null),
            ("empty.json", [], 0, null),
            ("empty.jsonl.gz", [], null, "not gzip-compressed"),
            ("empty.parquet", [], null, "not a valid Parquet file"),
            ("empty.bin", [], null, null),
            ("truncated.jsonl", Encoding.UTF8.GetBytes(lines[..^30]), 5000, null), // the cut last line still counts
            ("truncated.json", "[{\"a\":1},{\"a\""u8.ToArray(), null, "invalid JSON"),
            ("truncated.csv", "a,b\n1,\"open\n2,3\n"u8.ToArray(), null, "unbalanced quote"),
            ("truncated.jsonl.gz", gz[..(gz.Length / 2)], null, "gzip"),
            ("truncated-trailer.jsonl.gz", gz[..^4], null, "gzip"),
            ("tiny.jsonl.gz", gz[..10], null, "gzip"),
            ("truncated.parquet", parquet[..^10], null, "not a valid Parquet file"),
            ("half.parquet", parquet[..(parquet.Length / 2)], null, "not a valid Parquet file"),
            ("corrupt-footer.parquet", corrupt, null, "not a valid Parquet file"),
            ("text.parquet", "id\n1\n"u8.ToArray(), null, "not a valid Parquet file"),
            ("binary.jsonl", [0x00, 0x01, 0x02, 0xFF], null, "not JSON Lines"),
            ("csv-looking.jsonl", "id,text\n1,a\n"u8.ToArray(), null, "not JSON Lines"),
            ("gzipped-but-named.jsonl", gz, null, "name it .jsonl.gz"),
            ("parquet-named.csv", parquet, null, "name it .parquet"),
            ("not-gzip.csv.gz", "a,b\n1,2\n"u8.ToArray(), null, "not gzip-compressed"),
            ("corrupt.jsonl.gz", [.. gz.Take(10), .. Enumerable.Repeat((byte)0xFF, 200), .. gz.Skip(210)], null, "gzip"),
            ("garbage.json", "{\"a\":1} trailing"u8.ToArray(), null, "invalid JSON"),
        ];
    }

    [Fact]
    public async Task With_check_every_file_that_cannot_be_read_is_a_problem_of_its_own_and_the_others_are_still_read()
    {
        // Issue 17, B5: --check used to stop at the first bad file (exit 2); now every bad file is reported, like validate.
        using var dir = new DatasetsTempDir();
        var cases = await Cases();
        foreach (var (name, bytes, _, _) in cases)
        {
            dir.Write(Path.Combine("set", name), bytes);
        }

        var folder = Path.Combine(dir.Path, "set");
        Assert.Throws<UserErrorException>(() => DatasetsTools.Snapshot(folder)); // without --check: the first error ends it

        var snapshot = DatasetsTools.Snapshot(folder, check: true);
        Assert.Equal("", snapshot.Hash); // no tree hash over files that could not be read
        var bad = cases.Where(c => c.Error is not null).ToArray();
        foreach (var (name, _, samples, error) in cases)
        {
            var file = snapshot.Files.Single(f => f.Entry.Path == name);
            if (error is null)
            {
                Assert.False(file.Unreadable, name);
                Assert.Equal(samples, file.Entry.Samples);
                continue;
            }

            Assert.True(file.Unreadable, name);
            Assert.Equal(1, file.ProblemCount);
            Assert.Contains(error, Assert.Single(file.Problems).Message, StringComparison.Ordinal);
            Assert.Equal("", file.Entry.Hash);
        }

        Assert.Equal(bad.Length, snapshot.Files.Count(f => f.Unreadable));
        Assert.True(bad.Length >= 15, $"{bad.Length} bad files");
    }

    [Fact]
    public async Task Every_format_gives_a_clear_error_or_a_correct_zero_never_another_exception()
    {
        using var dir = new DatasetsTempDir();
        foreach (var (name, bytes, samples, error) in await Cases())
        {
            var path = dir.Write(name, bytes);
            try
            {
                var snapshot = DatasetsTools.Snapshot(path);
                Assert.True(error is null, $"{name}: expected an error containing '{error}', got {snapshot.Samples} samples");
                Assert.Equal(samples, snapshot.Samples);
                Assert.Equal(bytes.Length, snapshot.Size);
            }
            catch (UserErrorException ex)
            {
                Assert.True(error is not null, $"{name}: unexpected error {ex.Message}");
                Assert.Contains(error, ex.Message, StringComparison.Ordinal);
                Assert.Equal(path, ex.FilePath);
                Assert.DoesNotContain('\n', ex.Message);
            }
        }
    }

    [Fact]
    public async Task Parquet_footers_with_random_flipped_bytes_give_an_error_or_a_count_and_never_hang()
    {
        using var dir = new DatasetsTempDir();
        var parquet = await ParquetBytes(500);
        var footerLength = BitConverter.ToInt32(parquet, parquet.Length - 8);
        var random = new Random(7);
        for (var n = 0; n < 200; n++)
        {
            var bytes = (byte[])parquet.Clone();
            bytes[parquet.Length - 8 - 1 - random.Next(footerLength)] ^= (byte)random.Next(1, 256);
            var path = dir.Write($"f{n}.parquet", bytes);
            var run = Task.Run(() =>
            {
                try
                {
                    return DatasetsTools.Snapshot(path).Samples?.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (UserErrorException ex)
                {
                    return ex.Message;
                }
            });
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20))) == run;
            Assert.True(finished, $"flip {n}: the snapshot did not finish");
            Assert.NotNull(await run);
        }
    }

    [Fact]
    public void Check_reports_the_first_20_bad_JSON_Lines_lines_and_counts_them_all()
    {
        using var dir = new DatasetsTempDir();
        var text = new StringBuilder();
        for (var i = 1; i <= 100; i++)
        {
            text.Append(i % 4 == 0 ? "{\"broken\": " : i == 1 ? "{\"ok\":1}" : "{\"ok\":2} ").Append('\n');
        }

        var path = dir.Write("bad.jsonl", text.ToString());
        var snapshot = DatasetsTools.Snapshot(path, check: true);
        var file = snapshot.Files.Single();
        Assert.Equal(100, snapshot.Samples);
        Assert.Equal(25, file.ProblemCount);
        Assert.Equal(20, file.Problems.Count);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i * 4), file.Problems.Select(p => p.Line));
        Assert.Equal(0, DatasetsTools.Snapshot(path).ProblemCount); // without --check: counted, not parsed
    }

    [Fact]
    public void Check_reports_CSV_records_whose_field_count_differs_and_stray_quotes_with_their_lines()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.Write("ragged.csv", "a,b\n1,2\n\"multi\nline\",2,3\n4\n5,6\n7,8\"x\n");
        var file = DatasetsTools.Snapshot(path, check: true).Files.Single();
        Assert.Equal(5, file.Entry.Samples);
        Assert.Equal(["3 fields, the header has 2", "1 fields, the header has 2", "a quote inside an unquoted field (read literally)"],
            file.Problems.Select(p => p.Message));
        Assert.Equal([3L, 5L, 7L], file.Problems.Select(p => p.Line).Order());
    }

    [Fact]
    public void An_unbalanced_CSV_quote_names_its_line()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.Write("q.csv", "a,b\n1,2\n3,4\n5,\"never closed\n6,7\n");
        var ex = Assert.Throws<UserErrorException>(() => DatasetsTools.Snapshot(path));
        Assert.Equal("unbalanced quote: the quoted field starting on line 4 (record 4) is never closed", ex.Message);
    }
}
