using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>Hashes against sha256sum/sha512sum: every read path (plain, overlapped, through a parser, gzip), edge sizes, a sparse file over 4 GB.</summary>
public sealed class DatasetsHashTests
{
    private const int MiB = 1 << 20;

    /// <summary>Edge sizes around the 1 MiB read buffer, then sizes spread up to 3 MiB; every format's read path.</summary>
    internal static IEnumerable<(string Name, byte[] Bytes)> GeneratedFiles()
    {
        var random = new Random(20261125);
        long[] edges = [0, 1, 2, 7, 8, 9, 4095, 4096, 65536, MiB - 1, MiB, MiB + 1, 2 * MiB - 1, 2 * MiB, 2 * MiB + 1];
        var i = 0;
        foreach (var size in edges)
        {
            var bytes = new byte[size];
            random.NextBytes(bytes);
            yield return ($"edge/{i++:D3}-{size}.bin", bytes);
        }

        for (var n = 0; n < 120; n++)
        {
            var size = n % 3 == 0 ? random.Next(0, 3 * MiB) : random.Next(0, 64 * 1024);
            var bytes = new byte[size];
            random.NextBytes(bytes);
            yield return ($"random/{n:D3}.bin", bytes);
        }

        for (var n = 0; n < 40; n++)
        {
            var lines = n == 0 ? 0 : random.Next(1, n % 5 == 0 ? 40_000 : 200);
            var text = new StringBuilder();
            for (var l = 0; l < lines; l++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{{\"id\":{l},\"text\":\"{new string('x', random.Next(0, 80))}\"}}\n");
            }

            yield return ($"jsonl/{n:D3}.jsonl", Encoding.UTF8.GetBytes(text.ToString()));
            yield return ($"csv/{n:D3}.csv", Encoding.UTF8.GetBytes("id,text\n" + string.Concat(Enumerable.Range(0, lines).Select(l => $"{l},\"a,b\"\n"))));
        }

        for (var n = 0; n < 10; n++)
        {
            // At least one line: .NET writes nothing at all for empty input, and an empty .gz is not gzip (issue 13).
            var raw = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, (n * 997) + 1).Select(l => $"{{\"n\":{l}}}\n")));
            using var gz = new MemoryStream();
            using (var z = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(raw);
            }

            yield return ($"gz/{n:D3}.jsonl.gz", gz.ToArray());
            yield return ($"json/{n:D3}.json", Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, n * 13).Select(l => $"{{\"n\":{l}}}")) + "]"));
        }
    }

    [Fact]
    public void Folder_hashes_equal_sha256sum_for_230_generated_files_and_the_tree_hash_follows_the_documented_manifest()
    {
        using var dir = new DatasetsTempDir();
        var files = GeneratedFiles().Select(f => dir.Write("data/" + f.Name, f.Bytes)).ToArray();
        Assert.True(files.Length >= 200, $"only {files.Length} files");

        DatasetSnapshot snapshot;
        try
        {
            snapshot = DatasetsTools.Snapshot(dir.File("data"));
        }
        catch (UserErrorException ex)
        {
            throw new InvalidOperationException($"{ex.FilePath}: {ex.Message} {new FileInfo(ex.FilePath!).Length}", ex);
        }

        var expected = DatasetsTools.Sums("sha256sum", files);

        Assert.Equal(files.Length, snapshot.Files.Count);
        foreach (var f in snapshot.Files)
        {
            var full = dir.File("data/" + f.Entry.Path);
            Assert.True(expected[full] == f.Entry.Hash, $"{f.Entry.Path} ({f.Entry.Size} bytes): {f.Entry.Hash} != sha256sum {expected[full]}");
            Assert.Equal(new FileInfo(full).Length, f.Entry.Size);
        }

        // The tree hash is sha256sum of the manifest written out by hand from sha256sum's own output.
        var manifest = new StringBuilder("trainplat-tree-v1 sha256\n");
        foreach (var full in files.OrderBy(f => Path.GetRelativePath(dir.File("data"), f), StringComparer.Ordinal))
        {
            manifest.Append(CultureInfo.InvariantCulture, $"{expected[full]} {new FileInfo(full).Length} {Path.GetRelativePath(dir.File("data"), full)}\n");
        }

        var manifestFile = dir.Write("manifest.txt", manifest.ToString());
        Assert.Equal(DatasetsTools.Sums("sha256sum", [manifestFile])[manifestFile], snapshot.Hash);
        Assert.Equal(manifest.ToString(), TreeManifest.Text("sha256", snapshot.Manifest));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(MiB - 1)]
    [InlineData(MiB)]
    [InlineData(MiB + 1)]
    [InlineData((3 * MiB) + 5)]
    public void Single_file_hashes_equal_sha256sum_and_sha512sum_at_the_buffer_edges(int size)
    {
        using var dir = new DatasetsTempDir();
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        foreach (var name in new[] { "x.bin", "x.jsonl" })
        {
            var path = dir.Write(name, name.EndsWith(".jsonl", StringComparison.Ordinal) ? JsonLinesOfSize(size) : bytes);
            Assert.Equal(DatasetsTools.Sums("sha256sum", [path])[path], DatasetsTools.Snapshot(path).Hash);
            Assert.Equal(DatasetsTools.Sums("sha512sum", [path])[path], DatasetsTools.Snapshot(path, SnapshotAlgorithms.Sha512).Hash);
        }
    }

    /// <summary>Lines of 64 bytes (<c>{"k":"xx…"}</c> + LF), the last one cut to make exactly <paramref name="size"/> bytes.</summary>
    private static byte[] JsonLinesOfSize(int size)
    {
        var line = Encoding.UTF8.GetBytes("{\"k\":\"" + new string('x', 56) + "\"}\n");
        return [.. Enumerable.Range(0, size).Select(i => line[i % line.Length])];
    }

    [Fact]
    public async Task A_sparse_file_over_4_GB_hashes_like_sha256sum()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.File("sparse.bin");
        const long size = (4L << 30) + MiB + 3; // past 2^32, not a multiple of the buffer
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(size);
            stream.Write("head"u8);
            stream.Seek(1L << 32, SeekOrigin.Begin);
            stream.Write("at 4 GiB"u8);
            stream.Seek(size - 4, SeekOrigin.Begin);
            stream.Write("tail"u8);
        }

        // sha256sum (~2.5 s/GB without SHA-NI) runs on the other core while trainplat hashes.
        var sums = Task.Run(() => DatasetsTools.Sums("sha256sum", [path]));
        var snapshot = DatasetsTools.Snapshot(path);
        Assert.Equal(size, snapshot.Size);
        Assert.Equal(size, snapshot.BytesRead);
        Assert.Equal((await sums)[path], snapshot.Hash);
    }
}
