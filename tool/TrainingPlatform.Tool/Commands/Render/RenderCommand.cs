using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Rendering;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Render;

internal static class RenderCommand
{
    public static Command Build(CliContext context)
    {
        var recipe = new Argument<string>("recipe") { Description = "A recipe id, or the path of a recipe file." };
        var target = new RenderTargetOptions();
        var format = FormatOption.Create<YamlFormat>();
        var explain = new Option<bool>("--explain") { Description = "YAML: annotate every value with where it came from, and show the memory estimate." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the config to FILE instead of standard output.", HelpName = "file" };
        var command = new Command("render", "Resolve a recipe for a model size and GPU count into the full config, with pre-flight checks.") { recipe };
        foreach (var option in target.All)
        {
            command.Options.Add(option);
        }

        command.Options.Add(format);
        command.Options.Add(explain);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var request = target.Bind(parse).Request(parse.GetValue(recipe)!, context.WorkingDirectory, StoreAccess.Recorded(context, context.WorkingDirectory));
            var result = RecipeResolver.Resolve(request);
            if (result.Project is { } found)
            {
                Recipe.RecipeLookup.WarnMissingRecipeFolders(context, found);
            }

            if (result.Config is not { } resolved)
            {
                DiagnosticFormatter.WriteLines(context.Error, result.Diagnostics, new Style(false), hints: false);
                throw new UserErrorException(result.Error!, result.Hint);
            }

            var text = format.Get(parse) == YamlFormat.Json
                ? RenderedConfigWriter.Json(resolved, ToolVersion.Current)
                : RenderedConfigWriter.Yaml(resolved, ToolVersion.Current, parse.GetValue(explain));
            if (parse.GetValue(output) is { } file)
            {
                var project = ProjectContext.Discover(context.WorkingDirectory);
                var inputs = resolved.ChainDocuments.Where(d => d.FullPath is not null).Select(d => new CommandInput(d.FullPath!, "the recipe file"))
                    .Concat(project.ProjectFile is { } config ? [new CommandInput(config, "the project file")] : []);
                OutputFile.Write(OutputFile.Target(context, file, "render", inputs), text);
            }
            else
            {
                context.Out.Write(text);
            }

            PreflightFormatter.WriteLines(context.Error, "render", resolved.Findings, new Style(context.Color && context.ErrorIsTerminal), forced: false);
            return resolved.HasErrors ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
