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
        var from = new Option<string?>("--from") { Description = "The recipe to copy (built-in or project).", HelpName = "ID" };
        var extends = new Option<string?>("--extends")
        {
            Description = "Write a short recipe that extends this one (pinned to its current version) instead of copying it.",
            HelpName = "ID",
        };
        var command = new Command("new", "Copy a recipe (--from) into the project's recipes folder under a new id, at version 0.1.0, or start one that extends it (--extends). Never overwrites.")
        {
            newId, from, extends,
        };
        command.SetAction(parse =>
        {
            var (copyOf, baseId) = (parse.GetValue(from), parse.GetValue(extends));
            if ((copyOf is null) == (baseId is null))
            {
                throw new UserErrorException(copyOf is null ? "recipe new needs --from ID or --extends ID" : "give one of --from and --extends, not both",
                    "--from ID copies the whole recipe; --extends ID writes a short recipe that inherits from it (e.g. `trainplat recipe new my_grpo --extends grpo_basic`)");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            var registry = RecipeRegistry.Load(project);
            var source = RecipeLookup.Resolve(registry, copyOf ?? baseId!);
            var result = copyOf is not null
                ? RecipeCopier.Copy(source, parse.GetValue(newId)!, project, registry)
                : RecipeCopier.Extend(source, parse.GetValue(newId)!, project, registry);
            if (!result.Succeeded)
            {
                throw new UserErrorException(result.Error!, result.Hint);
            }

            RecipeFormatter.WriteCreated(context.Out, project.Display(result.CreatedPath!), source, extending: baseId is not null);
            return ExitCodes.Ok;
        });
        return command;
    }
}
