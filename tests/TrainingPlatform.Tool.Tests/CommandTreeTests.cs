using System.CommandLine;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>Options shared by several commands are one declaration: same text, same value name, same checks everywhere.</summary>
public sealed class CommandTreeTests
{
    private static readonly string[] SharedOptions = ["--model-size", "--model", "--gpus", "--nodes", "--gpu-memory", "--set", "--format"];

    public static TheoryData<string> SharedOptionNames() => [.. SharedOptions];

    public static TheoryData<string> CommandsWithFormat() => [.. Commands().Where(c => Find(c.Command, "--format") is not null).Select(c => c.Path)];

    // Reads the command tree in-process (the tool's internals), runs no process.
    [Theory]
    [MemberData(nameof(SharedOptionNames))]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void Every_occurrence_of_a_shared_option_is_the_same_declaration(string name)
    {
        var occurrences = Commands().Select(c => (c.Path, Option: Find(c.Command, name))).Where(o => o.Option is not null).ToArray();
        Assert.True(occurrences.Length >= 2, $"{name} is on {occurrences.Length} command(s)");
        var first = occurrences[0].Option!;
        foreach (var (path, option) in occurrences)
        {
            Assert.Equal(first.Aliases.Order(), option!.Aliases.Order());
            Assert.True(
                name == "--format"
                    ? option.GetType() is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(Commands.FormatOption<>) && t.GetGenericArguments()[0].IsEnum
                    : first.ValueType == option.ValueType,
                $"{path} {name}: {option.GetType().Name} of {option.ValueType.Name}");
            Assert.Equal(first.Validators.Count, option.Validators.Count);
            Assert.Equal(first.Arity.MaximumNumberOfValues, option.Arity.MaximumNumberOfValues);
            if (name == "--format")
            {
                // One declaration, typed per command: the text is built from the command's own values.
                var values = option.HelpName!.Split('|');
                Assert.Equal($"Output format: {string.Join(", ", values)}. [default: {values[0]}]", option.Description);
            }
            else
            {
                Assert.True(first.Description == option.Description, $"{path} {name}: '{option.Description}' differs from '{first.Description}' ({occurrences[0].Path})");
                Assert.True(first.HelpName == option.HelpName, $"{path} {name}: value name '{option.HelpName}' differs from '{first.HelpName}'");
            }
        }
    }

    // Reads the source files: no build runs.
    [Theory]
    [MemberData(nameof(SharedOptionNames))]
    [Trait(ToolBuild.Trait, ToolBuild.JitOnly)]
    public void A_shared_option_is_declared_once_in_the_source(string name)
    {
        var tool = Path.Combine(Repo.Root, "tool", "TrainingPlatform.Tool");
        var declarations = Directory.EnumerateFiles(tool, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select(line => (File: Path.GetRelativePath(tool, f), Line: line)))
            .Where(l => l.Line.Contains($"(\"{name}\"", StringComparison.Ordinal))
            .ToArray();
        Assert.True(declarations.Length == 1, $"{name} is declared {declarations.Length} times: " + string.Join("; ", declarations.Select(d => d.File)));
    }

    [Theory]
    [MemberData(nameof(CommandsWithFormat))]
    public void Every_format_option_lists_its_values_in_help_and_rejects_others(string path)
    {
        var values = Find(Commands().Single(c => c.Path == path).Command, "--format")!.HelpName!.Split('|');
        Assert.True(values.Length >= 2);
        var args = path.Split(' ');
        var help = CliRun.InProcess(Repo.Examples, [.. args, "--help"]);
        Assert.Equal(0, help.ExitCode);
        var line = help.Out.Split('\n').Single(l => l.Contains("--format", StringComparison.Ordinal));
        Assert.Contains($"<{string.Join('|', values)}>", line, StringComparison.Ordinal);
        Assert.Contains($"Output format: {string.Join(", ", values)}.", line, StringComparison.Ordinal);

        var wrong = CliRun.InProcess(Repo.Examples, [.. args, "--format", "xml"]);
        Assert.Equal(ExitCodes.UsageError, wrong.ExitCode);
        Assert.Contains("'xml'", wrong.Error, StringComparison.Ordinal);
        foreach (var value in values)
        {
            Assert.Contains($"'{value}'", wrong.Error, StringComparison.Ordinal);
        }

        Assert.Equal("", wrong.Out);
    }

    [Theory]
    [InlineData("render", "--gpus", "0", "--gpus must be a positive whole number, not 0")]
    [InlineData("render", "--nodes", "-1", "--nodes must be a positive whole number, not -1")]
    [InlineData("render", "--gpu-memory", "0", "--gpu-memory must be a positive number of GB")]
    [InlineData("job create -r", "--gpus", "0", "--gpus must be a positive whole number, not 0")]
    [InlineData("job create -r", "--gpu-memory", "-80", "--gpu-memory must be a positive number of GB")]
    [InlineData("suggest", "--gpus", "0", "--gpus must be a positive whole number, not 0")]
    public void The_cluster_options_refuse_numbers_below_one_on_every_command(string command, string option, string value, string message)
    {
        using var temp = new TempDir();
        var r = CliRun.InProcess(temp.Path, [.. command.Split(' '), "sft_full", "-s", "7B", option, value]);
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("trainplat: error: " + message, r.Error, StringComparison.Ordinal);
        Assert.Equal("", r.Out);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, ".trainplat")), "nothing is recorded");
    }

    // Reads the command tree in-process (the tool's internals), runs no process.
    [Fact]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void The_top_level_table_names_each_command_as_it_is_built()
    {
        var context = new CliContext(TextWriter.Null, TextWriter.Null, Repo.Examples, Color: false, ErrorIsTerminal: false);
        Assert.Equal(Cli.TopLevel.Select(c => c.Name), Cli.TopLevel.Select(c => c.Build(context).Name));
        Assert.Equal(Cli.TopLevel.Select(c => c.Name), Cli.BuildRoot(context).Subcommands.Select(c => c.Name));
    }

    // Reads the command tree in-process (the tool's internals), runs no process.
    [Theory]
    [InlineData("render grpo_basic -s 7B", "render")]
    [InlineData("job list", "job")]
    [InlineData("--version", "")]
    [InlineData("--help", "*")]
    [InlineData("rendr grpo_basic", "*")]
    [InlineData("--version --help", "*")]
    [Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]
    public void Only_the_command_a_line_names_is_built(string line, string built)
    {
        var context = new CliContext(TextWriter.Null, TextWriter.Null, Repo.Examples, Color: false, ErrorIsTerminal: false);
        var names = Cli.BuildRootFor(context, line.Split(' ')).Subcommands.Select(c => c.Name);
        Assert.Equal(built == "*" ? Cli.TopLevel.Select(c => c.Name) : built.Split(' ', StringSplitOptions.RemoveEmptyEntries), names);
    }

    private static Option? Find(Command command, string name) => command.Options.FirstOrDefault(o => o.Name == name);

    private static IEnumerable<(string Path, Command Command)> Commands()
    {
        var root = Cli.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null, Repo.Examples, Color: false, ErrorIsTerminal: false));
        var pending = new Stack<(string Path, Command Command)>(root.Subcommands.Select(c => (c.Name, c)));
        while (pending.TryPop(out var item))
        {
            yield return item;
            foreach (var sub in item.Command.Subcommands)
            {
                pending.Push(($"{item.Path} {sub.Name}", sub));
            }
        }
    }
}
