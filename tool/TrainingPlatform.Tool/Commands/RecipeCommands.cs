using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

internal static class RecipeCommands
{
    public static Command Build(CliContext context)
    {
        var recipe = new Command("recipe", "List, show, copy recipes (built-in and the project's) and show their git history.");
        recipe.Subcommands.Add(List(context));
        recipe.Subcommands.Add(Show(context));
        recipe.Subcommands.Add(New(context));
        recipe.Subcommands.Add(History(context));
        return recipe;
    }

    private static Command List(CliContext context)
    {
        var task = new Option<string?>("--task") { Description = "Only recipes of this task: sft, preference, reward, rlhf." };
        var algorithm = new Option<string?>("--algorithm") { Description = "Only recipes of this algorithm (sft, lora, dpo, grpo, ...)." };
        var tags = new Option<string[]>("--tag")
        {
            Description = "Only recipes carrying this tag (repeat: all must match).",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
        };
        var format = CommonOptions.Format("table", "table", "json");
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
            WarnUnreadable(context, registry);
            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonText.Write(new JsonArray([.. entries.Select(e => (JsonNode)EntryJson(e))])));
            }
            else
            {
                RecipeTable.Write(context.Out, entries, new Style(context.Color));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The recipe id; ID@VERSION (or ID@SHA256-PREFIX) also finds versions recorded by jobs in the lineage store." };
        var store = StoreAccess.Option();
        var format = CommonOptions.Format("yaml", "yaml", "json");
        var command = new Command("show", "Print a recipe: its YAML as written, or its content as JSON.") { id, store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var registry = RecipeRegistry.Load(project);
            var reference = parse.GetValue(id)!;
            var at = reference.IndexOf('@', StringComparison.Ordinal);
            RecipeDocument document;
            if (at < 0)
            {
                document = Resolve(registry, reference).Document;
            }
            else
            {
                var (recipeId, version) = (reference[..at], reference[(at + 1)..]);
                document = registry.Find(recipeId) is { } current && current.Recipe.Version == version
                    ? current.Document
                    : Recorded(context, project, parse.GetValue(store), recipeId, version);
            }

            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonText.Write(document.Tree.Root));
            }
            else
            {
                var text = document.Text ?? "";
                context.Out.Write(text.EndsWith('\n') ? text : text + "\n");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A recipe version recorded in the lineage store: by version string, else by SHA-256 prefix.</summary>
    private static RecipeDocument Recorded(CliContext context, ProjectContext project, string? storeOption, string recipeId, string version)
    {
        using var lineage = StoreAccess.OpenForReading(context, project, storeOption);
        var versions = lineage.FindRecipeVersions(recipeId, version);
        if (versions.Count == 0 && version.Length >= 6 && version.All(char.IsAsciiHexDigit))
        {
            versions = [.. lineage.FindRecipeVersions(recipeId, null).Where(v => v.Hash.StartsWith(version.ToLowerInvariant(), StringComparison.Ordinal))];
        }

        if (versions.Count == 0)
        {
            var known = lineage.FindRecipeVersions(recipeId, null).Select(v => v.Version).Distinct(StringComparer.Ordinal).ToArray();
            throw new UserErrorException($"no version {version} of recipe '{recipeId}' in the recipe folders or the lineage store",
                known.Length > 0 ? "recorded versions: " + string.Join(", ", known) : "`trainplat recipe list` shows the current recipes; versions are recorded when jobs use them");
        }

        if (versions.Select(v => v.Hash).Distinct().Count() > 1)
        {
            context.Error.WriteLine($"trainplat: note: {versions.Count} different contents were recorded as {recipeId}@{version}; showing the newest (sha256 {versions[0].Hash[..12]}); others: " +
                string.Join(", ", versions.Skip(1).Select(v => v.Hash[..12])) + $" (show one with {recipeId}@SHA256-PREFIX)");
        }

        return RecipeDocument.Parse(versions[0].Text, $"store:{recipeId}@{versions[0].Version}");

    }

    private static Command New(CliContext context)
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
            var source = Resolve(registry, parse.GetValue(from)!);
            var result = RecipeCopier.Copy(source, parse.GetValue(newId)!, project, registry);
            if (!result.Succeeded)
            {
                throw new UserErrorException(result.Error!, result.Hint);
            }

            context.Out.WriteLine($"Created {project.Display(result.CreatedPath!)} from {source.Id}@{source.Recipe.Version} (version {RecipeCopier.InitialVersion}).");
            context.Out.WriteLine($"Next: edit it, then run `trainplat validate {project.Display(result.CreatedPath!)}`.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command History(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A project recipe id (or the path of a recipe file)." };
        var format = CommonOptions.Format("table", "table", "json");
        var command = new Command("history",
            "The versions of a recipe through git history (commit, date, author, version, content hash); flags commits that changed the content without bumping the version.")
        {
            id, format,
        };
        command.SetAction(parse =>
        {
            var result = RecipeHistory.Run(new RecipeHistoryRequest(parse.GetValue(id)!, context.WorkingDirectory));
            if (result.Report is not { } report)
            {
                throw new UserErrorException(result.Error!, result.Hint);
            }

            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonText.Write(HistoryFormatter.ToJson(report)));
            }
            else
            {
                HistoryFormatter.WriteTable(context.Out, report, new Style(context.Color));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Finds a recipe by id or fails with the nearest ids.</summary>
    internal static RecipeEntry Resolve(RecipeRegistry registry, string id)
    {
        if (registry.Find(id) is { } entry)
        {
            return entry;
        }

        var near = registry.Nearest(id);
        throw new UserErrorException($"unknown recipe '{id}'",
            near.Count > 0
                ? "nearest: " + string.Join(", ", near) + " (`trainplat recipe list` shows them all)"
                : "`trainplat recipe list` shows the recipes there are");
    }

    private static void WarnUnreadable(CliContext context, RecipeRegistry registry)
    {
        foreach (var doc in registry.Unreadable)
        {
            context.Error.WriteLine($"trainplat: warning: skipped {doc.DisplayPath}: not a readable recipe (run `trainplat validate {doc.DisplayPath}`)");
        }
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

    internal static JsonObject EntryJson(RecipeEntry e) => new()
    {
        ["id"] = e.Id,
        ["version"] = e.Recipe.Version,
        ["task"] = e.Recipe.Task,
        ["algorithm"] = e.Recipe.Algorithm,
        ["tags"] = JsonText.Array(e.Recipe.Tags),
        ["description"] = e.Recipe.Description,
        ["source"] = e.Recipe.Source,
        ["extends"] = e.Recipe.Extends,
        ["origin"] = e.Origin == RecipeOrigin.BuiltIn ? "builtin" : "project",
        ["path"] = e.Origin == RecipeOrigin.BuiltIn ? null : e.Document.DisplayPath,
        ["shadows_builtin"] = e.ShadowsBuiltIn,
    };

    private static class RecipeTable
    {
        public static void Write(TextWriter output, IReadOnlyList<RecipeEntry> entries, Style style)
        {
            if (entries.Count == 0)
            {
                output.WriteLine("No recipes match.");
                return;
            }

            string[] header = ["ID", "VERSION", "TASK", "ALGORITHM", "ORIGIN", "TAGS"];
            var rows = entries.Select(e => new[]
            {
                e.Id,
                e.Recipe.Version,
                e.Recipe.Task,
                e.Recipe.Algorithm,
                e.Origin == RecipeOrigin.BuiltIn ? "built-in" : e.ShadowsBuiltIn ? "project (shadows built-in)" : "project",
                string.Join(",", e.Recipe.Tags),
            }).ToArray();
            var widths = Enumerable.Range(0, header.Length - 1)
                .Select(i => Math.Max(header[i].Length, rows.Max(r => r[i].Length)))
                .ToArray();
            output.WriteLine(style.Bold(Line(header, widths)));
            foreach (var row in rows)
            {
                output.WriteLine(Line(row, widths));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{entries.Count} recipe{(entries.Count == 1 ? "" : "s")}"));
        }

        private static string Line(string[] cells, int[] widths) =>
            string.Join("  ", cells.Select((c, i) => i < widths.Length ? c.PadRight(widths[i]) : c)).TrimEnd();
    }
}
