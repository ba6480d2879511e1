using System.Text;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Project;

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
    public const string InitialVersion = "0.1.0";

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    /// <param name="edit">Changes the copied text before it is written (<c>suggest --write</c> sets config values with it).</param>
    public static RecipeCopyResult Copy(RecipeEntry source, string newId, ProjectContext project, RecipeRegistry registry, Func<string, string>? edit = null)
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

        var folder = project.RecipeFolders[0];
        var target = Path.Combine(folder, newId + ".yaml");
        if (File.Exists(target))
        {
            return new RecipeCopyResult(null, $"{project.Display(target)} already exists and is never overwritten", "choose another id");
        }

        var text = Rewrite(source, newId, SchemaReference(project, folder));
        if (edit is not null)
        {
            text = edit(text);
        }

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
                sb.Append("# Copied from ").Append(source.Id).Append('@').Append(source.Recipe.Version)
                  .Append(" with `trainplat recipe new`.\n");
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

    private static string TrailingComment(string line)
    {
        var hash = line.IndexOf(" #", StringComparison.Ordinal);
        return hash < 0 ? "" : line[hash..];
    }
}
