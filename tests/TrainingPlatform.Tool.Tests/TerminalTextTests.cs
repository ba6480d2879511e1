using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Output;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>Issue 13 item 9: user text cannot inject escape sequences, lines or bidi overrides into text output.</summary>
public sealed class TerminalTextTests
{
    private const string Name = "a\u001b[31mred\nline";
    private const string Tag = "t\u001b]0;pwned\u0007\u202e";
    private const string Note = "done\r\nFAKE\u009b2J";

    private static void NoRawControl(CliResult result)
    {
        foreach (var c in result.Out + result.Error)
        {
            Assert.False(c is (< ' ' and not '\n') or (>= '\u007f' and <= '\u009f') or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069'),
                $"raw U+{(int)c:X4} in the output:\n{result}");
        }
    }

    [Fact]
    public void Config_keys_and_file_names_in_diff_text_are_escaped()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        File.WriteAllText(Path.Combine(temp.Path, "left.json"), "{\"lr\u001b[31m\": 1, \"a\": {\"b\\u202e\": 2}}");
        File.WriteAllText(Path.Combine(temp.Path, "right.json"), "{\"lr\u001b[31m\": 3, \"a\": {\"b\\u202e\": 4}}");

        var diff = CliRun.InProcess(temp.Path, "diff", "left.json", "right.json");

        Assert.Contains("lr\\x1b[31m: 1 → 3", diff.Out, StringComparison.Ordinal);
        Assert.Contains("b\\u202e", diff.Out, StringComparison.Ordinal);
        NoRawControl(diff);
    }

    [Fact]
    public void Job_names_tags_notes_and_metric_names_are_escaped_in_text_and_exact_in_json()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var create = CliRun.InProcess(temp.Path, "job", "create", "-r", "grpo_math_small", "-s", "7B", "--name", Name, "--tag", Tag);
        Assert.True(create.ExitCode == ExitCodes.Ok, create.ToString());
        var id = create.Out.Trim();
        NoRawControl(create);
        var update = CliRun.InProcess(temp.Path, "job", "update", id, "--status", "running", "--note", Note);
        Assert.True(update.ExitCode == ExitCodes.Ok, update.ToString());
        var log = CliRun.InProcess(temp.Path, "metrics", "log", id, "--step", "1", "reward\u202egnp.exe=1");
        Assert.True(log.ExitCode == ExitCodes.Ok, log.ToString());

        var list = CliRun.InProcess(temp.Path, "job", "list");
        NoRawControl(list);
        Assert.Contains("a\\x1b[31mred\\nline", list.Out, StringComparison.Ordinal);
        Assert.Equal(4, list.Out.Split('\n').Length); // header, one job, summary, and the empty piece after the last newline

        var show = CliRun.InProcess(temp.Path, "job", "show", id);
        NoRawControl(show);
        Assert.Contains("job " + id + "  \"a\\x1b[31mred\\nline\"", show.Out, StringComparison.Ordinal);
        Assert.Contains("t\\x1b]0;pwned\\x07\\u202e", show.Out, StringComparison.Ordinal);
        Assert.Contains("done\\r\\nFAKE\\x9b2J", show.Out, StringComparison.Ordinal);

        Assert.Contains("reward\\u202egnp.exe", show.Out, StringComparison.Ordinal);
        var metrics = CliRun.InProcess(temp.Path, "metrics", "show", id);
        NoRawControl(metrics);
        Assert.Contains("reward\\u202egnp.exe", metrics.Out, StringComparison.Ordinal);
        NoRawControl(CliRun.InProcess(temp.Path, "lineage", id));

        var json = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", id, "--format", "json").Out)!;
        Assert.Equal(Name, json["name"]!.GetValue<string>());
        Assert.Equal(Tag, json["tags"]![0]!.GetValue<string>());
        Assert.Equal(Note, json["events"]![1]!["note"]!.GetValue<string>());
    }

    [Fact]
    public void Errors_naming_user_text_are_one_escaped_line()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var result = CliRun.InProcess(temp.Path, "render", "x\u001b[2J\nfake", "-s", "7B");
        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        NoRawControl(result);
        Assert.StartsWith("trainplat: error: unknown recipe 'x\\x1b[2J\\nfake'\n", result.Error, StringComparison.Ordinal);
    }

    // TerminalText.Escape in-process: no build runs.
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("tab\there", "tab\\there")]
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("bidi\u2066x\u2069", "bidi\\u2066x\\u2069")]
    [InlineData("中文 é", "中文 é")]
    [Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
    public void Escape_makes_control_characters_visible_and_leaves_other_text_alone(string text, string shown) =>
        Assert.Equal(shown, TerminalText.Escape(text));
}
