using TrainingPlatform.Tool.Output;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

// TextTable in-process: no build runs.
[Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
public sealed class TextTableTests
{
    private static string Render(TextTable table)
    {
        using var output = new StringWriter { NewLine = "\n" };
        table.Write(output);
        return output.ToString();
    }

    [Fact]
    public void Columns_are_as_wide_as_their_widest_cell_two_spaces_apart_without_trailing_spaces()
    {
        var table = new TextTable("ID", "STATUS", "NAME").Add("a1", "running", "").Add("b22222", "failed", "x");
        Assert.Equal("ID      STATUS   NAME\na1      running\nb22222  failed   x\n", Render(table));
    }

    [Fact]
    public void Wide_characters_take_two_columns_and_combining_marks_none()
    {
        // 数据 is two wide characters (four columns); "é" written as e + U+0301 is one column.
        var table = new TextTable("NAME", "SIZE").Add("数据", "1").Add("e\u0301t\u00e9", "22").Add("x", "333");
        var lines = Render(table).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME  SIZE", "数据  1", "e\u0301t\u00e9   22", "x     333"], lines);
        Assert.All(lines, l => Assert.Equal(6, TextTable.DisplayWidth(l[..l.LastIndexOf(' ')]) + 1));
    }

    [Fact]
    public void Emoji_outside_the_basic_plane_count_as_two_columns()
    {
        Assert.Equal(2, TextTable.DisplayWidth("🚀"));
        Assert.Equal(4, TextTable.DisplayWidth("ａｂ"));
        Assert.Equal(3, TextTable.DisplayWidth("▁▂█"));
        var table = new TextTable().Add("🚀", "a").Add("ab", "b").Add("abc", "c");
        Assert.Equal("🚀   a\nab   b\nabc  c\n", Render(table));
    }

    [Fact]
    public void Indent_and_minimum_widths_apply_to_every_line()
    {
        var table = new TextTable { Indent = "    ", MinWidths = [9] }.Add("modified", "a.jsonl", "+1").Add("added", "bb.jsonl", "+2");
        Assert.Equal("    modified   a.jsonl   +1\n    added      bb.jsonl  +2\n", Render(table));
        Assert.Equal(["    modified   a.jsonl   +1", "    added      bb.jsonl  +2"], table.Rows());
        Assert.Null(table.Header);
    }
}
