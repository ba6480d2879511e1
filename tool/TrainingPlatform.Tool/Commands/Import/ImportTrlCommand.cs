using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Import;

internal static class ImportTrlCommand
{
    public static Command Build(CliContext context)
    {
        var config = new Argument<string>("config") { Description = "The TRL config file (the YAML `trl sft|dpo|grpo|reward --config` reads)." };
        var trainer = new Option<string>("--trainer")
        {
            Description = "Which TRL trainer the file is for.",
            Required = true,
        };
        trainer.AcceptOnlyFromAmong([.. TrlImport.Trainers]);
        var id = new Option<string?>("--id") { Description = "The new recipe's id (default: the file name in lower_snake_case).", HelpName = "NEW_ID" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the recipe to FILE (default: RECIPES_FOLDER/NEW_ID.yaml).", HelpName = "file" };
        var force = new Option<bool>("--force") { Description = "Replace the output file when it exists." };
        var command = new Command("trl", "Write a trainplat recipe from a TRL config; TRL fields with no trainplat key go under extra.trl, a warning each.")
        {
            config, trainer, id, output, force,
        };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var file = Path.GetFullPath(Path.Combine(context.WorkingDirectory, parse.GetValue(config)!));
            var newId = parse.GetValue(id) ?? TrlImport.DefaultId(file);
            var result = TrlImport.Load(file, project.Display(file), parse.GetValue(trainer)!, newId);
            var given = parse.GetValue(output) ?? Path.Combine(project.RecipeFolders[0], newId + ".yaml");
            var target = OutputFile.Target(context, given, "import trl", [new CommandInput(file, "the TRL config")]);
            if (File.Exists(target) && !parse.GetValue(force))
            {
                throw new UserErrorException($"{project.Display(target)} already exists", "pass --force to replace it, or choose another file with -o or another --id");
            }

            if (parse.GetValue(output) is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            }

            OutputFile.Write(target, result.RecipeText);
            DiagnosticFormatter.WriteLines(context.Error, result.Warnings, new Style(false), hints: false);
            context.Out.WriteLine($"wrote {project.Display(target)}: recipe {result.Id}" +
                                  (result.Extends is null ? "" : $", extends {result.Extends}") +
                                  (result.Warnings.Count == 0 ? "" : $"; {result.Warnings.Count} TRL field(s) kept under extra.trl"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
