using System.CommandLine;
using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Rendering;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

internal static class RenderCommand
{
    public static Command Build(CliContext context)
    {
        var recipe = new Argument<string>("recipe") { Description = "A recipe id, or the path of a recipe file." };
        var modelSize = new Option<string?>("--model-size", "-s") { Description = "Model size: 7B, 1.5b, 500M, 70B, 8x7B.", HelpName = "size" };
        var model = new Option<string?>("--model", "-m") { Description = "A model from the catalog, e.g. Qwen/Qwen2.5-7B-Instruct (brings the architecture).", HelpName = "name" };
        var gpus = new Option<int?>("--gpus") { Description = "Total GPUs (default: the recipe's gpus_per_node × nodes)." };
        var nodes = new Option<int?>("--nodes") { Description = "Nodes the GPUs are spread over." };
        var gpuMemory = new Option<double?>("--gpu-memory") { Description = "Memory of one GPU in GB (default 80)." };
        var sets = new Option<string[]>("--set")
        {
            Description = "Override a config value: key.path=value (typed by the schema; unknown keys are an error). Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
            HelpName = "key.path=value",
        };
        var format = CommonOptions.Format("yaml", "yaml", "json");
        var explain = new Option<bool>("--explain") { Description = "YAML: annotate every value with where it came from, and show the memory estimate." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the config to FILE instead of standard output.", HelpName = "file" };
        var command = new Command("render", "Resolve a recipe for a model size and GPU count into the full config, with pre-flight checks.")
        {
            recipe, modelSize, model, gpus, nodes, gpuMemory, sets, format, explain, output,
        };
        command.SetAction(parse =>
        {
            foreach (var (option, value) in new[] { ("--gpus", parse.GetValue(gpus)), ("--nodes", parse.GetValue(nodes)) })
            {
                if (value is <= 0)
                {
                    throw new UserErrorException($"{option} must be a positive whole number, not {value}");
                }
            }

            if (parse.GetValue(gpuMemory) is <= 0)
            {
                throw new UserErrorException("--gpu-memory must be a positive number of GB");
            }

            var request = new RenderRequest(
                parse.GetValue(recipe)!,
                parse.GetValue(modelSize),
                parse.GetValue(model),
                parse.GetValue(gpus),
                parse.GetValue(nodes),
                parse.GetValue(gpuMemory),
                parse.GetValue(sets) ?? [],
                context.WorkingDirectory);
            var result = RecipeResolver.Resolve(request);
            if (result.Config is not { } resolved)
            {
                if (result.Diagnostics.Count > 0)
                {
                    foreach (var d in result.Diagnostics)
                    {
                        context.Error.WriteLine($"{DiagnosticFormatter.Location(d)}: error {d.Code}: {d.Message}");
                    }
                }

                throw new UserErrorException(result.Error!, result.Hint);
            }

            var text = parse.GetValue(format) == "json"
                ? RenderedConfigWriter.Json(resolved, ToolVersion.Current)
                : RenderedConfigWriter.Yaml(resolved, ToolVersion.Current, parse.GetValue(explain));
            if (parse.GetValue(output) is { } file)
            {
                OutputFile.Write(Path.Combine(context.WorkingDirectory, file), text);
            }
            else
            {
                context.Out.Write(text);
            }

            var style = new Style(context.Color && context.ErrorIsTerminal);
            foreach (var f in resolved.Findings)
            {
                var level = f.IsError ? style.Red("error") : style.Yellow("warning");
                context.Error.WriteLine($"render: {level} {f.Code} [{f.Path}]: {f.Message}");
                if (f.Hint is not null)
                {
                    context.Error.WriteLine($"  hint: {f.Hint}");
                }
            }

            return resolved.HasErrors ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>Writes a file whole or not at all (temp file, then rename).</summary>
internal static class OutputFile
{
    public static void Write(string path, string text)
    {
        if (Directory.Exists(path))
        {
            throw new UserErrorException($"{path} is a folder", "give a file name with -o");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            throw new UserErrorException($"folder {folder} does not exist", "create it first");
        }

        var temp = Path.Combine(folder, "." + Path.GetFileName(path) + ".tmp");
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
