using System.CommandLine;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Recipe;

internal static class ListCommand
{
    public static Command Build(CliContext context)
    {
        var task = new Option<string?>("--task") { Description = "Only recipes of this task: sft, preference, reward, rlhf." };
        var algorithm = new Option<string?>("--algorithm") { Description = "Only recipes of this algorithm (sft, lora, dpo, grpo, ...)." };
        var tags = new Option<string[]>("--tag")
        {
            Description = "Only recipes carrying this tag (repeat: all must match).",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
        };
        var format = FormatOption.Create<TableFormat>();
        var command = new Command("list", "List the recipes: built-ins and the project's (a project recipe shadows a built-in of the same id).")
        {
            task, algorithm, tags, format,
        };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var registry = RecipeRegistry.Load(project);
            var query = new RecipeQuery(
                CheckChoice(parse.GetValue(task), "task", Enum("task")),
                CheckChoice(parse.GetValue(algorithm), "algorithm", Enum("algorithm")),
                parse.GetValue(tags) ?? []);
            var entries = query.Apply(registry).ToArray();
            RecipeLookup.WarnMissingRecipeFolders(context, project);
            RecipeLookup.WarnUnreadable(context, registry);
            var filtered = query.Task is not null || query.Algorithm is not null || query.Tags.Count > 0;
            var unusable = filtered ? [] : registry.UnusableIds.Where(u => u.ShadowsBuiltIn).Select(u => (u.Id, u.Document)).ToArray();
            RecipeFormatter.WriteList(context.Out, entries, unusable, format.Get(parse), new Style(context.Color));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string[] Enum(string key) =>
        SchemaDocument.Recipe.NodeAt("/properties/" + key)?["enum"] is JsonArray a ? a.Select(v => v!.GetValue<string>()).ToArray() : [];

    private static string? CheckChoice(string? value, string name, string[] allowed)
    {
        if (value is null || allowed.Length == 0 || allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            return value;
        }

        throw new UserErrorException($"unknown {name} '{value}'",
            (Suggestions.DidYouMean(value, allowed) is { } dym ? dym + " " : "") + "allowed: " + string.Join(", ", allowed));
    }
}
