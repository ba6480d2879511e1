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
        var algorithm = new Option<string?>("--algorithm") { Description = "Only recipes of this algorithm (sft, dpo, grpo, ...; lora and qlora are read as --method)." };
        var method = new Option<string?>("--method") { Description = "Only recipes that train this way: full (every weight), lora or qlora (adapters).", HelpName = "full|lora|qlora" };
        method.AcceptOnlyFromAmong([.. TrainingMethod.Names]);
        var tags = new Option<string[]>("--tag")
        {
            Description = "Only recipes carrying this tag (repeat: all must match).",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
        };
        var format = FormatOption.Create<TableFormat>();
        var command = new Command("list", "List the recipes: built-ins and the project's (a project recipe shadows a built-in of the same id).")
        {
            task, algorithm, method, tags, format,
        };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var registry = RecipeRegistry.Load(project);
            var algorithmName = CheckChoice(parse.GetValue(algorithm), "algorithm", Enum("algorithm"))?.ToLowerInvariant();
            var methodName = parse.GetValue(method);
            if (algorithmName is not null && TrainingMethod.IsMethodName(algorithmName))
            {
                // LoRA is a way of training (any algorithm), not an algorithm: the old spelling keeps working as the method filter.
                if (methodName is not null && methodName != algorithmName)
                {
                    throw new UserErrorException($"--algorithm {algorithmName} and --method {methodName} disagree", $"{algorithmName} is a method: give --method {algorithmName} alone");
                }

                context.Error.WriteLine($"recipe list: {algorithmName} is a training method, not an algorithm: reading --algorithm {algorithmName} as --method {algorithmName}");
                methodName = algorithmName;
                algorithmName = null;
            }

            var query = new RecipeQuery(CheckChoice(parse.GetValue(task), "task", Enum("task")), algorithmName, parse.GetValue(tags) ?? [])
            {
                Method = methodName,
            };
            var entries = query.Apply(registry).ToArray();
            RecipeLookup.WarnMissingRecipeFolders(context, project);
            RecipeLookup.WarnUnreadable(context, registry);
            var filtered = query.Task is not null || query.Algorithm is not null || query.Method is not null || query.Tags.Count > 0;
            var unusable = filtered ? [] : registry.UnusableIds.Where(u => u.ShadowsBuiltIn).Select(u => (u.Id, u.Document)).ToArray();
            var methods = entries.Select(e => RecipeQuery.MethodOf(e, registry)).ToArray();
            RecipeFormatter.WriteList(context.Out, entries, methods, unusable, format.Get(parse), new Style(context.Color));
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
