namespace TrainingPlatform.Core.Recipes;

/// <summary>What the validator may ask about other recipes: does an id exist, and what does it extend.</summary>
public interface IRecipeLookup
{
    IEnumerable<string> Ids { get; }

    bool Exists(string id);

    string? ExtendsOf(string id);

    /// <summary>The current version of the recipe with this id (what <c>extends: ID@VERSION</c> must name), or null.</summary>
    string? VersionOf(string id) => null;

    /// <summary>True when <paramref name="id"/>@<paramref name="version"/> is recorded (in the lineage store), so <c>extends:</c> may pin it.</summary>
    bool IsRecorded(string id, string version) => false;
}
