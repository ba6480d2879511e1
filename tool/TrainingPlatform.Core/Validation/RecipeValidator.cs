using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Validation;

/// <summary>What to validate: files and folders (relative to <paramref name="WorkingDirectory"/>); none means the whole project.</summary>
public sealed record ValidationRequest(IReadOnlyList<string> Paths, string WorkingDirectory)
{
    /// <summary>Recorded recipe versions, asked only for an <c>extends: ID@VERSION</c> pin to a version that is not ID's current one; null for none.</summary>
    public IRecordedRecipes? Recorded { get; init; }
}

/// <summary>The outcome of a validation run.</summary>
public sealed record ValidationReport(
    IReadOnlyList<string> Files,
    IReadOnlyList<Diagnostic> Diagnostics,
    IReadOnlyList<string> MissingPaths)
{
    public int ErrorCount => Diagnostics.Count(d => d.IsError);

    public int WarningCount => Diagnostics.Count(d => !d.IsError);

    /// <summary>True when a path could not be read at all: an input error rather than a finding.</summary>
    public bool HasInputErrors => MissingPaths.Count > 0 || Diagnostics.Any(d => d.Code == DiagnosticCodes.Unreadable);

    /// <summary>The project the run looked in (so a command can warn about its missing recipe folders without reading trainplat.yaml again).</summary>
    public ProjectContext? Project { get; init; }
}

/// <summary>Validates recipes and project files: YAML reading, the JSON Schema, then the semantic rules.</summary>
public static class RecipeValidator
{
    public static IReadOnlyList<Diagnostic> ValidateRecipe(RecipeDocument doc, IRecipeLookup lookup)
    {
        var result = ValidateAlone(doc);
        if (doc.Tree.Root is not null && doc.Recipe is { } recipe)
        {
            RecipeRules.Extends(doc.Tree.File, doc.Tree.PositionOf("/extends"), recipe, lookup, result);
        }

        result.Sort(Diagnostic.Order);
        return result;
    }

    /// <summary>Everything but the checks that need the other recipes: YAML, the JSON Schema, the rules of one file.</summary>
    private static List<Diagnostic> ValidateAlone(RecipeDocument doc)
    {
        var result = new List<Diagnostic>(doc.Tree.Diagnostics);
        if (doc.Tree.Root is not null)
        {
            result.AddRange(SchemaDiagnostics.Check(SchemaDocument.Recipe, doc.Tree));
            RecipeRules.CheckAlone(doc, result);
        }

        return result;
    }

    public static IReadOnlyList<Diagnostic> ValidateProjectFile(RecipeDocument doc)
    {
        var result = new List<Diagnostic>(doc.Tree.Diagnostics);
        if (doc.Tree.Root is not null)
        {
            result.AddRange(SchemaDiagnostics.Check(SchemaDocument.Project, doc.Tree));
            RecipeRules.YamlHazards(doc.Tree, result);
            if (doc.Tree.Root?["overrides"] is System.Text.Json.Nodes.JsonObject overrides)
            {
                RecipeRules.ConfigPathValues(doc.Tree, overrides, "/overrides", "trainplat.yaml overrides", result);
            }
        }

        result.Sort(Diagnostic.Order);
        return result;
    }

