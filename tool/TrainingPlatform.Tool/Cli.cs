using System.CommandLine;
using System.CommandLine.Invocation;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool;

/// <summary>Builds the command tree and runs it; turns every failure into one line and an exit code.</summary>
public static class Cli
{
    /// <summary>The top-level commands by name, in help order. Only the one a command line names is built (see <see cref="Run"/>).</summary>
    internal static readonly TopLevelCommand[] TopLevel =
    [
        new("recipe", Commands.Recipe.RecipeCommand.Build),
        new("model", Commands.Model.ModelCommand.Build),
        new("validate", Commands.Validate.ValidateCommand.Build),
        new("render", Commands.Render.RenderCommand.Build),
        new("export", Commands.Export.ExportCommand.Build),
        new("diff", Commands.Diff.DiffCommand.Build),
        new("init", Commands.Init.InitCommand.Build),
        new("check", Commands.Check.CheckCommand.Build),
        new("data", Commands.Data.DataCommand.Build),
        new("job", Commands.Job.JobCommand.Build),
        new("metrics", Commands.Metrics.MetricsCommand.Build),
        new("lineage", Commands.Lineage.LineageCommand.Build),
        new("report", Commands.Report.ReportCommand.Build),
        new("store", Commands.Store.StoreCommand.Build),
        new("suggest", Commands.Experience.SuggestCommand.Build),
        new("recommend", Commands.Experience.RecommendCommand.Build),
        new("import", Commands.Import.ImportCommand.Build),
    ];

    /// <summary>The whole command tree.</summary>
    public static RootCommand BuildRoot(CliContext context) => BuildRoot(context, TopLevel);

    /// <summary>
    /// The tree a command line needs: only the command its first word names (every option, validator and handler of the
    /// other commands costs start-up time, mostly JIT); none for a lone <c>--version</c>; all of them for anything else
    /// (help, a typo that gets a "did you mean", a response file).
    /// </summary>
    internal static RootCommand BuildRootFor(CliContext context, string[] args)
    {
        if (args is ["--version"])
        {
            return BuildRoot(context, []);
        }

        for (var i = 0; i < TopLevel.Length && args.Length > 0; i++)
        {
            if (TopLevel[i].Name == args[0])
            {
                return BuildRoot(context, TopLevel.AsSpan(i, 1));
            }
        }

        return BuildRoot(context);
    }

    private static RootCommand BuildRoot(CliContext context, ReadOnlySpan<TopLevelCommand> commands)
    {
        var root = new RootCommand("trainplat: versioned, validated LLM post-training recipes.");
        foreach (var command in commands)
        {
            root.Subcommands.Add(command.Build(context));
        }

        return root;
    }

    /// <summary>A top-level command: its name, and how to build it (a class, not a tuple: no generic code to JIT at start).</summary>
    internal sealed record TopLevelCommand(string Name, Func<CliContext, Command> Build);

    public static int Run(string[] args, CliContext context)
    {
        try
        {
            var root = BuildRootFor(context, args);
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
            {
                WriteParseErrors(context, parse);
                return ExitCodes.UsageError;
            }

            return parse.Invoke(new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (UserErrorException ex)
        {
            // The one place a user mistake becomes output: its findings, one error line, a hint, exit 2 (1 for a finding).
            DiagnosticFormatter.WriteLines(context.Error, ex.Diagnostics, new Style(false), hints: false);
            foreach (var (path, message) in ex.PathErrors)
            {
                context.Error.WriteLine($"trainplat: error: {TerminalText.Escape(Shown(context, path))}: {TerminalText.Escape(message)}");
            }

            context.Error.WriteLine($"trainplat: error: {TerminalText.Escape((ex.FilePath is null ? "" : Shown(context, ex.FilePath) + ": ") + ex.Message)}");
            if (ex.Hint is not null)
            {
                context.Error.WriteLine($"  hint: {TerminalText.Escape(ex.Hint)}");
            }

            return ex.IsFinding ? ExitCodes.Findings : ExitCodes.UsageError;
        }
        catch (FileNotFoundException ex) when (ex.FileName is not null)
        {
            if (Core.Text.FileNames.NotUtf8(ex.FileName) is { } why)
            {
                context.Error.WriteLine($"trainplat: error: {TerminalText.Escape(Shown(context, ex.FileName))} {why}");
                context.Error.WriteLine($"  hint: {Core.Text.FileNames.RenameHint}");
            }
            else
            {
                context.Error.WriteLine($"trainplat: error: {TerminalText.Escape(Shown(context, ex.FileName))}: no such file or folder");
            }

            return ExitCodes.UsageError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"trainplat: error: {TerminalText.Escape(ex.Message)}");
            return ExitCodes.UsageError;
        }
#pragma warning disable CA1031 // The last line of defence: never a stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            context.Error.WriteLine($"trainplat: internal error: {ex.GetType().Name}: {ex.Message}");
            context.Error.WriteLine("  This is a bug in trainplat; please report it with the command you ran.");
            return ExitCodes.UsageError;
        }
    }

