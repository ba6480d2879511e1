using System.CommandLine;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Import;

/// <summary><c>trainplat import verl FILE [--id ID] [-o PATH]</c>: a verl launch script or overrides file → a recipe.</summary>
internal static class ImportVerlCommand
{
    public static Command Build(CliContext context)
    {
        var file = new Argument<string>("file")
        {
            Description = "A verl launch script (python3 -m verl.trainer.main_ppo ...), a run's .hydra/overrides.yaml, or a file with one key=value per line.",
        };
        var id = new Option<string?>("--id") { Description = "The new recipe's id (default: from the file name).", HelpName = "id" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the recipe to FILE instead of standard output.", HelpName = "file" };
        var command = new Command("verl", "Import a verl launch into a recipe: mapped keys become trainplat keys, the rest stays under extra.verl.")
        {
            file, id, output,
        };
        command.SetAction(parse =>
        {
            var shown = parse.GetValue(file)!;
            var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, shown));
            var result = VerlImport.ImportFile(path, shown, parse.GetValue(id), context.WorkingDirectory);
            if (parse.GetValue(output) is { } target)
            {
                OutputFile.Write(OutputFile.Target(context, target, "import verl", [new CommandInput(path, "the imported file")]), result.RecipeText);
            }
            else
            {
                context.Out.Write(result.RecipeText);
            }

            var style = new Style(context.Color && context.ErrorIsTerminal);
            DiagnosticFormatter.WriteLines(context.Error, result.Warnings, style);
            PreflightFormatter.WriteLines(context.Error, "import verl", result.Findings, style, forced: false);
            var render = result.Model is not null ? $"--model {result.Model}" : $"--model-size {result.ModelSize}";
            context.Error.WriteLine(TerminalText.Escape(
                $"trainplat: imported {shown} (verl {result.Variant.Release}, {(result.Variant.Megatron ? "Megatron" : "FSDP")}) as recipe {result.Id}" +
                (result.Extends is { } b ? $" extending {b}" : "") +
                $": {result.Mapped.Count} keys mapped, {result.ExtraVerl.Count} under extra.verl; render it with `trainplat render {result.Id} {render}`"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
