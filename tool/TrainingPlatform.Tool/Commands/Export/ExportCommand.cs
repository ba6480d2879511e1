using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Jobs;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Export;

internal static class ExportCommand
{
    public static Command Build(CliContext context)
    {
        var operand = new Argument<string>("recipe") { Description = "A recipe id, the path of a recipe file, or job:ID (exports exactly the config the job recorded)." };
        var to = new Option<string>("--to")
        {
            Description = "The framework and release: verl (the newest in the catalog), verl@0.7, verl@0.9, trl.",
            HelpName = "framework[@release]",
            Required = true,
        };
        var target = new RenderTargetOptions();
        var format = FormatOption.Create<VerlFormat>();
        var explain = new Option<bool>("--explain") { Description = "Annotate every exported key with the trainplat key and origin it came from, and list what is not exported." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the export to FILE instead of standard output.", HelpName = "file" };
        var store = StoreAccess.Option();
        var command = new Command("export", "Translate a recipe (rendered for a model size and cluster) or a recorded job into a framework's launch: verl Hydra overrides (the default for verl), a YAML document or a bash launch script; a TRL config file (YAML, the only format for trl).")
        {
            operand, to,
        };
        foreach (var option in target.All)
        {
            command.Options.Add(option);
        }

        command.Options.Add(format);
        command.Options.Add(explain);
        command.Options.Add(output);
        command.Options.Add(store);
        command.SetAction(parse =>
        {
            var framework = FrameworkTarget.Parse(parse.GetValue(to)!);
            var name = parse.GetValue(operand)!;
            var bound = target.Bind(parse);
            ExportSource source;
            var inputs = new List<CommandInput>();
            // Found only when needed (the store of a job:ID, the inputs -o must not overwrite): reading trainplat.yaml again
            // after the render read it costs start-up time.
            ProjectContext? project = null;
            ProjectContext Project() => project ??= ProjectContext.Discover(context.WorkingDirectory);
            if (ExportRun.IsJob(name))
            {
                if (bound.ModelSize is not null || bound.Model is not null || bound.Gpus is not null || bound.Nodes is not null || bound.GpuMemory is not null || bound.Sets.Count > 0)
                {
                    throw new UserErrorException($"{name} exports exactly the config the job recorded, so render options do not apply",
                        "drop --model-size/--model/--gpus/--nodes/--gpu-memory/--set, or export the recipe instead of the job");
                }

                using var lineage = StoreAccess.OpenForReading(context, Project(), parse.GetValue(store));
                source = ExportRun.FromJob(lineage, name);
            }
            else
            {
                var result = RecipeResolver.Resolve(bound.Request(name, context.WorkingDirectory, StoreAccess.Recorded(context, context.WorkingDirectory, parse.GetValue(store))));
                if (result.Project is { } found)
                {
                    Recipe.RecipeLookup.WarnMissingRecipeFolders(context, found);
                }

                if (result.Config is not { } resolved)
                {
                    DiagnosticFormatter.WriteLines(context.Error, result.Diagnostics, new Style(false), hints: false);
                    throw new UserErrorException(result.Error!, result.Hint);
                }

                source = ExportSource.FromRender(resolved);
                inputs.AddRange(resolved.ChainDocuments.Where(d => d.FullPath is not null).Select(d => new CommandInput(d.FullPath!, "the recipe file")));
                if (parse.GetValue(output) is not null && Project().ProjectFile is { } config)
                {
                    inputs.Add(new CommandInput(config, "the project file"));
                }
            }

            var exported = ExportRun.Export(source, framework);
            var text = ExportRun.Write(exported, parse.GetResult(format) is null ? null : format.Get(parse), ToolVersion.Current, parse.GetValue(explain));
            var hasErrors = source.Findings.Any(f => f.IsError);
            var file = parse.GetValue(output);
            var path = file is null ? null : OutputFile.Target(context, file, "export", inputs);
            foreach (var warning in exported.Warnings)
            {
                context.Error.WriteLine(TerminalText.Escape($"trainplat: warning: {warning.Message}"));
                if (warning.Hint is not null)
                {
                    context.Error.WriteLine(TerminalText.Escape($"  hint: {warning.Hint}"));
                }
            }

            if (path is null)
            {
                context.Out.Write(text);
            }
            else if (!hasErrors)
            {
                OutputFile.Write(path, text);
            }

            PreflightFormatter.WriteLines(context.Error, "export", source.Findings, new Style(context.Color && context.ErrorIsTerminal), forced: false);
            if (hasErrors && path is not null)
            {
                context.Error.WriteLine(TerminalText.Escape($"trainplat: error: {file} was not written: the config fails pre-flight checks"));
                context.Error.WriteLine("  hint: fix the errors above (a larger --gpus or --nodes, offload, a smaller micro batch), then export again");
            }

            return hasErrors ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return command;
    }
}
