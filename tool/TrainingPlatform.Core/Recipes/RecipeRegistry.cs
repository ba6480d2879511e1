using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Recipes;

/// <summary>One recipe the registry knows: where it comes from and whether it hides a built-in.</summary>
public sealed record RecipeEntry(RecipeDocument Document, Recipe Recipe, bool ShadowsBuiltIn)
{
    public string Id => Recipe.Id;

    public RecipeOrigin Origin => Document.Origin;
}

/// <summary>
/// The recipes a command can name: the built-ins embedded in Core plus the project's recipe
/// folders. A project recipe with a built-in's id shadows it.
/// </summary>
public sealed class RecipeRegistry : IRecipeLookup
{
    private static readonly Lazy<IReadOnlyList<RecipeDocument>> BuiltInDocuments = new(LoadBuiltIns);

    private readonly Dictionary<string, RecipeEntry> _byId;
    private readonly Dictionary<string, RecipeDocument> _unusable;

    private RecipeRegistry(IReadOnlyList<RecipeEntry> entries, IReadOnlyList<RecipeDocument> unreadable, IReadOnlyList<RecipeDocument> projectDocuments,
        Dictionary<string, RecipeDocument> unusable)
    {
        Entries = entries;
        Unreadable = unreadable;
        ProjectDocuments = projectDocuments;
        _unusable = unusable;
        _byId = entries.ToDictionary(e => e.Id, StringComparer.Ordinal);
    }

    /// <summary>Effective recipes sorted by id.</summary>
    public IReadOnlyList<RecipeEntry> Entries { get; }

    /// <summary>Project files that hold no readable recipe (run <c>validate</c> for the reasons).</summary>
    public IReadOnlyList<RecipeDocument> Unreadable { get; }

    /// <summary>Every project recipe file read, readable or not, in path order.</summary>
    public IReadOnlyList<RecipeDocument> ProjectDocuments { get; }

    public IEnumerable<string> Ids => Entries.Select(e => e.Id);

    public static IReadOnlyList<RecipeDocument> BuiltIns => BuiltInDocuments.Value;

    public static RecipeRegistry BuiltInOnly() => Create(BuiltIns, []);

    public static RecipeRegistry Load(ProjectContext project)
    {
        var docs = new List<RecipeDocument>();
        foreach (var folder in project.RecipeFolders)
        {
            foreach (var file in ProjectContext.YamlFilesUnder(folder))
            {
                docs.Add(RecipeDocument.Load(file, project.Display(file), RecipeOrigin.Project));
            }
        }

        return Create(BuiltIns, docs);
    }

    /// <summary>The built-ins plus project recipe documents already read.</summary>
    public static RecipeRegistry FromDocuments(IReadOnlyList<RecipeDocument> projectDocuments) => Create(BuiltIns, projectDocuments);

    public RecipeEntry? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>
    /// The unreadable project file that claims <paramref name="id"/> by its file name (recipes/ID.yaml), when no
    /// readable project file has that id. Such an id is not found, even when a built-in has it: the team meant
    /// its own version, so using the built-in in its place would be a silent wrong answer.
    /// </summary>
    public RecipeDocument? Unusable(string id) => _unusable.GetValueOrDefault(id);

    /// <summary>Unreadable project files by the id their file name claims (see <see cref="Unusable"/>), sorted by id.</summary>
    public IReadOnlyList<(string Id, RecipeDocument Document, bool ShadowsBuiltIn)> UnusableIds =>
        [.. _unusable.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => (u.Key, u.Value, BuiltIns.Any(b => b.Recipe?.Id == u.Key)))];

    /// <summary>Why <paramref name="id"/> names no recipe, and what to do: its unreadable file with the first problem's place, or the nearest ids.</summary>
    public (string Message, string Hint) NotFound(string id)
    {
        if (Unusable(id) is { } doc)
        {
            var problem = doc.Tree.Diagnostics.FirstOrDefault(d => d.IsError);
            var shadows = BuiltIns.Any(b => b.Recipe?.Id == id);
            var where = problem is null ? doc.DisplayPath
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{problem.File}:{problem.Line}:{problem.Column}: {problem.Message}");
            return ($"recipe '{id}' is {doc.DisplayPath}, which cannot be read ({where})" + (shadows ? $"; it shadows the built-in {id}, which is not used in its place" : ""),
                $"fix the file (`trainplat validate {doc.DisplayPath}` lists its errors)" + (shadows ? $", or remove it to use the built-in {id}" : ""));
        }

        var near = Nearest(id);
        return ($"unknown recipe '{id}'",
            near.Count > 0 ? "nearest: " + string.Join(", ", near) + " (`trainplat recipe list` shows them all)" : "`trainplat recipe list` shows the recipes there are");
    }

    /// <summary>The ids closest to a mistyped one, best first.</summary>
    public IReadOnlyList<string> Nearest(string id) => Suggestions.Closest(id, Ids);

    public bool Exists(string id) => _byId.ContainsKey(id);

    public string? ExtendsOf(string id) => _byId.GetValueOrDefault(id)?.Recipe.Extends;

    public string? VersionOf(string id) => _byId.GetValueOrDefault(id)?.Recipe.Version;

    private static RecipeRegistry Create(IReadOnlyList<RecipeDocument> builtIns, IReadOnlyList<RecipeDocument> projectDocs)
    {
        var byId = new SortedDictionary<string, RecipeEntry>(StringComparer.Ordinal);
        foreach (var doc in builtIns)
        {
            if (doc.Recipe is not null)
            {
                byId[doc.Recipe.Id] = new RecipeEntry(doc, doc.Recipe, false);
            }
        }

        var unreadable = new List<RecipeDocument>();
        var seenProject = new HashSet<string>(StringComparer.Ordinal);
        foreach (var doc in projectDocs)
        {
            if (doc.Recipe is null)
            {
                unreadable.Add(doc);
                continue;
            }

            // The first project file with an id wins; validate reports the duplicate (TP0213).
            if (!seenProject.Add(doc.Recipe.Id))
            {
                continue;
            }

            var shadows = byId.TryGetValue(doc.Recipe.Id, out var existing) && existing.Origin == RecipeOrigin.BuiltIn;
            byId[doc.Recipe.Id] = new RecipeEntry(doc, doc.Recipe, shadows);
        }

        // An unreadable file named after an id hides that id (a built-in too) instead of letting it fall through.
        var unusable = new Dictionary<string, RecipeDocument>(StringComparer.Ordinal);
        foreach (var doc in unreadable)
        {
            var id = doc.FullPath is null ? null : Path.GetFileNameWithoutExtension(doc.FullPath);
            if (id is { Length: > 0 } && !seenProject.Contains(id) && unusable.TryAdd(id, doc))
            {
                byId.Remove(id);
            }
        }

        return new RecipeRegistry(byId.Values.ToArray(), unreadable, projectDocs, unusable);
    }

    private static RecipeDocument[] LoadBuiltIns() =>
        EmbeddedResources.Names("recipes")
            .Select(name => RecipeDocument.Parse(EmbeddedResources.ReadText(name), "builtin:" + Path.GetFileName(name), RecipeOrigin.BuiltIn))
            .ToArray();
}
