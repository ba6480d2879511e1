using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Import;

/// <summary><c>trainplat import verl FILE [--id ID] [-o PATH] [--force]</c>: a verl launch script or overrides file → a recipe.</summary>
internal static class ImportVerlCommand
{
    public static Command Build(CliContext context)
    {
        var file = new Argument<string>("file")
        {
            Description = "A verl launch script (python3 -m verl.trainer.main_ppo ...), a run's .hydra/overrides.yaml, or a file with one key=value per line.",
        };
        var id = new Option<string?>("--id") { Description = "The new recipe's id (default: the file name in lower_snake_case).", HelpName = "NEW_ID" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the recipe to FILE (default: RECIPES_FOLDER/NEW_ID.yaml).", HelpName = "file" };
        var force = new Option<bool>("--force") { Description = "Replace the output file when it exists." };
        var command = new Command("verl", "Write a trainplat recipe from a verl launch; verl keys with no trainplat key go under extra.verl, a warning each.")
        {
            file, id, output, force,
        };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var shown = parse.GetValue(file)!;
            var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, shown));
            var result = VerlImport.ImportFile(path, shown, parse.GetValue(id), context.WorkingDirectory);
            var given = parse.GetValue(output) ?? Path.Combine(project.RecipeFolders[0], result.Id + ".yaml");
            var target = OutputFile.Target(context, given, "import verl", [new CommandInput(path, "the imported file")]);
            if (File.Exists(target) && !parse.GetValue(force))
            {
                throw new UserErrorException($"{project.Display(target)} already exists", "pass --force to replace it, or choose another file with -o or another --id");
            }

            if (parse.GetValue(output) is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            }

            OutputFile.Write(target, result.RecipeText);
            var style = new Style(context.Color && context.ErrorIsTerminal);
            DiagnosticFormatter.WriteLines(context.Error, result.Warnings, style);
            PreflightFormatter.WriteLines(context.Error, "import verl", result.Findings, style, forced: false);
            context.Out.WriteLine(TerminalText.Escape($"wrote {project.Display(target)}: recipe {result.Id}" +
                                                      (result.Extends is null ? "" : $", extends {result.Extends}") +
                                                      $"; verl {result.Variant.Release} {(result.Variant.Megatron ? "Megatron" : "FSDP")}, {result.Mapped.Count} key(s) mapped" +
                                                      (result.ExtraVerl.Count == 0 ? "" : $", {result.ExtraVerl.Count} kept under extra.verl")));
            var render = result.Model is not null ? $"--model {result.Model}" : $"--model-size {result.ModelSize}";
            context.Error.WriteLine(TerminalText.Escape($"trainplat: note: render it with `trainplat render {result.Id} {render}`, export it with `trainplat export {result.Id} --to verl {render}`"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
