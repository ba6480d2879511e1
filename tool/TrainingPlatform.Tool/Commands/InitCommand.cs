using System.CommandLine;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

internal static class InitCommand
{
    public static Command Build(CliContext context)
    {
        var directory = new Argument<string?>("dir")
        {
            Description = "The folder to set up (created when missing; default: the current folder).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var format = CommonOptions.Format("text", "text", "json");
        var command = new Command("init",
            "Set up a recipe repository: trainplat.yaml, an example recipe, the schemas for editors, .gitignore, a pre-commit config. Never overwrites a file.")
        {
            directory, format,
        };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(directory) ?? ".";
            var result = ProjectScaffold.Run(Path.Combine(context.WorkingDirectory, dir));
            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonText.Write(ToJson(result)));
                return ExitCodes.Ok;
            }

            foreach (var step in result.Steps)
            {
                context.Out.WriteLine(step.Action switch
                {
                    ScaffoldAction.Created => $"created   {step.Path}",
                    ScaffoldAction.Appended => $"appended  {step.Reason} to {step.Path}",
                    _ => $"skipped   {step.Path} ({step.Reason})",
                });
            }

            var where = dir == "." ? "" : $"cd {dir} && ";
            context.Out.WriteLine(result.ChangedAnything
                ? $"Next: {where}trainplat validate; set the hook repository in .pre-commit-config.yaml, then `pre-commit install`."
                : "Nothing changed: every file was there already.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static JsonObject ToJson(ScaffoldResult result) => new()
    {
        ["directory"] = result.Directory.Replace('\\', '/'),
        ["steps"] = new JsonArray([.. result.Steps.Select(s => (JsonNode)new JsonObject
        {
            ["path"] = s.Path,
            ["action"] = s.Action.ToString().ToLowerInvariant(),
            ["reason"] = s.Reason,
        })]),
    };
}
