namespace TrainingPlatform.Core.Recipes;

/// <summary>
/// Recipe versions recorded outside the recipe folders (the project's lineage store), for an <c>extends: ID@VERSION</c>
/// pin that names a version other than the base's current one. Asked only for such a pin, so that recipes without one
/// never open the store.
/// </summary>
public interface IRecordedRecipes
{
    /// <summary>The recorded text of <paramref name="id"/>@<paramref name="version"/> as a document, or null when it is not recorded.</summary>
    RecipeDocument? Find(string id, string version);
}

/// <summary>A lookup that also knows the recorded versions: a pin to one of them is valid.</summary>
public sealed class RecordedRecipeLookup(IRecipeLookup inner, IRecordedRecipes? recorded) : IRecipeLookup
{
    public IEnumerable<string> Ids => inner.Ids;

    public bool Exists(string id) => inner.Exists(id);

    public string? ExtendsOf(string id) => inner.ExtendsOf(id);

    public string? VersionOf(string id) => inner.VersionOf(id);

    public bool IsRecorded(string id, string version) => recorded?.Find(id, version) is not null || inner.IsRecorded(id, version);
}
