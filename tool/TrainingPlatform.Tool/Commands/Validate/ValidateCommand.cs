using System.CommandLine;
using TrainingPlatform.Core.Validation;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Validate;

internal static class ValidateCommand
{
    public static Command Build(CliContext context)
    {
        var paths = new Argument<string[]>("path")
        {
            Description = "Recipe files or folders to check (default: the project's recipes and trainplat.yaml).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var format = FormatOption.Create<DiagnosticFormat>();
        var strict = new Option<bool>("--strict") { Description = "Treat warnings as errors (exit 1 when any warning is found)." };
        var command = new Command("validate", "Check recipes and trainplat.yaml against the schema and the semantic rules.")
        {
            paths, format, strict,
        };
        command.SetAction(parse =>
        {
            var request = new ValidationRequest(parse.GetValue(paths) ?? [], context.WorkingDirectory)
            {
                Recorded = StoreAccess.Recorded(context, context.WorkingDirectory),
            };
            var report = RecipeValidator.Run(request);
            if (request.Paths.Count == 0 && report.Files.Count == 0 && report.Project is { ProjectFile: null } none)
            {
                // A misplaced CI job must not be green: with no project and no recipes there is nothing the check could pass on.
                var folder = Path.Combine(none.Root, "recipes");
                throw new Core.Diagnostics.UserErrorException(
                    $"nothing to validate: no {Core.Project.ProjectContext.ProjectFileName} in {none.WorkingDirectory} or any folder above it, and "
                    + (Directory.Exists(folder) ? $"no recipes in {folder}" : $"no recipes/ folder in {none.Root}"),
                    "run validate in a recipe repository (`trainplat init` creates one), or name the files or folders to check: trainplat validate PATH...");
            }

            if (report.Project is { } project)
            {
                Recipe.RecipeLookup.WarnMissingRecipeFolders(context, project);
            }

            foreach (var missing in report.MissingPaths)
            {
                if (Core.Text.FileNames.NotUtf8(missing) is { } why)
                {
                    context.Error.WriteLine(TerminalText.Escape($"trainplat: error: '{missing}' {why}"));
                    context.Error.WriteLine("  hint: " + Core.Text.FileNames.RenameHint);
                }
                else
                {
                    context.Error.WriteLine(TerminalText.Escape($"trainplat: error: '{missing}' does not exist"));
                }
            }

            if (report.MissingPaths.Count > 0)
            {
                return ExitCodes.UsageError;
            }

            DiagnosticFormatter.Write(context.Out, report, format.Get(parse), new Style(context.Color));
            if (report.HasInputErrors)
            {
                return ExitCodes.UsageError;
            }

            return report.ErrorCount > 0 || (parse.GetValue(strict) && report.WarningCount > 0) ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
