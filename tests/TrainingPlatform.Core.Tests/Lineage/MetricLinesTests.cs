using System.Text;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>The line grammar of <c>metrics log --stdin</c>: <c>STEP name=value …</c>, comments, blanks, and what a bad line says.</summary>
public sealed class MetricLinesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static (List<MetricPoint> Points, MetricLineProblem? Problem) Parse(string line, MetricLines? parser = null)
    {
        var points = new List<MetricPoint>();
        var problem = (parser ?? new MetricLines()).Parse(Encoding.UTF8.GetBytes(line), 7, T0, points);
        return (points, problem);
    }

    [Theory]
    [InlineData("100 loss=0.42 reward=0.61")]
    [InlineData("step=100 loss=0.42 reward=0.61")]
    [InlineData("STEP=100\tloss=0.42\treward=0.61")]
    [InlineData("  100   loss=0.42  reward=0.61  \r")]
    [InlineData("100.0 loss=0.42 reward=0.61")]
    [InlineData("100 loss=4.2e-1 reward=+0.61")]
    public void A_step_and_its_pairs_in_any_of_the_accepted_spellings(string line)
    {
        var (points, problem) = Parse(line);
        Assert.Null(problem);
        Assert.Equal([(100L, "loss", 0.42, T0), (100L, "reward", 0.61, T0)], points.Select(p => (p.Step, p.Name, p.Value, p.Time)));
    }

    [Fact]
    public void Named_values_and_names_with_equals_signs_follow_metrics_log()
    {
        var (points, problem) = Parse("3 r=NaN up=inf down=-Infinity a=b=1e-5 eval/loss=1");
        Assert.Null(problem);
        Assert.Equal(["r", "up", "down", "a=b", "eval/loss"], points.Select(p => p.Name));
        Assert.True(double.IsNaN(points[0].Value));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity, 1e-5, 1], points.Skip(1).Select(p => p.Value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t\r")]
    [InlineData("# step loss reward")]
    [InlineData("   # indented comment")]
    public void Blank_lines_and_comments_record_nothing_and_are_no_problem(string line)
    {
        var (points, problem) = Parse(line);
        Assert.Null(problem);
        Assert.Empty(points);
    }

    [Theory]
    [InlineData("loss=0.4", 1, "the line starts with 'loss=0.4', not the step")]
    [InlineData("abc loss=0.4", 1, "the step 'abc' is not a whole number ≥ 0")]
    [InlineData("-1 loss=0.4", 1, "the step '-1' is not a whole number ≥ 0")]
    [InlineData("step=1.5 loss=0.4", 6, "the step '1.5' is not a whole number ≥ 0")]
    [InlineData("100", 4, "step 100 has no name=value after it")]
    [InlineData("100 loss", 5, "'loss' is not name=value")]
    [InlineData("100 loss=", 5, "'loss=' is not name=value")]
    [InlineData("100 =1", 5, "'=1' is not name=value")]
    [InlineData("100 loss=0.4 reward=abc", 21, "'reward=abc': 'abc' is not a number")]
    [InlineData("100 loss=1 loss=2", 12, "metric 'loss' is given twice on this line")]
    [InlineData("100 a\u0001b=1", 5, "contains a control character (U+0001)")]
    [InlineData("100 ü=1 loss=x", 14, "'loss=x': 'x' is not a number")]
    public void A_bad_line_says_the_column_and_why_and_records_nothing(string line, int column, string message)
    {
        var (points, problem) = Parse(line);
        Assert.NotNull(problem);
        Assert.Equal(7, problem.Line);
        Assert.Equal(column, problem.Column);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.Empty(points);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_a_bad_line_at_their_column()
    {
        var points = new List<MetricPoint>();
        var problem = new MetricLines().Parse([.. "100 lo"u8, 0xFF, .. "ss=1"u8], 2, T0, points);
        Assert.Equal((2L, 7), (problem!.Line, problem.Column));
        Assert.Contains("byte 0xFF is not valid UTF-8", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parser_reused_for_a_stream_gives_the_same_name_strings_and_forgets_nothing_when_names_change()
    {
        var parser = new MetricLines();
        var first = Parse("1 loss=1 reward=2", parser).Points;
        var second = Parse("2 loss=3 reward=4", parser).Points;
        var third = Parse("3 reward=5 kl=6 loss=7", parser).Points;
        Assert.Same(first[0].Name, second[0].Name);
        Assert.Same(first[1].Name, third[0].Name);
        Assert.Equal(["reward", "kl", "loss"], third.Select(p => p.Name));
        Assert.Equal([5.0, 6, 7], third.Select(p => p.Value));
    }
}
