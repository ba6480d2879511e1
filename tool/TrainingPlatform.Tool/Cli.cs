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
                foreach (var error in parse.Errors)
                {
                    context.Error.WriteLine($"trainplat: error: {error.Message}");
                }

                var command = string.Join(' ', parse.CommandResult.Command is RootCommand ? [] : CommandPath(parse.CommandResult));
                context.Error.WriteLine($"Run 'trainplat {(command.Length > 0 ? command + " " : "")}--help' for usage.");
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

    /// <summary>A path relative to the working directory when inside it, else as given.</summary>
    private static string Shown(CliContext context, string path)
    {
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
