using System.Diagnostics;
using System.Formats.Tar;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>
/// Issue 17, B4: apache/parquet-testing's files, which Arrow and other readers accept, count from their footer alone
/// (rows and top-level field names) with the numbers that a full Arrow scan or the repository's own documentation gives
/// (Fixtures/parquet-testing/README.md says where each number comes from). The committed fixtures are always checked;
/// a copy of the whole data/ folder, when one is at hand, is checked as well.
/// </summary>
public sealed class ParquetTestingTests
{
    /// <summary>The files issue 17 named: refused (exit 2) by the reader that built typed columns.</summary>
    private static readonly string[] NamedInTheIssue =
    [
        "float16_nonzeros_and_nans.parquet", "float16_zeros_and_nans.parquet", "floating_orders_nan_count.parquet",
        "byte_stream_split_extended.gzip.parquet", "dict-page-offset-zero.parquet", "map_no_value.parquet",
    ];

    private static string FixtureFolder => Path.Combine(TestPaths.Fixtures, "parquet-testing");

    [Fact]
    public void Every_committed_fixture_counts_the_rows_and_fields_an_independent_reader_found()
    {
        var expected = Expected();
        var fixtures = Directory.GetFiles(FixtureFolder, "*.parquet").Order(StringComparer.Ordinal).ToArray();
        Assert.Superset(NamedInTheIssue.ToHashSet(), fixtures.Select(f => Path.GetFileName(f)).ToHashSet());
        Assert.True(fixtures.Length >= 12, $"{fixtures.Length} fixtures");
        var failures = fixtures.Select(f => Mismatch(f, expected[Path.GetFileName(f)], withHash: true)).OfType<string>().ToArray();
        Assert.True(failures.Length == 0, string.Join("\n", failures));
    }

    [Fact]
    public void A_footer_whose_file_level_row_count_disagrees_with_its_row_groups_counts_what_readers_return()
    {
        // parquet-rs 0.3.0 wrote num_rows 0 in FileMetaData; the row group holds 6 rows, and Arrow (and every other reader) returns 6.
        var path = Path.Combine(FixtureFolder, "repeated_no_annotation.parquet");
        foreach (var algorithm in new[] { SnapshotAlgorithms.Sha256, "" })
        {
            var snapshot = DatasetsTools.Snapshot(path, algorithm, check: true);
            Assert.Equal(6, snapshot.Samples);
            Assert.Equal(0, snapshot.ProblemCount);
        }
    }

    /// <summary>
    /// Every <c>.parquet</c> file of a copy of the repository's data/ folder: from <c>PARQUET_TESTING_DATA</c> (a checkout's
    /// data/ folder) or a bare clone of the repository (<c>PARQUET_TESTING_GIT_DIR</c>). The fixtures above are the test a fresh clone runs; this extends it
    /// to all 75 files where a copy is at hand, and checks the fixtures again otherwise.
    /// </summary>
    [Fact]
    public void Every_file_of_the_parquet_testing_data_folder_counts_when_a_copy_is_at_hand()
    {
        using var temp = new DatasetsTempDir();
        var folder = DataFolder(temp.Path) ?? FixtureFolder;
        var expected = Expected();
        var files = Directory.GetFiles(folder, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        var failures = new List<string>();
        foreach (var file in files)
        {
            var name = Path.GetRelativePath(folder, file).Replace('\\', '/');
            if (expected.TryGetValue(name, out var want))
            {
                failures.Add(Mismatch(file, want, withHash: false) ?? "");
            }
            else
            {
                // A file newer than the table: it must still count, from its footer, without an error.
                var snapshot = DatasetsTools.Snapshot(file, algorithm: "");
                failures.Add(snapshot.Samples is >= 0 && snapshot.Fields.Count > 0 ? "" : $"{name}: {snapshot.Samples} rows, {snapshot.Fields.Count} fields");
            }
        }

        Assert.True(failures.All(f => f.Length == 0), string.Join("\n", failures.Where(f => f.Length > 0)));
        if (folder != FixtureFolder)
        {
            Assert.True(files.Length >= expected.Count, $"{files.Length} files in {folder}, {expected.Count} in expected.tsv");
        }
    }

    /// <summary>What is wrong with the count of <paramref name="path"/>, or null: with a hash (a full read) or footer only, and with <c>--check</c>.</summary>
    private static string? Mismatch(string path, (long Rows, string[] Fields) want, bool withHash)
    {
        var name = Path.GetFileName(path);
        try
        {
            var snapshot = DatasetsTools.Snapshot(path, withHash ? SnapshotAlgorithms.Sha256 : "", check: true);
            if (snapshot.Samples != want.Rows || !snapshot.Fields.SequenceEqual(want.Fields) || snapshot.ProblemCount != 0)
            {
                return $"{name}: {snapshot.Samples} rows [{string.Join(",", snapshot.Fields)}] {snapshot.ProblemCount} problems; expected {want.Rows} rows [{string.Join(",", want.Fields)}]";
            }

            return withHash && snapshot.Format != "parquet" ? $"{name}: format {snapshot.Format}" : null;
        }
        catch (Exception ex) when (ex is Diagnostics.UserErrorException)
        {
            return $"{name}: {ex.Message}";
        }
    }

    private static Dictionary<string, (long Rows, string[] Fields)> Expected() =>
        File.ReadAllLines(Path.Combine(FixtureFolder, "expected.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t'))
            .ToDictionary(c => c[0], c => (long.Parse(c[1], System.Globalization.CultureInfo.InvariantCulture), c[2].Split(',')), StringComparer.Ordinal);

    /// <summary>The whole data/ folder: <c>PARQUET_TESTING_DATA</c>, else extracted from the bare clone in <c>PARQUET_TESTING_GIT_DIR</c> into <paramref name="temp"/>; null when neither is here.</summary>
    private static string? DataFolder(string temp)
    {
        if (Environment.GetEnvironmentVariable("PARQUET_TESTING_DATA") is { Length: > 0 } given)
        {
            return Directory.Exists(given) ? given : throw new DirectoryNotFoundException($"PARQUET_TESTING_DATA={given}: no such folder");
        }

        if (Environment.GetEnvironmentVariable("PARQUET_TESTING_GIT_DIR") is not { Length: > 0 } gitDir)
        {
            return null;
        }

        if (!Directory.Exists(gitDir))
        {
            throw new DirectoryNotFoundException($"PARQUET_TESTING_GIT_DIR={gitDir}: no such folder");
        }

        var tar = Path.Combine(temp, "data.tar");
        var start = new ProcessStartInfo("git", ["--git-dir", gitDir, "archive", "--format=tar", "-o", tar, "HEAD", "data"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using (var git = Process.Start(start)!)
        {
            var error = git.StandardError.ReadToEnd();
            Assert.True(git.WaitForExit(TimeSpan.FromMinutes(2)) && git.ExitCode == 0, "git archive of the parquet-testing mirror: " + error);
        }

        var into = Path.Combine(temp, "parquet-testing");
        Directory.CreateDirectory(into);
        TarFile.ExtractToDirectory(tar, into, overwriteFiles: false);
        return Path.Combine(into, "data");
    }
}
