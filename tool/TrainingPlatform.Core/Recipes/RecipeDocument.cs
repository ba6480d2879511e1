using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Recipes;

/// <summary>A recipe file as read: its text, its positioned tree and, when it has an id, its fields.</summary>
public sealed class RecipeDocument
{
    private RecipeDocument(string displayPath, string? fullPath, string? text, YamlTree tree, RecipeOrigin origin)
    {
        DisplayPath = displayPath;
        FullPath = fullPath;
        Text = text;
        Tree = tree;
        Origin = origin;
        Recipe = tree.Root is null ? null : Recipe.FromTree(tree.Root);
    }

    /// <summary>The path shown to the user (relative to the working directory, or <c>builtin:ID</c>).</summary>
    public string DisplayPath { get; }

    /// <summary>The file on disk; null for built-ins.</summary>
    public string? FullPath { get; }

    public string? Text { get; }

    public YamlTree Tree { get; }

    public Recipe? Recipe { get; }

    public RecipeOrigin Origin { get; }

    /// <summary>Parses recipe text: pure, no I/O.</summary>
    public static RecipeDocument Parse(string text, string displayPath, RecipeOrigin origin = RecipeOrigin.File, string? fullPath = null) =>
        new(displayPath, fullPath, text, YamlTreeReader.Parse(text, displayPath), origin);

    /// <summary>Reads and parses a recipe file; unreadable files become a document carrying the diagnostic.</summary>
    public static RecipeDocument Load(string fullPath, string displayPath, RecipeOrigin origin = RecipeOrigin.File)
    {
        var tree = YamlTreeReader.Load(fullPath, displayPath, out var text);
        return new RecipeDocument(displayPath, fullPath, text, tree, origin);
    }

    /// <summary>A document over a tree read elsewhere (the project file, which <see cref="Project.ProjectContext"/> holds).</summary>
    public static RecipeDocument FromTree(YamlTree tree, string? text, string fullPath) => new(tree.File, fullPath, text, tree, RecipeOrigin.File);
}
