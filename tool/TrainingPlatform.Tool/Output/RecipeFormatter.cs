using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Tool.Output;

/// <summary>Text, tables and JSON for the <c>recipe</c> commands.</summary>
internal static class RecipeFormatter
{
    public static void WriteList(TextWriter output, IReadOnlyList<RecipeEntry> entries, TableFormat format, Style style)
    {
        if (format == TableFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonArray([.. entries.Select(e => (JsonNode)EntryJson(e))])));
            return;
        }

        if (entries.Count == 0)
        {
            output.WriteLine("No recipes match.");
            return;
        }

        var table = new TextTable("ID", "VERSION", "TASK", "ALGORITHM", "ORIGIN", "TAGS");
        foreach (var e in entries)
        {
            table.Add(
                e.Id,
                e.Recipe.Version,
                e.Recipe.Task,
                e.Recipe.Algorithm,
                e.Origin == RecipeOrigin.BuiltIn ? "built-in" : e.ShadowsBuiltIn ? "project (shadows built-in)" : "project",
                string.Join(",", e.Recipe.Tags));
        }

        table.Write(output, style.Bold);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{entries.Count} recipe{(entries.Count == 1 ? "" : "s")}"));
    }

    /// <summary>A recipe as written (YAML), or its content as JSON.</summary>
    public static void WriteDocument(TextWriter output, RecipeDocument document, YamlFormat format)
    {
        if (format == YamlFormat.Json)
        {
            output.WriteLine(JsonText.Write(document.Tree.Root));
            return;
        }

        var text = document.Text ?? "";
        output.Write(text.EndsWith('\n') ? text : text + "\n");
    }

    /// <summary>What <c>recipe new</c> made and what to do next.</summary>
    public static void WriteCreated(TextWriter output, string createdPath, RecipeEntry source)
    {
        output.WriteLine($"Created {createdPath} from {source.Id}@{source.Recipe.Version} (version {RecipeCopier.InitialVersion}).");
        output.WriteLine($"Next: edit it, then run `trainplat validate {createdPath}`.");
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
}
