using System.Security.Cryptography;
using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>Metrics files as trainers write them, read from real files.</summary>
public sealed class MetricsFileTests : IDisposable
{
    private static readonly DateTimeOffset ImportTime = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "trainplat-metrics-" + Guid.NewGuid().ToString("N")[..12]);

    public MetricsFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private MetricsFileResult Read(string name, string text) => MetricsFile.Read(Write(name, text), ImportTime);

    private static string Lines(params string[] lines) => string.Join("\n", lines) + "\n";

    private static (long Step, string Name, double Value)[] Triples(MetricsFileResult r) =>
        [.. r.Points.Select(p => (p.Step, p.Name, p.Value))];

    private static string Problems(MetricsFileResult r) => string.Join("\n", r.Problems.Select(p => $"{p.Line}: {p.Message}"));

    [Fact]
    public void Json_lines_become_one_point_per_numeric_field_in_file_order()
    {
        var text = Lines(
            """{"step": 0, "loss": 2.5, "reward": -1}""",
            """{"step": 10, "loss": 1.25, "reward": 0.5e1}""");
        var path = Write("run.jsonl", text);

        var result = MetricsFile.Read(path, ImportTime);

        Assert.Empty(result.Problems);
        Assert.Equal(0, result.ProblemCount);
        Assert.Equal(2, result.Lines);
        Assert.Equal([(0L, "loss", 2.5), (0L, "reward", -1.0), (10L, "loss", 1.25), (10L, "reward", 5.0)], Triples(result));
        Assert.All(result.Points, p => Assert.Equal(ImportTime, p.Time));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), result.Sha256);
    }

    [Fact]
    public void Metric_names_are_one_string_instance_per_name()
    {
        var result = Read("run.jsonl", Lines("""{"step": 1, "loss": 1}""", """{"step": 2, "loss": 2}""", """{"step": 3, "eval": {"loss": 3}}""", """{"step": 4, "eval": {"loss": 4}}"""));

        Assert.Same(result.Points[0].Name, result.Points[1].Name);
        Assert.Equal("eval/loss", result.Points[2].Name);
        Assert.Same(result.Points[2].Name, result.Points[3].Name);
    }

    [Theory]
    [InlineData("""{"step": 7, "loss": 1}""", 7)]
    [InlineData("""{"global_step": 7, "loss": 1}""", 7)]
    [InlineData("""{"_step": 7, "_runtime": 1, "loss": 1}""", 7)]
    [InlineData("""{"iteration": 7, "loss": 1}""", 7)]
    [InlineData("""{"Step": 7, "loss": 1}""", 7)]
    [InlineData("""{"iteration": 1, "_step": 2, "global_step": 3, "loss": 1}""", 3)]
    [InlineData("""{"loss": 1, "iteration": 9, "step": 4}""", 4)]
    [InlineData("""{"step": 10.0, "loss": 1}""", 10)]
    [InlineData("""{"step": 1e3, "loss": 1}""", 1000)]
    [InlineData("""{"step": null, "iteration": 5, "loss": 1}""", 5)]
    public void The_step_is_the_first_step_field_present(string line, long step)
    {
        var result = Read("run.jsonl", line);

        Assert.Empty(result.Problems);
        var point = Assert.Single(result.Points, p => p.Name == "loss");
        Assert.Equal(step, point.Step);
        Assert.DoesNotContain(result.Points, p => MetricsFile.StepFields.Contains(p.Name, StringComparer.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("""{"step": 10.5, "loss": 1}""", "field 'step' is 10.5: the step must be a whole number ≥ 0")]
    [InlineData("""{"step": -1, "loss": 1}""", "field 'step' is -1: the step must be a whole number ≥ 0")]
    [InlineData("""{"step": "10", "loss": 1}""", "field 'step' is a string, '10': the step must be a whole number ≥ 0")]
    [InlineData("""{"global_step": true, "loss": 1}""", "field 'global_step' is true: the step must be a whole number ≥ 0")]
    [InlineData("""{"step": NaN, "loss": 1}""", "field 'step' is NaN: the step must be a whole number ≥ 0")]
    [InlineData("""{"loss": 1, "epoch": 2}""", "no step: none of the fields step, global_step, _step, iteration is present")]
    [InlineData("""{"step": 3, "note": "warmup", "done": false, "tags": [1, 2], "x": null}""", "no numeric field besides step")]
    [InlineData("""{"step": 3, "time": "yesterday", "loss": 1}""", "field 'time' is a string, 'yesterday': expected unix seconds or an ISO-8601 date and time")]
    [InlineData("""{"step": 3, "timestamp": 1e300, "loss": 1}""", "field 'timestamp' is 1e300: expected unix seconds or an ISO-8601 date and time")]
    [InlineData("""{"step": 3, "": 1}""", "a metric has an empty name")]
    [InlineData("""{"step": 3, "a\u0001b": 1}""", "metric name 'a\\u0001b' contains a control character (U+0001)")]
    [InlineData("""[{"step": 3, "loss": 1}]""", "not JSON Lines: line 2 starts a JSON array; expected one JSON object per line")]
    [InlineData("""42""", "not a JSON object but a number")]
    [InlineData("""{"step": 3, "loss": 1""", "the line ends before its JSON object does (cut off?)")]
    [InlineData("""{"step": 3, "eval": {"loss":    """, "the line ends before its JSON object does (cut off?)")]
    [InlineData("""{"step": 3, "loss": 1}}""", "'}' is invalid after a single JSON value")]
    [InlineData("""{"step": 3, 'loss': 1}""", "''' is an invalid start of a property name")]
    public void A_bad_line_is_reported_with_its_number_and_what_is_wrong(string bad, string message)
    {
        var text = Lines("""{"step": 1, "loss": 0.5}""", bad, "", """{"step": 4, "loss": 0.25}""");
        if (bad.StartsWith('['))
        {
            // A first line that is an array makes the whole file not JSON Lines.
            var ex = Assert.Throws<UserErrorException>(() => Read("run.jsonl", "\n" + bad + "\n"));
            Assert.Equal(message, ex.Message);
            return;
        }

        var result = Read("run.jsonl", text);

        var problem = Assert.Single(result.Problems);
        Assert.Equal(2, problem.Line);
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
        Assert.Equal([(1L, "loss", 0.5), (4L, "loss", 0.25)], Triples(result));
        Assert.Equal(3, result.Lines);
    }

    [Fact]
    public void A_line_with_several_problems_reports_each_and_gives_no_points()
    {
        var result = Read("run.jsonl", Lines("""{"step": 2.5, "time": "later", "loss": 1, "acc": 0.5}"""));

        Assert.Equal(
            "1: field 'step' is 2.5: the step must be a whole number ≥ 0\n" +
            "1: field 'time' is a string, 'later': expected unix seconds or an ISO-8601 date and time",
            Problems(result));
        Assert.Empty(result.Points);
    }

    [Fact]
    public void Syntax_errors_report_the_parsers_message_with_the_column()
    {
        var result = Read("run.jsonl", Lines("""{"step": 1, "loss": 0.5}""", "not json", """{"step": 2, "": 1, "loss": }""", """{"step": 3 "loss": 1}"""));

        Assert.Equal(
            "2: 'not json' is an invalid JSON literal. Expected the literal 'null' (column 2)\n" +
            "3: '}' is an invalid start of a value (column 28)\n" +
            "4: '\"' is invalid after a value. Expected either ',', '}', or ']' (column 12)",
            Problems(result));
        Assert.Single(result.Points);
    }

    [Fact]
    public void Line_numbers_count_blank_lines_crlf_and_a_byte_order_mark()
    {
        var text = "\uFEFF\r\n" + """{"step": 1, "loss": 1}""" + "\r\n   \r\n" + """{"step": "x", "loss": 1}""" + "\r\n\t\r\n" + """{"step": 3, "loss": 3}""";

        var result = Read("run.jsonl", text);

        Assert.Equal("4: field 'step' is a string, 'x': the step must be a whole number ≥ 0", Problems(result));
        Assert.Equal([(1L, "loss", 1.0), (3L, "loss", 3.0)], Triples(result));
        Assert.Equal(3, result.Lines);
    }

    [Fact]
    public void Nested_objects_are_flattened_with_slashes_and_other_values_ignored()
    {
        var result = Read("run.jsonl", Lines(
            """{"step": 5, "train": {"loss": 1.5, "lr": 1e-5, "note": "x"}, "eval": {"acc": {"top1": 0.5, "top5": 0.9}, "samples": [1, 2, 3]}, "ok": true, "none": null, "tags": ["a"], "kl": 0.01}"""));

        Assert.Empty(result.Problems);
        Assert.Equal(
            [(5L, "train/loss", 1.5), (5L, "train/lr", 1e-5), (5L, "eval/acc/top1", 0.5), (5L, "eval/acc/top5", 0.9), (5L, "kl", 0.01)],
            Triples(result));
    }

    [Fact]
    public void A_step_field_inside_a_nested_object_is_a_metric()
    {
        var result = Read("run.jsonl", Lines("""{"step": 1, "sched": {"step": 40}}"""));

        Assert.Equal([(1L, "sched/step", 40.0)], Triples(result));
    }

    [Fact]
    public void Python_nan_and_infinities_are_values_and_strings_with_those_words_are_not()
    {
        var result = Read("run.jsonl", Lines(
            """{"step": 1, "loss": NaN, "grad_norm": Infinity, "min": -Infinity, "note": "loss is NaN, Infinity soon", "x": [NaN]}""",
            """{"step": 2, "loss": "NaN", "grad_norm": "Infinity", "min": "-Infinity", "other": "nan"}""",
            """{"step": 3, "big": 1e400, "small": -1e400}"""));

        Assert.Empty(result.Problems);
        var byKey = result.Points.ToDictionary(p => (p.Step, p.Name), p => p.Value);
        Assert.Equal(8, byKey.Count);
        Assert.True(double.IsNaN(byKey[(1, "loss")]));
        Assert.Equal(double.PositiveInfinity, byKey[(1, "grad_norm")]);
        Assert.Equal(double.NegativeInfinity, byKey[(1, "min")]);
        Assert.True(double.IsNaN(byKey[(2, "loss")]));
        Assert.Equal(double.PositiveInfinity, byKey[(2, "grad_norm")]);
        Assert.Equal(double.NegativeInfinity, byKey[(2, "min")]);
        Assert.Equal(double.PositiveInfinity, byKey[(3, "big")]);
        Assert.Equal(double.NegativeInfinity, byKey[(3, "small")]);
    }

    [Fact]
    public void Times_are_unix_seconds_or_iso_8601_in_utc_and_default_to_the_import_time()
    {
        var result = Read("run.jsonl", Lines(
            """{"step": 1, "time": 1700000000.25, "loss": 1}""",
            """{"step": 2, "timestamp": "2024-05-01T12:00:00+02:00", "loss": 1}""",
            """{"step": 3, "_timestamp": "2024-05-01 12:00:00.5", "loss": 1}""",
            """{"step": 4, "loss": 1}""",
            """{"step": 5, "_timestamp": 1, "time": 1700000000, "loss": 1}""",
            """{"step": 6, "time": null, "loss": 1}"""));

        Assert.Empty(result.Problems);
        Assert.Equal(
            [
                DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250),
                new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(2024, 5, 1, 12, 0, 0, 500, TimeSpan.Zero),
                ImportTime,
                DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
                ImportTime,
            ],
            result.Points.Select(p => p.Time));
        Assert.All(result.Points.Take(3), p => Assert.Equal(TimeSpan.Zero, p.Time.Offset));
        Assert.All(result.Points, p => Assert.Equal("loss", p.Name));
    }

    [Fact]
    public void Metric_names_longer_than_200_characters_are_problems()
    {
        var ok = new string('a', 200);
        var tooLong = new string('b', 120) + "/" + new string('c', 80);
        var result = Read("run.jsonl", Lines(
            $$"""{"step": 1, "{{ok}}": 1}""",
            $$$"""{"step": 2, "{{{tooLong[..120]}}}": {"{{{tooLong[121..]}}}": 1}}"""));

        Assert.Equal(ok, Assert.Single(result.Points).Name);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(2, problem.Line);
        Assert.Equal($"metric name '{new string('b', 60)}…' is 201 characters long, more than 200", problem.Message);
    }

    [Fact]
    public void Every_problem_is_counted_but_only_the_first_thousand_are_listed()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 1500; i++)
        {
            text.Append($$"""{"step": {{i}}, "loss": 1}""").Append('\n').Append("""{"loss": 1}""").Append('\n');
        }

        var result = Read("run.jsonl", text.ToString());

        Assert.Equal(1500, result.Points.Count);
        Assert.Equal(1000, result.Problems.Count);
        Assert.Equal(1500, result.ProblemCount);
        Assert.Equal(500, result.MoreProblems);
        Assert.Equal(2, result.Problems[0].Line);
        Assert.Equal(2000, result.Problems[^1].Line);
        Assert.Equal(3000, result.Lines);
    }

    [Theory]
    [InlineData("run.jsonl", MetricsFileFormat.JsonLines)]
    [InlineData("run.NDJSON", MetricsFileFormat.JsonLines)]
    [InlineData("trainer_log.json", MetricsFileFormat.JsonLines)]
    [InlineData("progress.csv", MetricsFileFormat.Csv)]
    [InlineData("progress.Tsv", MetricsFileFormat.Tsv)]
    public void The_format_comes_from_the_extension(string name, MetricsFileFormat format) =>
        Assert.Equal(format, MetricsFile.FormatOf(name));

    [Fact]
    public void An_unknown_extension_is_one_clear_error()
    {
        var path = Write("metrics.dat", "loss 1\n");

        var ex = Assert.Throws<UserErrorException>(() => MetricsFile.Read(path, ImportTime));

        // .txt, .log and .out are console output now, and JSON is known by its content under any name (issue 18).
        Assert.Equal("unknown metrics format '.dat': expected .jsonl, .ndjson, .json (JSON Lines, verl's file logger, trainer_state.json), .csv, .tsv, .log/.txt/.out (verl's console output), or a TensorBoard event file (events.out.tfevents.*) or log folder", ex.Message);
        Assert.Equal(path, ex.FilePath);
    }

    [Theory]
    [InlineData("empty.jsonl", "", "the metrics file is empty")]
    [InlineData("blank.jsonl", "\n  \r\n\t\n", "the metrics file is empty")]
    [InlineData("bom-only.csv", "\uFEFF", "the metrics file is empty")]
    [InlineData("pretty.json", "{\n  \"step\": 1,\n  \"loss\": 1\n}\n", "not JSON Lines: line 1 starts an object spread over several lines; expected one JSON object per line")]
    [InlineData("header-only.csv", "step,loss\n", "the metrics file has a header but no rows")]
    [InlineData("no-step.csv", "epoch,loss\n1,0.5\n", "no step column: expected one of step, global_step, _step, iteration; the header has 'epoch', 'loss'")]
    [InlineData("commas.tsv", "step,loss\n1,0.5\n", "no step column: expected one of step, global_step, _step, iteration; the header has 'step,loss' (the header has no '\\t': is the file comma-separated?)")]
    [InlineData("twice.csv", "step,loss,loss\n1,0.5,0.5\n", "column 'loss' appears twice in the header")]
    [InlineData("quote.csv", "step,loss\n1,\"0.5\n2,0.4\n", "unbalanced quote: the quoted field starting on line 2 is never closed")]
    public void File_level_problems_are_one_exception(string name, string text, string message)
    {
        var ex = Assert.Throws<UserErrorException>(() => Read(name, text));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_file_that_is_not_utf8_names_the_byte_and_line()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"step\": 1, \"loss\": 1}\n{\"step\": 2, \"n\u00e4me\": 1}\n");
        bytes[Array.IndexOf(bytes, (byte)0xC3)] = 0xE4; // Latin-1 'ä'
        var path = Write("latin1.jsonl", bytes);

        var ex = Assert.Throws<UserErrorException>(() => MetricsFile.Read(path, ImportTime));

        Assert.Equal("not UTF-8: byte 0xE4 on line 2 is not valid UTF-8; save the file as UTF-8", ex.Message);
    }

    [Fact]
    public void A_utf16_file_is_reported_as_such()
    {
        var path = Write("utf16.csv", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("step,loss\n1,2\n")]);

        var ex = Assert.Throws<UserErrorException>(() => MetricsFile.Read(path, ImportTime));

        Assert.Equal("not UTF-8: the file starts with a UTF-16 byte order mark; save it as UTF-8", ex.Message);
    }

    [Fact]
    public void A_missing_file_is_a_metrics_file_error()
    {
        var path = Path.Combine(_dir, "missing.jsonl");

        var ex = Assert.Throws<UserErrorException>(() => MetricsFile.Read(path, ImportTime));

        Assert.StartsWith("cannot read the metrics file: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing.jsonl", ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.FilePath);
    }

    [Fact]
    public void Csv_columns_are_metrics_and_empty_cells_are_no_value()
    {
        var result = Read("progress.csv", "step,loss,eval/acc,note\n0,2.5,,\n10,1.5,0.75,\n20,,0.8,\n");

        Assert.Empty(result.Problems);
        Assert.Equal([(0L, "loss", 2.5), (10L, "loss", 1.5), (10L, "eval/acc", 0.75), (20L, "eval/acc", 0.8)], Triples(result));
        Assert.Equal(3, result.Lines);
        Assert.All(result.Points, p => Assert.Equal(ImportTime, p.Time));
    }

    [Fact]
    public void Csv_problems_name_the_column_and_the_text()
    {
        var result = Read("progress.csv", "step,loss,acc\n1,0.5,0.1\n2,0.4,abc\n3.5,0.3,0.2\n,0.2,0.3\n5,,\n6,0.1,0.4,9\n7,0.1\n8,1,1\n");

        Assert.Equal(
            "3: column 'acc' is 'abc': not a number\n" +
            "4: column 'step' is '3.5': the step must be a whole number ≥ 0\n" +
            "5: no step: column 'step' is empty\n" +
            "6: no metric value: every metric column is empty\n" +
            "7: 4 fields, the header has 3\n" +
            "8: 2 fields, the header has 3",
            Problems(result));
        Assert.Equal([(1L, "loss", 0.5), (1L, "acc", 0.1), (8L, "loss", 1.0), (8L, "acc", 1.0)], Triples(result));
    }

    [Fact]
    public void Csv_reads_nan_and_infinities_in_the_spellings_python_and_dotnet_write()
    {
        var result = Read("progress.csv", "step,a,b,c,d,e\n1,nan,inf,-inf,NaN,-Infinity\n2, 1.5 ,\"2\",+inf,1E3,Infinity\n");

        Assert.Empty(result.Problems);
        var values = result.Points.Select(p => p.Value).ToArray();
        Assert.Equal(
            [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.NegativeInfinity, 1.5, 2, double.PositiveInfinity, 1000, double.PositiveInfinity],
            values);
    }

    [Fact]
    public void Csv_step_and_time_columns_use_the_same_names_ignoring_case_and_are_not_metrics()
    {
        // TensorBoard's CSV export.
        var result = Read("tb.csv", "Wall time,Step,Value\n1700000000.5,100,0.25\n1700000060,200,0.125\n");

        Assert.Empty(result.Problems);
        Assert.Equal([(100L, "Value", 0.25), (200L, "Value", 0.125)], Triples(result));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500), result.Points[0].Time);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_060), result.Points[1].Time);
    }

    [Fact]
    public void Csv_times_may_be_iso_8601_and_a_bad_one_is_a_problem()
    {
        var result = Read("progress.csv", "global_step,timestamp,loss\n1,2024-05-01T10:00:00Z,1\n2,,2\n3,soon,3\n");

        Assert.Equal("4: column 'timestamp' is 'soon': expected unix seconds or an ISO-8601 date and time", Problems(result));
        Assert.Equal([new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), ImportTime], result.Points.Select(p => p.Time));
    }

    [Fact]
    public void Csv_ignores_an_unnamed_index_column_and_reads_quoted_fields()
    {
        // pandas' DataFrame.to_csv() with its default index=True.
        var result = Read("pandas.csv", ",step,\"eval, loss\"\n0,10,\"1.5\"\n1,20,\"1.25\"\n");

        Assert.Empty(result.Problems);
        // The name rule has no spaces (issue 18): the reader stores the column as "eval,_loss" and says so.
        Assert.Equal([(10L, "eval,_loss", 1.5), (20L, "eval,_loss", 1.25)], Triples(result));
        Assert.Equal([("eval, loss", "eval,_loss")], result.Mapped);
    }

    [Fact]
    public void Tsv_is_tab_separated_with_line_numbers_counting_the_header_and_blank_lines()
    {
        var result = Read("progress.tsv", "step\tloss\treward\n1\t0.5\t1\n\n2\tx\t2\n");

        Assert.Equal("4: column 'loss' is 'x': not a number", Problems(result));
        Assert.Equal([(1L, "loss", 0.5), (1L, "reward", 1.0)], Triples(result));
        Assert.Equal(2, result.Lines);
    }

    [Fact]
    public void Parse_reads_bytes_and_hashes_them_as_given()
    {
        var bytes = Encoding.UTF8.GetBytes("\uFEFFstep,loss\n1,2\n");

        var result = MetricsFile.Parse(bytes, MetricsFileFormat.Csv, ImportTime);

        Assert.Equal([(1L, "loss", 2.0)], Triples(result));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.Sha256);
    }

    [Fact]
    public void A_large_file_reads_every_point()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $$$"""{"step": {{{i}}}, "loss": {{{1.0 / (i + 1)}}}, "reward": {{{i * 0.001}}}, "kl": {{{i % 7}}}, "eval": {"acc": 0.5}}""").Append('\n');
        }

        var result = Read("big.jsonl", text.ToString());

        Assert.Empty(result.Problems);
        Assert.Equal(80_000, result.Points.Count);
        Assert.Equal(1.0 / 20_000, result.Points[^4].Value);
        Assert.Equal(4, result.Points.Select(p => p.Name).Distinct().Count());
    }
}
