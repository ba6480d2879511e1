using System.Diagnostics;
using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>
/// Issue 21: the remote hashing script, run here by the local <c>/bin/sh -s</c> (the script on stdin, as on a data host),
/// gives the hash a local read gives and, with <see cref="RemoteCount"/> and the file's head, the same samples and fields;
/// it finds <c>shasum</c> when <c>sha256sum</c> is missing, says so when there is no tool, and runs nothing a file name holds.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // sh, sha256sum and grep: the data hosts are POSIX
public sealed class DatasetsRemoteHashScriptTests
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>JSON Lines edge cases (name, bytes); every one must give the local result, or the same error.</summary>
    private static List<(string Name, byte[] Bytes)> JsonLinesCases()
    {
        static byte[] Lines(int count, string newline, int start = 0) =>
            Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(start, count).Select(i => $"{{\"id\":{i},\"text\":\"t{i}\"}}{newline}")));
        var cases = new List<(string, byte[])>
        {
            ("plain.jsonl", Lines(10, "\n")),
            ("crlf.jsonl", Lines(10, "\r\n")),
            ("blank-lines.jsonl", [.. "\n\n \n\t\n\r\n"u8, .. Lines(3, "\n\n  \t\r\n")]),
            ("tabs.jsonl", [.. "\t{\"a\":1}\t\n\t\t\n\t \r\t\n{\"b\":2}"u8]),
            ("no-final-newline.jsonl", [.. Lines(5, "\n"), .. "{\"last\":true}"u8]),
            ("cr-last-line.jsonl", [.. Lines(5, "\n"), .. "  \r"u8]),
            ("bom.jsonl", [.. Bom, .. Lines(10, "\n")]),
            ("bom-blank-first-line.jsonl", [.. Bom, .. " \t\r\n"u8, .. Lines(10, "\n")]),
            ("bom-newline.jsonl", [.. Bom, .. "\n"u8, .. Lines(3, "\n")]),
            ("bom-only.jsonl", Bom),
            ("bom-blank-only.jsonl", [.. Bom, .. " \r\n\n"u8]),
            ("nul-bytes.jsonl", [.. Lines(2, "\n"), 0, .. "\n"u8, 0, 0, .. " \n{\"x\":\"a"u8, 0, .. "b\"}\n"u8]),
            ("invalid-utf8.jsonl", [.. Lines(2, "\n"), .. "{\"s\":\""u8, 0xFF, 0xC3, 0x28, .. "\"}\n"u8, 0xFE, .. "\n"u8]),
            ("empty.jsonl", []),
            ("only-blank.jsonl", [.. "\n \n\r\n\t\n  "u8]),
            ("not-json-lines.jsonl", [.. "\n\nid,text\n1,a\n"u8]),
            ("nul-first.jsonl", [0, .. "{\"a\":1}\n"u8]),
            ("bom-then-csv.jsonl", [.. Bom, .. " \n a,b\n"u8]),
        };

        // Past the head: the fields of the first 100 samples only, and the BOM correction where the head does not reach the end.
        var many = new List<byte>(Bom);
        many.AddRange(" \t\r\n"u8.ToArray());
        for (var i = 0; i < 20_000; i++)
        {
            many.AddRange(Encoding.UTF8.GetBytes(i == 150 ? "{\"late\":1}\n" : i % 7 == 0 ? " \n" : $"{{\"id\":{i},\"pad\":\"{new string('p', i % 50)}\"}}{(i % 3 == 0 ? "\r\n" : "\n")}"));
        }

        cases.Add(("bom-blank-first-line-long.jsonl", [.. many]));
        cases.Add(("long.jsonl", [.. many.Skip(3)]));
        cases.Add(("bom-long.jsonl", [.. Bom, .. many.Skip(7)]));
        return cases;
    }

    [Fact]
    public void Hashes_samples_and_fields_from_the_script_equal_a_local_read_for_every_edge_case_with_sha256_and_sha512()
    {
        using var dir = new DatasetsTempDir();
        var files = JsonLinesCases().Select(c => dir.Write("data/" + c.Name, c.Bytes)).ToList();
        files.Add(dir.Write("data/other.bin", [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))]));
        files.Add(dir.Write("data/empty.bin", []));

        // Debian's sh (dash) and bash as sh (RHEL's /bin/sh, POSIX mode).
        var bashAsSh = Path.Combine(Directory.CreateDirectory(dir.File("bash")).FullName, "sh");
        File.CreateSymbolicLink(bashAsSh, Which("bash"));
        foreach (var shell in new[] { Which("sh"), bashAsSh })
        {
            foreach (var algorithm in SnapshotAlgorithms.Supported)
            {
                // Sizes given (small files: hash, then count) and not given (hash and count in parallel): the same results.
                foreach (var sized in new[] { true, false })
                {
                    var requests = files.Select(f => new RemoteHashRequest(f, IsJsonLines(f), sized ? new FileInfo(f).Length : -1)).ToList();
                    var output = RunScript(requests, algorithm, shell: shell);
                    Assert.Equal(algorithm + "sum", output.Tool);
                    Assert.Equal(files.Count, output.Files.Count);
                    var failures = files.Select((f, i) => Mismatch(f, output.Files[i], algorithm)).OfType<string>().ToList();
                    Assert.True(failures.Count == 0, $"{shell}, {algorithm}, sized {sized}:\n" + string.Join("\n", failures));
                }
            }
        }
    }

    [Fact]
    public void A_50_MB_file_hashed_and_counted_in_parallel_equals_a_local_read_and_only_its_head_is_read_for_fields()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.File("big.jsonl");
        var random = new Random(21);
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(true)))
        {
            writer.Write("  \r\n");
            long written = 0;
            for (var i = 0; written < 50L << 20; i++)
            {
                var line = random.Next(20) switch
                {
                    0 => "\n",
                    1 => " \t \r\n",
                    _ => $"{{\"id\":{i},\"k{i % 130}\":\"{new string('x', random.Next(0, 200))}\"}}\n",
                };
                writer.Write(line);
                written += line.Length;
            }
        }

        var size = new FileInfo(path).Length;
        var output = RunScript([new RemoteHashRequest(path, true, size)], SnapshotAlgorithms.Sha256);
        var result = Assert.Single(output.Files);
        using var stream = File.OpenRead(path);
        var head = RemoteCount.ReadHead(stream);
        Assert.False(head.AtEnd);
        Assert.True(head.BomOnBlankFirstLine);
        Assert.True(head.BytesRead < 1 << 20, $"{head.BytesRead} bytes read for the head");

        var local = FileReader.Read(path, FileKind.FromFileName(path), SnapshotAlgorithms.Sha256, false, true, null);
        var count = RemoteCount.Count(result.Lines!.Value, head);
        Assert.Equal(local.Hash, result.Hash);
        Assert.Equal(local.Count.Samples, count.Samples);
        Assert.Equal(local.Count.Fields, count.Fields);
        Assert.Equal(local.Count.Samples + 1, result.Lines); // grep counts the BOM's first line
    }

    [Fact]
    public void Without_sha256sum_the_script_uses_shasum_and_without_any_tool_it_prints_the_marker()
    {
        using var dir = new DatasetsTempDir();
        var file = dir.Write("a.jsonl", [.. Bom, .. "\n{\"a\":1}\n\n{\"b\":2}"u8]);
        var other = dir.Write("b.bin", "bytes"u8.ToArray());
        var local = FileReader.Read(file, FileKind.FromFileName(file), SnapshotAlgorithms.Sha512, false, false, null);

        var shasumOnly = Directory.CreateDirectory(dir.File("bin-shasum")).FullName;
        File.CreateSymbolicLink(Path.Combine(shasumOnly, "grep"), Which("grep"));
        File.WriteAllText(Path.Combine(shasumOnly, "shasum"), $"#!{Which("sh")}\nexec {Which("shasum")} \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(shasumOnly, "shasum"), UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var output = RunScript([new(file, true), new(other, false)], SnapshotAlgorithms.Sha512, shasumOnly);
        Assert.Equal("shasum -a 512", output.Tool);
        Assert.Equal(local.Hash, output.Files[0].Hash);
        Assert.Equal(2, RemoteCount.Count(output.Files[0].Lines!.Value, Head(file)).Samples);
        Assert.Null(output.Files[1].Lines);
        Assert.Equal(SnapshotAlgorithms.HashOf(SnapshotAlgorithms.Sha512, "bytes"u8), output.Files[1].Hash);

        var none = Directory.CreateDirectory(dir.File("bin-none")).FullName;
        File.CreateSymbolicLink(Path.Combine(none, "grep"), Which("grep"));
        var marker = RunScript([new(file, true)], SnapshotAlgorithms.Sha256, none);
        Assert.True(marker.NoTool);
        Assert.Empty(marker.Files);

        // sha256sum but no grep: hashing alone works, counting does not (the caller streams).
        var noGrep = Directory.CreateDirectory(dir.File("bin-nogrep")).FullName;
        File.CreateSymbolicLink(Path.Combine(noGrep, "sha256sum"), Which("sha256sum"));
        Assert.True(RunScript([new(file, true)], SnapshotAlgorithms.Sha256, noGrep).NoTool);
        Assert.Equal(SnapshotAlgorithms.HashOf(SnapshotAlgorithms.Sha256, "bytes"u8), RunScript([new(other, false)], SnapshotAlgorithms.Sha256, noGrep).Files[0].Hash);
    }

    [Fact]
    public void Hostile_file_names_are_hashed_and_nothing_they_hold_is_run()
    {
        using var dir = new DatasetsTempDir();
        string[] names =
        [
            "a;touch pwned.jsonl", "$(touch pwned).jsonl", "`touch pwned`.jsonl", "it's.jsonl", "'; touch pwned; '.jsonl",
            "new\nline.jsonl", "-rf.jsonl", "--help.jsonl", "a b  c.jsonl", "\"quoted\".jsonl", "back\\slash.jsonl",
            "tab\tname.jsonl", "${HOME}.jsonl", "$HOME.jsonl", "*.jsonl", "ünï cødé.jsonl", "a|touch pwned.jsonl", "a&touch pwned&.jsonl",
            "> pwned.jsonl",
        ];
        var files = names.Select((n, i) => dir.Write("data/" + n, Encoding.UTF8.GetBytes($"{{\"i\":{i}}}\n\n{{\"name\":1}}\n"))).ToList();
        var output = RunScript([.. files.Select(f => new RemoteHashRequest(f, true, 30)), .. files.Select(f => new RemoteHashRequest(f, true))],
            SnapshotAlgorithms.Sha256, workingDirectory: dir.File("data"));

        for (var i = 0; i < files.Count; i++)
        {
            var local = FileReader.Read(files[i], FileKind.FromFileName(files[i]), SnapshotAlgorithms.Sha256, false, true, null);
            foreach (var result in new[] { output.Files[i], output.Files[files.Count + i] })
            {
                Assert.True(result.Error is null, $"{names[i]}: {result.Error}");
                Assert.Equal(local.Hash, result.Hash);
                Assert.Equal(2, result.Lines);
            }
        }

        Assert.DoesNotContain(Directory.GetFiles(dir.Path, "*pwned*", SearchOption.AllDirectories), f => !names.Any(n => f.EndsWith(n, StringComparison.Ordinal)));
        Assert.False(File.Exists(dir.File("data/pwned")));
        Assert.False(File.Exists("pwned"));
        Assert.Equal(names.Length, Directory.GetFiles(dir.File("data")).Length);
    }

    [Fact]
    public void A_file_that_vanished_or_is_a_folder_gives_an_error_line_of_its_own_and_the_others_are_still_hashed()
    {
        using var dir = new DatasetsTempDir();
        var good = dir.Write("good.jsonl", "{\"a\":1}\n");
        var folder = Directory.CreateDirectory(dir.File("folder.jsonl")).FullName;
        var locked = dir.Write("locked.jsonl", "{\"a\":1}\n");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        var output = RunScript([new(dir.File("gone.jsonl"), true), new(folder, true), new(good, true), new(dir.File("gone.bin"), false, 5), new(locked, true)],
            SnapshotAlgorithms.Sha256);

        Assert.Equal("no such file on the host (deleted or renamed since it was listed?)", output.Files[0].Error);
        Assert.Equal("a folder, not a file", output.Files[1].Error);
        Assert.Equal(new RemoteHashResult(SnapshotAlgorithms.HashOf(SnapshotAlgorithms.Sha256, "{\"a\":1}\n"u8), 1, null), output.Files[2]);
        Assert.Null(output.Files[3].Hash);
        Assert.NotNull(output.Files[3].Error);
        if (Environment.UserName != "root")
        {
            Assert.Equal("permission denied: the remote user cannot read it", output.Files[4].Error);
        }
        else
        {
            Assert.Equal(1, output.Files[4].Lines); // root reads a file of mode 000
        }

        // Every reason the script prints, as Parse reads it (a permission error cannot be made as root).
        var lines = string.Join("\n", "trainplat-remote-hash 1 sha256 sha256sum", "0 error unreadable", "1 error failed", "trainplat-remote-hash end", "");
        var parsed = RemoteHashScript.Parse(Encoding.UTF8.GetBytes(lines), 2);
        Assert.Equal(["permission denied: the remote user cannot read it", "could not be read on the host (an I/O error?)"], parsed.Files.Select(f => f.Error));
    }

    [Theory]
    [InlineData("", "printed nothing")]
    [InlineData("hello\n", "no line starting with trainplat-remote-hash")]
    [InlineData("trainplat-remote-hash 2 sha256 sha256sum\n", "an unknown first line")]
    [InlineData("trainplat-remote-hash 1 md5 md5sum\n", "an unknown first line")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n0 ok abc 1\n1 ok abc 1\ntrainplat-remote-hash end\n", "where the result of file 1 belongs")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n0 ok {H} 1\ntrainplat-remote-hash end\n", "results for 1 of 2 files")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n0 ok {H} 1\n", "results for 1 of 2 files")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n0 ok {H} 1\n1 ok {H} -\n", "no last line")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n0 ok {H} 1\n1 ok {H} -\n2 ok {H} -\n", "where its last line belongs")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n1 ok {H} 1\n0 ok {H} -\ntrainplat-remote-hash end\n", "where the result of file 1 belongs")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n0 ok {H} x\n1 ok {H} -\ntrainplat-remote-hash end\n", "where the result of file 1 belongs")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n0 ok {H} -1\n1 ok {H} -\ntrainplat-remote-hash end\n", "where the result of file 1 belongs")]
    [InlineData("trainplat-remote-hash 1 sha512 sha512sum\n0 ok {H} 1\n1 ok {H} -\ntrainplat-remote-hash end\n", "where the result of file 1 belongs")]
    [InlineData("trainplat-remote-hash 1 sha256 sha256sum\n0 error exploded\n1 ok {H} -\ntrainplat-remote-hash end\n", "where the result of file 1 belongs")]
    public void Malformed_output_is_an_error_naming_the_hashing_script_and_the_host(string stdout, string expected)
    {
        var hash = new string('a', 64);
        var bytes = Encoding.UTF8.GetBytes(stdout.Replace("{H}", hash, StringComparison.Ordinal));
        var ex = Assert.Throws<UserErrorException>(() => RemoteHashScript.Parse(bytes, 2, "ssh://data-host:22"));
        Assert.StartsWith("ssh://data-host:22: trainplat's remote hashing script (sh -s) printed ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.NotNull(ex.Hint);
    }

    [Fact]
    public void Lines_a_login_file_prints_before_the_script_are_skipped()
    {
        var hash = new string('0', 64);
        var stdout = $"Welcome to the cluster\ntrainplat-remote-hash 1 lookalike\ntrainplat-remote-hash 1 sha256 shasum -a 256\n0 ok {hash} 12\ntrainplat-remote-hash end\n";
        Assert.Throws<UserErrorException>(() => RemoteHashScript.Parse(Encoding.UTF8.GetBytes(stdout), 1));
        var output = RemoteHashScript.Parse(Encoding.UTF8.GetBytes(stdout.Replace("trainplat-remote-hash 1 lookalike\n", "", StringComparison.Ordinal)), 1);
        Assert.Equal("shasum -a 256", output.Tool);
        Assert.Equal(new RemoteHashResult(hash, 12, null), Assert.Single(output.Files));
    }

    private static bool IsJsonLines(string path) => FileKind.FromFileName(path).Format == DatasetFormat.JsonLines;

    private static JsonLinesHead Head(string path)
    {
        using var stream = File.OpenRead(path);
        return RemoteCount.ReadHead(stream);
    }

    /// <summary>What differs between the script's result (with the head, for JSON Lines) and a local read, or null.</summary>
    private static string? Mismatch(string path, RemoteHashResult result, string algorithm)
    {
        var name = Path.GetFileName(path);
        var kind = FileKind.FromFileName(path);
        string Describe(Func<(string Hash, SampleCount Count)> read)
        {
            try
            {
                var (hash, count) = read();
                return string.Create(CultureInfo.InvariantCulture, $"{hash} {count.Samples?.ToString(CultureInfo.InvariantCulture) ?? "n/a"} [{string.Join(",", count.Fields)}]");
            }
            catch (UserErrorException ex)
            {
                return "error: " + ex.Message;
            }
        }

        var expected = Describe(() =>
        {
            var local = FileReader.Read(path, kind, algorithm, check: false, overlap: true, null);
            return (local.Hash, local.Count);
        });
        // A small file's head is the whole file, whose own count is used; the host's count alone (as past the head) must agree too.
        string Remote(bool wholeHead) => Describe(() =>
        {
            if (result.Error is not null)
            {
                return ("remote error " + result.Error, SampleCount.None);
            }

            return kind.Format == DatasetFormat.JsonLines
                ? (result.Hash!, RemoteCount.Count(result.Lines ?? throw new InvalidOperationException("no line count"), wholeHead ? Head(path) : Head(path) with { AtEnd = false }))
                : (result.Hash!, SampleCount.None);
        });
        var actual = Remote(wholeHead: true);
        var fromHostCount = Remote(wholeHead: false);
        return expected == actual && expected == fromHostCount ? null : $"{name}: local {expected}, remote {actual}, from the host's count {fromHostCount}";
    }

    private static string Which(string tool) =>
        new[] { "/usr/bin", "/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, tool)).First(File.Exists);

    /// <summary>Runs the script with <c>sh -s</c> (or <paramref name="shell"/>), the script on stdin; PATH only <paramref name="path"/> when given.</summary>
    private static RemoteHashOutput RunScript(IReadOnlyList<RemoteHashRequest> files, string algorithm, string? path = null, string? workingDirectory = null,
        string? shell = null)
    {
        var script = RemoteHashScript.Build(files, algorithm);
        var start = new ProcessStartInfo(shell ?? Which("sh"), ["-s"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (path is not null)
        {
            start.Environment["PATH"] = path;
        }

        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(new UTF8Encoding(false).GetBytes(script));
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "sh -s did not finish");
        copy.Wait();
        Assert.True(process.ExitCode == 0, $"sh exited {process.ExitCode}: {stderr.Result}");
        return RemoteHashScript.Parse(stdout.ToArray(), files.Count);
    }
}
