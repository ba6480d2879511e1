namespace TrainingPlatform.Core.Recipes;

/// <summary>What the validator may ask about other recipes: does an id exist, and what does it extend.</summary>
public interface IRecipeLookup
{
    IEnumerable<string> Ids { get; }

    bool Exists(string id);

    string? ExtendsOf(string id);
}
