using System.CommandLine;
using System.CommandLine.Invocation;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Tool.Commands;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool;

/// <summary>Builds the command tree and runs it; turns every failure into one line and an exit code.</summary>
public static class Cli
{
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("trainplat: versioned, validated LLM post-training recipes.");
        root.Subcommands.Add(RecipeCommands.Build(context));
        root.Subcommands.Add(ValidateCommand.Build(context));
        root.Subcommands.Add(RenderCommand.Build(context));
        root.Subcommands.Add(DiffCommand.Build(context));
        root.Subcommands.Add(InitCommand.Build(context));
        root.Subcommands.Add(CheckCommand.Build(context));
        root.Subcommands.Add(DataCommands.Build(context));
        root.Subcommands.Add(JobCommands.Build(context));
        root.Subcommands.Add(MetricsCommands.Build(context));
        root.Subcommands.Add(LineageCommand.Build(context));
        root.Subcommands.Add(Commands.Store.StoreCommand.Build(context));
        root.Subcommands.Add(ExperienceCommands.Suggest(context));
        root.Subcommands.Add(ExperienceCommands.Recommend(context));
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
            // The one place a user mistake becomes output: its findings, one error line, a hint, exit 2.
            foreach (var d in ex.Diagnostics)
            {
                context.Error.WriteLine($"{DiagnosticFormatter.Location(d)}: {(d.IsError ? "error" : "warning")} {d.Code}: {d.Message}");
            }

            context.Error.WriteLine($"trainplat: error: {(ex.FilePath is null ? "" : Shown(context, ex.FilePath) + ": ")}{ex.Message}");
            if (ex.Hint is not null)
            {
                context.Error.WriteLine($"  hint: {ex.Hint}");
            }

            return ExitCodes.UsageError;
        }
        catch (FileNotFoundException ex) when (ex.FileName is not null)
        {
            context.Error.WriteLine($"trainplat: error: {Shown(context, ex.FileName)}: no such file or folder");
            return ExitCodes.UsageError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"trainplat: error: {ex.Message}");
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
