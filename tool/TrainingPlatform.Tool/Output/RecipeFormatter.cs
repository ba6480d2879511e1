using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Tool.Output;

/// <summary>Text, tables and JSON for the <c>recipe</c> commands.</summary>
internal static class RecipeFormatter
{
    /// <param name="unusable">Built-in ids hidden by an unreadable project file of that name, listed so that the id does not just vanish.</param>
    /// <param name="methods">Each entry's training method (full, lora, qlora), in the same order.</param>
    public static void WriteList(TextWriter output, IReadOnlyList<RecipeEntry> entries, IReadOnlyList<string> methods,
        IReadOnlyList<(string Id, RecipeDocument Document)> unusable, TableFormat format, Style style)
    {
        if (format == TableFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonArray([.. entries.Select((e, i) => (JsonNode)EntryJson(e, methods[i])).Concat(unusable.Select(u => (JsonNode)UnusableJson(u.Id, u.Document)))])));
            return;
        }

        if (entries.Count == 0 && unusable.Count == 0)
        {
            output.WriteLine("No recipes match.");
            return;
        }

        var table = new TextTable("ID", "VERSION", "TASK", "ALGORITHM", "METHOD", "ORIGIN", "TAGS");
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            table.Add(
                e.Id,
                e.Recipe.Version,
                e.Recipe.Task,
                e.Recipe.Algorithm,
                methods[i],
                e.Origin == RecipeOrigin.BuiltIn ? "builtin" : e.ShadowsBuiltIn ? "project (shadows builtin)" : "project",
                string.Join(",", e.Recipe.Tags));
        }

        foreach (var (id, _) in unusable)
        {
            table.Add(id, "-", "-", "-", "-", "project (unreadable; shadows builtin)", "");
        }

        table.Write(output, style.Bold);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{entries.Count} recipe{(entries.Count == 1 ? "" : "s")}") +
            (unusable.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $", {unusable.Count} unreadable (see the warning)") : ""));
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
    public static void WriteCreated(TextWriter output, string createdPath, RecipeEntry source, bool extending = false)
    {
        output.WriteLine(extending
            ? $"Created {createdPath} extending {source.Id}@{source.Recipe.Version} (version {RecipeCopier.InitialVersion}); add your overrides under config:."
            : $"Created {createdPath} from {source.Id}@{source.Recipe.Version} (version {RecipeCopier.InitialVersion}).");
        output.WriteLine($"Next: edit it, then run `trainplat validate {createdPath}`.");
    }

    private static JsonObject UnusableJson(string id, RecipeDocument doc) => new()
    {
        ["id"] = id,
        ["version"] = null,
        ["task"] = null,
        ["algorithm"] = null,
        ["method"] = null,
        ["tags"] = new JsonArray(),
        ["description"] = null,
        ["source"] = null,
        ["extends"] = null,
        ["origin"] = "project",
        ["path"] = doc.DisplayPath,
        ["shadows_builtin"] = true,
        ["unreadable"] = true,
    };

    internal static JsonObject EntryJson(RecipeEntry e, string method) => new()
    {
        ["id"] = e.Id,
        ["version"] = e.Recipe.Version,
        ["task"] = e.Recipe.Task,
        ["algorithm"] = e.Recipe.Algorithm,
        ["method"] = method,
        ["tags"] = JsonText.Array(e.Recipe.Tags),
        ["description"] = e.Recipe.Description,
        ["source"] = e.Recipe.Source,
        ["extends"] = e.Recipe.Extends,
        ["origin"] = e.Origin == RecipeOrigin.BuiltIn ? "builtin" : "project",
        ["path"] = e.Origin == RecipeOrigin.BuiltIn ? null : e.Document.DisplayPath,
        ["shadows_builtin"] = e.ShadowsBuiltIn,
    };
}
