using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Validation;

/// <summary>What to validate: files and folders (relative to <paramref name="WorkingDirectory"/>); none means the whole project.</summary>
public sealed record ValidationRequest(IReadOnlyList<string> Paths, string WorkingDirectory);

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
        var result = new List<Diagnostic>(doc.Tree.Diagnostics);
        if (doc.Tree.Root is not null)
        {
            result.AddRange(SchemaDiagnostics.Check(SchemaDocument.Recipe, doc.Tree));
            result.AddRange(RecipeRules.Check(doc, lookup));
        }

        result.Sort(Diagnostic.Order);
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
        var projectDocs = new Dictionary<string, RecipeDocument>(StringComparer.Ordinal);
        foreach (var folder in project.RecipeFolders)
        {
            foreach (var file in ProjectContext.YamlFilesUnder(folder))
            {
                projectDocs[file] = RecipeDocument.Load(file, project.Display(file), RecipeOrigin.Project);
            }
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

        files = files.Distinct(StringComparer.Ordinal).ToList();
        var docs = new RecipeDocument[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            var f = files[i];
            docs[i] = f == project.ProjectFile ? RecipeDocument.FromTree(project.ProjectTree!, project.ProjectText, f)
                : projectDocs.TryGetValue(f, out var d) ? d
                : RecipeDocument.Load(f, project.Display(f));
        });

        var registry = RecipeRegistry.FromDocuments(projectDocs.Values.OrderBy(d => d.FullPath, StringComparer.Ordinal).ToArray());
        var lookup = new Lookup(registry, docs.Where(d => !IsProject(d)));

        var diagnostics = new List<Diagnostic>[docs.Length];
        Parallel.For(0, docs.Length, i =>
            diagnostics[i] = IsProject(docs[i])
                ? [.. ValidateProjectFile(docs[i])]
                : [.. ValidateRecipe(docs[i], lookup)]);

        var all = diagnostics.SelectMany(d => d).ToList();
        all.AddRange(DuplicateIds(docs.Where(d => !IsProject(d))));
        all.Sort(Diagnostic.Order);
        return new ValidationReport(docs.Select(d => d.DisplayPath).ToArray(), all, missing) { Project = project };
    }

    private static bool IsProject(RecipeDocument doc) => doc.FullPath is not null && ProjectContext.IsProjectFile(doc.FullPath);

    private static IEnumerable<Diagnostic> DuplicateIds(IEnumerable<RecipeDocument> docs)
    {
        var first = new Dictionary<string, RecipeDocument>(StringComparer.Ordinal);
        foreach (var doc in docs.OrderBy(d => d.DisplayPath, StringComparer.Ordinal))
        {
            if (doc.Recipe is not { } recipe)
            {
                continue;
            }

            if (first.TryGetValue(recipe.Id, out var earlier))
            {
                var pos = doc.Tree.PositionOf("/id");
                yield return new Diagnostic(DiagnosticCodes.DuplicateId, Severity.Error, doc.DisplayPath, pos.Line, pos.Column, "/id",
                    $"id '{recipe.Id}' is already used by {earlier.DisplayPath}", "give each recipe its own id");
            }
            else
            {
                first[recipe.Id] = doc;
            }
        }
    }

    /// <summary>Recipe ids known to the run: the registry plus the files being validated (which may be newer).</summary>
    private sealed class Lookup : IRecipeLookup
    {
        private readonly Dictionary<string, string?> _extends = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _versions = new(StringComparer.Ordinal);

        public Lookup(RecipeRegistry registry, IEnumerable<RecipeDocument> validated)
        {
            foreach (var entry in registry.Entries)
            {
                _extends[entry.Id] = entry.Recipe.Extends;
                _versions[entry.Id] = entry.Recipe.Version;
            }

            foreach (var doc in validated)
            {
                if (doc.Recipe is { } r)
                {
                    _extends[r.Id] = r.Extends;
                    _versions[r.Id] = r.Version;
                }
            }
        }

        public IEnumerable<string> Ids => _extends.Keys.Order(StringComparer.Ordinal);

        public bool Exists(string id) => _extends.ContainsKey(id);

        public string? ExtendsOf(string id) => _extends.GetValueOrDefault(id);

        public string? VersionOf(string id) => _versions.GetValueOrDefault(id);
    }
}
