using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Tests.Validation;

/// <summary>
/// Every file in Corpus/bad must give its expected code at its expected line (Corpus/bad/expected.tsv).
/// The whole folder is validated in one run, as `trainplat validate Corpus/bad` would.
/// </summary>
public sealed class BadRecipeCorpusTests
{
    private static readonly string Folder = Path.Combine(TestPaths.Corpus, "bad");

    private static readonly Lazy<ValidationReport> Report = new(() =>
        RecipeValidator.Run(new ValidationRequest(["."], Folder)));

    public static TheoryData<string, string, int> Expectations()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var line in File.ReadAllLines(Path.Combine(Folder, "expected.tsv")).Skip(1))
        {
            var cells = line.Split('\t');
            if (cells.Length == 3)
            {
                data.Add(cells[0], cells[1], int.Parse(cells[2], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return data;
    }

    [Fact]
    public void The_corpus_is_large_and_covers_the_codes()
    {
        var rows = Expectations().Select(r => ((string)r[0], (string)r[1])).ToArray();
        Assert.True(rows.Length >= 30, $"only {rows.Length} bad files");
        // TP03xx are pre-flight codes on resolved configs (PreflightTests); TP06xx are import codes on verl/TRL files
        // (LaunchScriptTests, VerlImportAcceptanceTests); TP0012/TP0213 need a folder or two files; TP0215 a built-in (ExtendsPinAndSourceTests).
        var fromFiles = typeof(DiagnosticCodes).GetFields().Select(f => (string)f.GetValue(null)!)
            .Where(c => !c.StartsWith("TP03", StringComparison.Ordinal) && !c.StartsWith("TP06", StringComparison.Ordinal))
            .Except([DiagnosticCodes.Unreadable, DiagnosticCodes.DuplicateId, DiagnosticCodes.BuiltInWithoutSource]);
        Assert.Empty(fromFiles.Except(rows.Select(r => r.Item2)));
    }

    [Theory]
    [MemberData(nameof(Expectations))]
    public void Each_bad_file_gives_its_code_at_its_line(string file, string code, int line)
    {
        IEnumerable<Diagnostic> diagnostics;
        if (file.StartsWith('@'))
        {
            diagnostics = Generated(file[1..]);
        }
        else
        {
            Assert.True(File.Exists(Path.Combine(Folder, file)), $"{file} is listed but missing");
            diagnostics = Report.Value.Diagnostics.Where(d => d.File == file);
        }

        var all = diagnostics.ToArray();
        Assert.True(all.Any(d => d.Code == code && d.Line == line),
            $"{file}: expected {code} at line {line}; got:\n" + string.Join("\n", all.Select(d => $"{d.Line}:{d.Column} {d.Code} {d.Message}")));
        Assert.All(all, d => Assert.False(string.IsNullOrWhiteSpace(d.Message)));
    }

    [Fact]
    public void Every_file_in_the_folder_is_listed()
    {
        var listed = Expectations().Select(r => (string)r[0]).ToHashSet(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(Folder, "*.yaml").Select(Path.GetFileName);
        Assert.DoesNotContain(files, f => !listed.Contains(f!));
    }

    [Fact]
    public void The_folder_run_reports_findings_not_input_errors()
    {
        Assert.False(Report.Value.HasInputErrors);
        Assert.True(Report.Value.ErrorCount > 0);
    }

    private static IEnumerable<Diagnostic> Generated(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "trainplat-corpus-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, name);
            switch (name)
            {
                case "too_large.yaml":
                    using (var writer = new StreamWriter(path))
                    {
                        var line = "# " + new string('x', 1021) + "\n";
                        for (var i = 0; i < 10_500; i++)
                        {
                            writer.Write(line);
                        }
                    }

                    break;
                default:
                    throw new InvalidOperationException($"no generator for {name}");
            }

            return RecipeValidator.Run(new ValidationRequest([name], dir)).Diagnostics;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