    public static ValidationReport Run(ValidationRequest request)
    {
        var project = ProjectContext.Discover(request.WorkingDirectory);
        var projectFiles = project.RecipeFolders.SelectMany(ProjectContext.YamlFilesUnder).Distinct(StringComparer.Ordinal).ToArray();
        var loaded = new RecipeDocument[projectFiles.Length];
        Parallel.For(0, projectFiles.Length, i => loaded[i] = RecipeDocument.Load(projectFiles[i], project.Display(projectFiles[i]), RecipeOrigin.Project));
        var projectDocs = new Dictionary<string, RecipeDocument>(StringComparer.Ordinal);
        for (var i = 0; i < projectFiles.Length; i++)
        {
            projectDocs[projectFiles[i]] = loaded[i];
        }

        var missing = new List<string>();
        var files = new List<string>();
        if (request.Paths.Count == 0)
        {
            if (project.ProjectFile is not null)
            {
                files.Add(project.ProjectFile);
            }

            files.AddRange(projectDocs.Keys.Order(StringComparer.Ordinal));
        }
        else
        {
            foreach (var path in request.Paths)
            {
                var full = Path.GetFullPath(Path.Combine(project.WorkingDirectory, path));
                if (Directory.Exists(full))
                {
                    files.AddRange(ProjectContext.YamlFilesUnder(full));
                }
                else if (File.Exists(full))
                {
                    files.Add(full);
                }
                else
                {
                    missing.Add(path);
                }
            }
        }

        // One pass per file: read, check everything that needs only the file, keep what the cross-file checks need.
        // A file's tree is dropped as soon as it is checked (a thousand trees kept alive made the GC copy them).
        files = files.Distinct(StringComparer.Ordinal).ToList();
        var checkedFiles = new CheckedFile[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            var f = files[i];
            var doc = f == project.ProjectFile ? RecipeDocument.FromTree(project.ProjectTree!, project.ProjectText, f)
                : projectDocs.TryGetValue(f, out var d) ? d
                : RecipeDocument.Load(f, project.Display(f));
            checkedFiles[i] = IsProject(doc)
                ? new CheckedFile(doc.DisplayPath, doc.Tree.File, null, default, default, [.. ValidateProjectFile(doc)])
                : new CheckedFile(doc.DisplayPath, doc.Tree.File, doc.Tree.Root is null ? null : doc.Recipe,
                    doc.Tree.PositionOf("/id"), doc.Tree.PositionOf("/extends"), ValidateAlone(doc));
        });

        var registry = RecipeRegistry.FromDocuments(projectDocs.Values.OrderBy(d => d.FullPath, StringComparer.Ordinal).ToArray());
        var recipes = checkedFiles.Where(c => c.Recipe is not null).ToArray();
        var lookup = new RecordedRecipeLookup(new Lookup(registry, recipes.Select(c => c.Recipe!)), request.Recorded);

        var all = new List<Diagnostic>();
        foreach (var file in checkedFiles)
        {
            all.AddRange(file.Diagnostics);
            if (file.Recipe is { } recipe)
            {
                RecipeRules.Extends(file.TreeFile, file.ExtendsAt, recipe, lookup, all);
            }
        }

        all.AddRange(DuplicateIds(recipes));
        all.Sort(Diagnostic.Order);
        return new ValidationReport(checkedFiles.Select(c => c.DisplayPath).ToArray(), all, missing) { Project = project };
    }

    /// <summary>What is left of a file once it is checked: its findings and what the checks across files need.</summary>
    private sealed record CheckedFile(string DisplayPath, string TreeFile, Recipe? Recipe, SourcePosition IdAt, SourcePosition ExtendsAt, List<Diagnostic> Diagnostics);

    private static bool IsProject(RecipeDocument doc) => doc.FullPath is not null && ProjectContext.IsProjectFile(doc.FullPath);

    private static IEnumerable<Diagnostic> DuplicateIds(IEnumerable<CheckedFile> files)
    {
        var first = new Dictionary<string, CheckedFile>(StringComparer.Ordinal);
        foreach (var file in files.OrderBy(d => d.DisplayPath, StringComparer.Ordinal))
        {
            if (file.Recipe is not { } recipe)
            {
                continue;
            }

            if (first.TryGetValue(recipe.Id, out var earlier))
            {
                yield return new Diagnostic(DiagnosticCodes.DuplicateId, Severity.Error, file.DisplayPath, file.IdAt.Line, file.IdAt.Column, "/id",
                    $"id '{recipe.Id}' is already used by {earlier.DisplayPath}", "give each recipe its own id");
            }
            else
            {
                first[recipe.Id] = file;
            }
        }
    }

    /// <summary>Recipe ids known to the run: the registry plus the files being validated (which may be newer).</summary>
    private sealed class Lookup : IRecipeLookup
    {
        private readonly Dictionary<string, string?> _extends = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _versions = new(StringComparer.Ordinal);

        public Lookup(RecipeRegistry registry, IEnumerable<Recipe> validated)
        {
            foreach (var entry in registry.Entries)
            {
                _extends[entry.Id] = entry.Recipe.Extends;
                _versions[entry.Id] = entry.Recipe.Version;
            }

            foreach (var r in validated)
            {
                _extends[r.Id] = r.Extends;
                _versions[r.Id] = r.Version;
            }
        }

        public IEnumerable<string> Ids => _extends.Keys.Order(StringComparer.Ordinal);

        public bool Exists(string id) => _extends.ContainsKey(id);

        public string? ExtendsOf(string id) => _extends.GetValueOrDefault(id);

        public string? VersionOf(string id) => _versions.GetValueOrDefault(id);
    }
}
