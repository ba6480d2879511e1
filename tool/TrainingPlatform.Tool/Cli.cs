using System.CommandLine;
using System.CommandLine.Invocation;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool;

/// <summary>Builds the command tree and runs it; turns every failure into one line and an exit code.</summary>
public static class Cli
{
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("trainplat: versioned, validated LLM post-training recipes.");
        root.Subcommands.Add(Commands.Recipe.RecipeCommand.Build(context));
        root.Subcommands.Add(Commands.Validate.ValidateCommand.Build(context));
        root.Subcommands.Add(Commands.Render.RenderCommand.Build(context));
        root.Subcommands.Add(Commands.Export.ExportCommand.Build(context));
        root.Subcommands.Add(Commands.Diff.DiffCommand.Build(context));
        root.Subcommands.Add(Commands.Import.ImportCommand.Build(context));
        root.Subcommands.Add(Commands.Init.InitCommand.Build(context));
        root.Subcommands.Add(Commands.Check.CheckCommand.Build(context));
        root.Subcommands.Add(Commands.Data.DataCommand.Build(context));
        root.Subcommands.Add(Commands.Job.JobCommand.Build(context));
        root.Subcommands.Add(Commands.Metrics.MetricsCommand.Build(context));
        root.Subcommands.Add(Commands.Lineage.LineageCommand.Build(context));
        root.Subcommands.Add(Commands.Store.StoreCommand.Build(context));
        root.Subcommands.Add(Commands.Experience.SuggestCommand.Build(context));
        root.Subcommands.Add(Commands.Experience.RecommendCommand.Build(context));
        return root;
    }

    public static int Run(string[] args, CliContext context)
    {
        try
        {
            var root = BuildRoot(context);
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