    /// <summary>
    /// What the parser refused, each problem once: a mistyped command or option as "unknown command/option" with a
    /// "did you mean" (the words after it are its consequences, not more errors); a command that needs a subcommand
    /// with the ones to choose from; anything else as the parser says it. Then one hint pointing to the help.
    /// </summary>
    private static void WriteParseErrors(CliContext context, ParseResult parse)
    {
        var result = parse.CommandResult;
        var command = result.Command;
        var path = string.Join(' ', CommandPath(result));
        var named = path.Length > 0 ? $"'trainplat {path}'" : "trainplat";
        var hint = $"Run 'trainplat {(path.Length > 0 ? path + " " : "")}--help' for usage.";
        var lines = new List<string>();
        var unmatched = parse.UnmatchedTokens;
        var subcommands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToArray();
        if (unmatched.Count > 0 && (unmatched[0].StartsWith('-') || subcommands.Length > 0))
        {
            var token = unmatched[0];
            var option = token.StartsWith('-');
            var candidates = option ? OptionNames(result) : subcommands;
            lines.Add(TerminalText.Escape((option ? $"unknown option '{token}'" : $"unknown command '{token}'") + (path.Length > 0 ? $" for {named}" : "")));
            if (Closest(token, candidates) is { Count: > 0 } close)
            {
                hint = "did you mean " + (close.Count == 1 ? $"'{close[0]}'" : string.Join(", ", close.Take(close.Count - 1).Select(c => $"'{c}'")) + $" or '{close[^1]}'") + "? " + hint;
            }
        }

        foreach (var error in parse.Errors)
        {
            // The unknown word explains the missing command, and the words after it are its consequences.
            if (unmatched.Count > 0 && (IsMissingCommand(error) || (lines.Count > 0 && unmatched.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal)))))
            {
                continue;
            }

            lines.Add(IsMissingCommand(error)
                ? path.Length > 0 ? $"{named} needs a command: {string.Join(", ", subcommands)}" : $"no command given; trainplat's commands: {string.Join(", ", subcommands)}"
                : error.Message);
        }

        // The parser's own messages as it writes them (some span lines: "Must be one of:" and the values).
        foreach (var line in lines.Distinct(StringComparer.Ordinal))
        {
            context.Error.WriteLine($"trainplat: error: {line}");
        }

        context.Error.WriteLine($"  hint: {hint}");
    }

    /// <summary>The parser's "Required command was not provided." (its wording depends on the culture): an error on a command that has subcommands.</summary>
    private static bool IsMissingCommand(System.CommandLine.Parsing.ParseError error) =>
        error.SymbolResult is System.CommandLine.Parsing.CommandResult { Command.Subcommands.Count: > 0 };

    /// <summary>The closest candidates that are equally close (a three-letter typo is one edit from one word, two from many).</summary>
    private static List<string> Closest(string token, IEnumerable<string> candidates)
    {
        var close = Core.Text.Suggestions.Closest(token, candidates);
        if (close.Count == 0)
        {
            return [];
        }

        var best = Core.Text.Suggestions.Distance(token.ToLowerInvariant(), close[0].ToLowerInvariant());
        return close.Where(c => Core.Text.Suggestions.Distance(token.ToLowerInvariant(), c.ToLowerInvariant()) == best).ToList();
    }

    /// <summary>The options a command accepts: its own and the recursive ones of the commands above it, by every name.</summary>
    private static IEnumerable<string> OptionNames(System.CommandLine.Parsing.CommandResult result)
    {
        for (System.CommandLine.Parsing.SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is System.CommandLine.Parsing.CommandResult c)
            {
                foreach (var option in c.Command.Options.Where(o => !o.Hidden && (c == result || o.Recursive)))
                {
                    yield return option.Name;
                    foreach (var alias in option.Aliases.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
                    {
                        yield return alias;
                    }
                }
            }
        }
    }

    /// <summary>A path relative to the working directory when inside it, else as given.</summary>
    private static string Shown(CliContext context, string path)
    {
        if (path.StartsWith("ssh://", StringComparison.Ordinal))
        {
            return path; // a file on another host: its URL, never relative to this working directory
        }

        var relative = Path.GetRelativePath(context.WorkingDirectory, path);
        return (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative).Replace('\\', '/');
    }

    private static IEnumerable<string> CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new Stack<string>();
        for (var r = result; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(r.Command.Name);
        }

        return names;
    }
}
