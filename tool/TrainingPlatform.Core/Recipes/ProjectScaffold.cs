using System.Text;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Rendering;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Recipes;

public enum ScaffoldAction
{
    Created,
    Appended,
    Skipped,
}

/// <summary>What <c>init</c> did with one file, relative to the project folder, and why when it skipped.</summary>
public sealed record ScaffoldStep(string Path, ScaffoldAction Action, string? Reason = null);

/// <summary>The folder initialised and one step per file, in a fixed order.</summary>
public sealed record ScaffoldResult(string Directory, IReadOnlyList<ScaffoldStep> Steps)
{
    public bool ChangedAnything => Steps.Any(s => s.Action != ScaffoldAction.Skipped);
}

/// <summary>
/// Scaffolds a recipe repository: <c>trainplat.yaml</c>, one example recipe, the schemas and the
/// editor mapping to them, <c>.trainplat/</c> in <c>.gitignore</c>, and a pre-commit config using this
/// tool's hooks. Never overwrites a file: an existing one is skipped (<c>.gitignore</c> gets a line appended).
/// </summary>
public static class ProjectScaffold
{
    public const string ExampleId = "my_sft_lora";
    public const string ExampleSource = "sft_lora";
    public const string IgnoreEntry = ".trainplat/";

    /// <summary>The command the hooks run: the tool from the repository's tool manifest (README: "pre-commit hooks").</summary>
    public const string HookCommand = "dotnet tool run trainplat";

    /// <summary>Where <c>init</c> writes the recipe schema, from the project root; recipe headers point here.</summary>
    public const string RecipeSchemaPath = "schemas/recipe.v1.schema.json";

    public static ScaffoldResult Run(string directory)
    {
        var root = Path.GetFullPath(directory);
        if (File.Exists(root))
        {
            throw new IOException($"{directory} is a file, not a folder");
        }

        Directory.CreateDirectory(root);
        var steps = new List<ScaffoldStep>
        {
            Create(root, ProjectContext.ProjectFileName, ProjectFile(new DirectoryInfo(root).Name)),
            Create(root, "recipes/" + ExampleId + ".yaml", ExampleRecipe()),
            Create(root, RecipeSchemaPath, SchemaDocument.Recipe.Text),
            Create(root, "schemas/project.v1.schema.json", SchemaDocument.Project.Text),
            Create(root, ".vscode/settings.json", VsCodeSettings),
            Create(root, ".pre-commit-config.yaml", PreCommitConfig),
            GitIgnore(root),
        };
        return new ScaffoldResult(root, steps);
    }

    /// <summary>The example recipe: the built-in <c>sft_lora</c> under <see cref="ExampleId"/> at 0.1.0, its schema header pointing into the project.</summary>
    public static string ExampleRecipe()
    {
        var source = RecipeRegistry.BuiltInOnly().Find(ExampleSource) ?? throw new InvalidOperationException($"built-in {ExampleSource} is missing");
        var lines = RecipeCopier.Rewrite(source, ExampleId, "../" + RecipeSchemaPath).Split('\n')
            .Select(l => l.Replace("with `trainplat recipe new`.", "with `trainplat init`.", StringComparison.Ordinal));
        var text = string.Join('\n', lines);
        return text.EndsWith('\n') ? text : text + "\n";
    }

    private static string ProjectFile(string name) =>
        "# yaml-language-server: $schema=schemas/project.v1.schema.json\n" +
        "# The trainplat project: the folders holding this repository's recipes (README: \"The project\").\n" +
        "apiVersion: trainplat/v1\n" +
        "name: " + YamlText.String(name.Length > 0 ? name : "recipes") + "\n" +
        "recipes: [recipes]\n";

    private const string VsCodeSettings =
        """
        {
          "yaml.schemas": {
            "./schemas/recipe.v1.schema.json": [
              "recipes/*.yaml",
              "recipes/**/*.yaml",
              "recipes/**/*.yml"
            ],
            "./schemas/project.v1.schema.json": [
              "trainplat.yaml"
            ]
          }
        }

        """;

    // repo: local with language: system: pre-commit runs the entry as written, here the tool this repository's manifest
    // pins, so the hooks need no hook repository, tag or network (a remote hook needs a release tag: README).
    private const string PreCommitConfig =
        $"""
        # pre-commit hooks (https://pre-commit.com): run `pre-commit install` once per clone.
        # They run trainplat from this repository's tool manifest (dotnet-tools.json), so add the tool to it once:
        #   dotnet new tool-manifest
        #   dotnet tool install --local TrainingPlatform.Tool      # --add-source /abs/path/to/nupkg for a package folder
        # and run `dotnet tool restore` in every clone. README "pre-commit hooks" shows the remote-hook form.
        repos:
          - repo: local
            hooks:
              - id: trainplat-validate   # recipes and trainplat.yaml, on every commit that touches them
                name: trainplat validate
                entry: {HookCommand} validate
                language: system
                files: (^|/)(recipes/.*\.ya?ml|trainplat\.yaml)$
                pass_filenames: true
              - id: trainplat-check      # content changed => version bumped, against HEAD
                name: trainplat check (version bumps)
                entry: {HookCommand} check --base HEAD
                language: system
                files: (^|/)(recipes/.*\.ya?ml|trainplat\.yaml)$
                pass_filenames: false

        """;

    private static ScaffoldStep Create(string root, string relative, string text)
    {
        var full = Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
        if (Path.Exists(full))
        {
            return new ScaffoldStep(relative, ScaffoldAction.Skipped, "exists");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        try
        {
            using var stream = new FileStream(full, FileMode.CreateNew, FileAccess.Write);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            writer.Write(text.Replace("\r\n", "\n", StringComparison.Ordinal));
        }
        catch (IOException) when (File.Exists(full))
        {
            return new ScaffoldStep(relative, ScaffoldAction.Skipped, "exists");
        }

        return new ScaffoldStep(relative, ScaffoldAction.Created);
    }

    private static ScaffoldStep GitIgnore(string root)
    {
        const string name = ".gitignore";
        var full = Path.Combine(root, name);
        if (!File.Exists(full))
        {
            return Create(root, name, "# trainplat's local state (caches, the lineage store)\n" + IgnoreEntry + "\n");
        }

        var text = File.ReadAllText(full);
        var covered = text.Split('\n').Select(l => l.Trim()).Any(l => l is ".trainplat/" or ".trainplat" or "/.trainplat/" or "/.trainplat");
        if (covered)
        {
            return new ScaffoldStep(name, ScaffoldAction.Skipped, $"already ignores {IgnoreEntry}");
        }

        File.AppendAllText(full, (text.Length == 0 || text.EndsWith('\n') ? "" : "\n") + IgnoreEntry + "\n");
        return new ScaffoldStep(name, ScaffoldAction.Appended, IgnoreEntry);
    }
}
