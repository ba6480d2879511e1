using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// The recipe versions recorded in a lineage store, for <c>extends: ID@VERSION</c> pins (<see cref="IRecordedRecipes"/>).
/// The store is opened (read-only, by <paramref name="openForReading"/>) only when a pin asks, once per id@version.
/// </summary>
public sealed class StoreRecipeVersions(Func<ILineageStore> openForReading) : IRecordedRecipes
{
    private readonly Dictionary<(string Id, string Version), RecipeDocument?> _found = [];

    public RecipeDocument? Find(string id, string version)
    {
        if (!_found.TryGetValue((id, version), out var doc))
        {
            using var store = openForReading();

            // By the version string as recorded (build metadata included); one id@version is one content, the newest if an older store has several.
            var records = store.FindRecipeVersions(id, version);
            var record = records.Count > 0 ? records[0] : null;
            doc = record is null ? null : RecipeDocument.Parse(record.Text, $"store:{record.RecipeId}@{record.Version}");
            _found[(id, version)] = doc;
        }

        return doc;
    }
}
