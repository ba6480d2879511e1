using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Recipes;

/// <summary>The outcome of copying a recipe: the new file, or why nothing was written.</summary>
public sealed record RecipeCopyResult(string? CreatedPath, string? Error, string? Hint)
{
    public bool Succeeded => CreatedPath is not null;
}

/// <summary>
/// Copies a recipe into the project's first recipe folder under a new id, at version 0.1.0, keeping
/// its comments (like torchtune's <c>tune cp</c>). Never overwrites a file.
/// </summary>
public static partial class RecipeCopier
{
    /// <summary>The header line a copy gets: where it was copied from (read back by <see cref="CopiedFrom"/>).</summary>
    public static string CopiedFromLine(string id, string version) => $"# Copied from {id}@{version} with `trainplat recipe new`.";

    /// <summary>
    /// The <c>ID@VERSION</c> a copy's header says it was copied from; a copy of a copy keeps its source's line above its
    /// own, so the last line names the recipe it was copied from. Null when the text has none.
    /// </summary>
    public static string? CopiedFrom(string text) =>
        CopiedLine().Matches(text) is { Count: > 0 } all ? all[^1].Groups[1].Value : null;

    [GeneratedRegex(@"^# Copied from ([a-z][a-z0-9_]*@[0-9A-Za-z.+-]+) with `trainplat recipe new`\.[ \t]*\r?$", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex CopiedLine();

    public const string InitialVersion = "0.1.0";

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    /// <param name="edit">Changes the copied text before it is written (<c>suggest --write</c> sets config values with it).</param>
    public static RecipeCopyResult Copy(RecipeEntry source, string newId, ProjectContext project, RecipeRegistry registry, Func<string, string>? edit = null)
    {
        if (Refuse(newId, project, registry) is { } refused)
        {
            return refused;
        }

        var folder = project.RecipeFolders[0];
        var target = Path.Combine(folder, newId + ".yaml");
        var text = Rewrite(source, newId, SchemaReference(project, folder));
        if (edit is not null)
        {
            text = edit(text);
        }

        return Write(project, folder, target, text);
    }

    /// <summary>
    /// Writes a short recipe that extends <paramref name="baseRecipe"/> (pinned to its current version) instead of copying it:
    /// the same header, task and algorithm, and an empty <c>config:</c> to add overrides to. Never overwrites a file.
    /// </summary>
    public static RecipeCopyResult Extend(RecipeEntry baseRecipe, string newId, ProjectContext project, RecipeRegistry registry)
    {
        if (Refuse(newId, project, registry) is { } refused)
        {
            return refused;
        }

        var folder = project.RecipeFolders[0];
        return Write(project, folder, Path.Combine(folder, newId + ".yaml"), Extension(baseRecipe, newId, SchemaReference(project, folder)));
    }

    private static RecipeCopyResult? Refuse(string newId, ProjectContext project, RecipeRegistry registry)
    {
        if (!IdPattern().IsMatch(newId))
        {
            return new RecipeCopyResult(null, $"'{newId}' is not a valid recipe id",
                "ids are lower_snake_case: a letter, then letters, digits and underscores");
        }

        if (registry.Find(newId) is { Origin: RecipeOrigin.Project } existing)
        {
            return new RecipeCopyResult(null, $"a project recipe with id '{newId}' already exists: {existing.Document.DisplayPath}",
                "choose another id, or edit that file");
        }

        var target = Path.Combine(project.RecipeFolders[0], newId + ".yaml");
        return File.Exists(target)
            ? new RecipeCopyResult(null, $"{project.Display(target)} already exists and is never overwritten", "choose another id")
            : null;
    }

    private static RecipeCopyResult Write(ProjectContext project, string folder, string target, string text)
    {
        Directory.CreateDirectory(folder);
        try
        {
            using var stream = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            writer.Write(text);
        }
        catch (IOException) when (File.Exists(target))
        {
            return new RecipeCopyResult(null, $"{project.Display(target)} already exists and is never overwritten", "choose another id");
        }

        return new RecipeCopyResult(target, null, null);
    }

    /// <summary>
    /// The editor schema header's path from a recipe folder to the project's <c>schemas/recipe.v1.schema.json</c> (where
    /// <c>init</c> puts it): relative, so editors find it offline.
    /// </summary>
    public static string SchemaReference(ProjectContext project, string folder) =>
        Path.GetRelativePath(Path.GetFullPath(folder), Path.Combine(project.Root, ProjectScaffold.RecipeSchemaPath)).Replace('\\', '/');

    [GeneratedRegex(@"\btrainplat recipe new \S+ --from \S+", RegexOptions.CultureInvariant)]
    private static partial Regex NewCommandLine();

    /// <summary>
    /// The copied text: new id and version, comments kept, the editor schema header pointing at <paramref name="schemaReference"/>,
    /// and the header's <c>trainplat recipe new</c> line naming the recipe it was copied from.
    /// </summary>
    public static string Rewrite(RecipeEntry source, string newId, string schemaReference)
    {
        var doc = source.Document;
        var lines = (doc.Text ?? "").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var idLine = doc.Tree.KeyPositions.TryGetValue("/id", out var idPos) ? idPos.Line - 1 : -1;
        var versionLine = doc.Tree.KeyPositions.TryGetValue("/version", out var vPos) ? vPos.Line - 1 : -1;
        var sb = new StringBuilder();
        var wroteOrigin = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (i == idLine)
            {
                line = "id: " + newId + TrailingComment(line);
            }
            else if (i == versionLine)
            {
                line = "version: " + InitialVersion + TrailingComment(line);
            }
            else if (line.StartsWith("# yaml-language-server:", StringComparison.Ordinal))
            {
                line = "# yaml-language-server: $schema=" + schemaReference;
            }
            else if (line.StartsWith('#') && NewCommandLine().IsMatch(line))
            {
                line = NewCommandLine().Replace(line, $"trainplat recipe new {newId} --from {source.Id}");
            }
            else if (line.StartsWith('#') && line.Contains("trainplat ", StringComparison.Ordinal))
            {
                line = Regex.Replace(line, $@"\b{Regex.Escape(source.Id)}\b", newId);
            }

            if (!wroteOrigin && !line.StartsWith('#'))
            {
                sb.Append(CopiedFromLine(source.Id, source.Recipe.Version)).Append('\n');
                wroteOrigin = true;
            }

            sb.Append(line);
            if (i < lines.Length - 1)
            {
                sb.Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// The text of a recipe that extends <paramref name="baseRecipe"/>: pinned to the base's current version, so that
    /// <c>NEW@0.1.0</c> keeps meaning one config; when the base moves on, <c>validate</c> says so (TP0214).
    /// </summary>
    public static string Extension(RecipeEntry baseRecipe, string newId, string schemaReference)
    {
        var b = baseRecipe.Recipe;
        var pin = b.Id + "@" + b.Version;
        var (section, key, value) = ExampleOverride(b.Config);
        var description = b.Description.TrimEnd().TrimEnd('.');
        var sb = new StringBuilder();
        sb.Append("# yaml-language-server: $schema=").Append(schemaReference).Append('\n')
          .Append("#\n")
          .Append("# ").Append(newId).Append(": ").Append(b.Id).Append(" with the overrides under config: below; every other value\n")
          .Append("# (config, scaling rules, extra) comes from ").Append(b.Id).Append(".\n")
          .Append("# Extends ").Append(pin).Append(" with `trainplat recipe new`: when ").Append(b.Id)
          .Append(" changes version, `trainplat validate` says so.\n")
          .Append("#\n")
          .Append("# Use it:\n")
          .Append("#   trainplat render ").Append(newId).Append(" --model-size 7B\n")
          .Append("#   trainplat recipe new ").Append(newId).Append(" --extends ").Append(b.Id).Append('\n')
          .Append("apiVersion: trainplat/v1\n")
          .Append("id: ").Append(newId).Append('\n')
          .Append("version: ").Append(InitialVersion).Append('\n')
          .Append("task: ").Append(YamlText.String(b.Task)).Append('\n')
          .Append("algorithm: ").Append(YamlText.String(b.Algorithm)).Append('\n')
          .Append("description: ").Append(PlainText((description.Length > 0 ? description + " (based on " + b.Id + ")" : "Based on " + b.Id) + ".")).Append('\n')
          .Append("extends: ").Append(pin).Append('\n')
          .Append("# Override a key of ").Append(b.Id).Append(" by setting it here (the rest is inherited), e.g.\n")
          .Append("#   ").Append(section).Append(":\n")
          .Append("#     ").Append(key).Append(": ").Append(value).Append("   # ").Append(b.Id).Append("'s value\n")
          .Append("config: {}\n");
        return sb.ToString();
    }

    /// <summary>A one-line text as a plain YAML scalar when every reader takes it as that string, else quoted.</summary>
    private static string PlainText(string text) =>
        text.Length > 0 && char.IsAsciiLetter(text[0]) && text.Contains(' ', StringComparison.Ordinal)
            && !text.Contains(": ", StringComparison.Ordinal) && !text.Contains(" #", StringComparison.Ordinal)
            && text.IndexOfAny(['\n', '\r', '"', '\'', '\t']) < 0 && !text.EndsWith(':')
            ? text
            : YamlText.String(text);

    /// <summary>The key a comment shows as an override example: the learning rate when the base sets one, else its first value.</summary>
    private static (string Section, string Key, string Value) ExampleOverride(JsonObject config)
    {
        if (config["optimizer"] is JsonObject optimizer && optimizer["learning_rate"] is JsonValue lr)
        {
            return ("optimizer", "learning_rate", YamlText.Scalar(lr));
        }

        foreach (var (section, node) in config)
        {
            if (node is JsonObject o && o.FirstOrDefault(p => p.Value is JsonValue) is { Value: JsonValue v } first)
            {
                return (section, first.Key, YamlText.Scalar(v));
            }
        }

        return ("optimizer", "learning_rate", "1.0e-6");
    }

    private static string TrailingComment(string line)
    {
        var hash = line.IndexOf(" #", StringComparison.Ordinal);
        return hash < 0 ? "" : line[hash..];
    }
}
