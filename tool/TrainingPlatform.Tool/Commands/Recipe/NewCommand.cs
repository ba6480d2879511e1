using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Recipe;

internal static class NewCommand
{
    public static Command Build(CliContext context)
    {
        var newId = new Argument<string>("new-id") { Description = "The id of the new recipe (lower_snake_case); also its file name." };
        var from = new Option<string>("--from")
        {
            Description = "The recipe to copy (built-in or project).",
            Required = true,
        };
        var command = new Command("new", "Copy a recipe into the project's recipes folder under a new id, at version 0.1.0. Never overwrites.")
        {
            newId, from,
        };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var registry = RecipeRegistry.Load(project);
            var source = RecipeLookup.Resolve(registry, parse.GetValue(from)!);
            var result = RecipeCopier.Copy(source, parse.GetValue(newId)!, project, registry);
            if (!result.Succeeded)
            {
                throw new UserErrorException(result.Error!, result.Hint);
            }

            RecipeFormatter.WriteCreated(context.Out, project.Display(result.CreatedPath!), source);
            return ExitCodes.Ok;
        });
        return command;
    }
}
