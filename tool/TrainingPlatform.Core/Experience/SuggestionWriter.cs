using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Experience;

/// <summary>What <c>suggest --write</c> did: the new recipe file, and the suggested keys the rendered config does not show.</summary>
/// <param name="NotEffective">Keys whose suggested value a scaling rule (or a --set) overrides at the target's size.</param>
public sealed record SuggestionWriteResult(string CreatedPath, IReadOnlyList<string> NotEffective);

/// <summary>
/// <c>suggest --write NEW_ID</c>: a copy of the target's recipe (like <c>recipe new</c>) with the suggested values set
/// and a note in its header, then rendered again at the target's size to check that each suggestion takes effect.
/// </summary>
public static class SuggestionWriter
{
    /// <exception cref="UserErrorException">The target is not a recipe of the project, there is nothing to write, or the copy is refused.</exception>
    public static SuggestionWriteResult Write(ProjectContext project, SuggestTarget goal, SuggestResult result, string newId)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(goal);
        ArgumentNullException.ThrowIfNull(result);
        if (goal.Recipe is not { } source)
        {
            throw new UserErrorException("--write needs a recipe the project knows as the target", "give the recipe id (not a rendered config or a file outside the recipe folders)");
        }

        if (!result.EnoughEvidence || result.Suggestions.Count == 0)
        {
            throw new UserErrorException(result.EnoughEvidence ? "nothing to write: the config is within the evidence" : "nothing to write: " + result.NotEnoughEvidence);
        }

        var registry = RecipeRegistry.Load(project);
        var changes = result.Suggestions.Select(s => (s.Key, s.Suggested, $"was {YamlText.Scalar(s.Current)}; trainplat suggest, {s.Count} jobs")).ToArray();
        RecipeCopyResult copy;
        try
        {
            copy = RecipeCopier.Copy(source, newId, project, registry, text => RecipeEditor.SetConfigValues(text, newId + ".yaml", changes)
                .Replace("with `trainplat recipe new`.", $"with `trainplat suggest --write` ({changes.Length} change{(changes.Length == 1 ? "" : "s")} from past jobs).", StringComparison.Ordinal));
        }
        catch (UserErrorException ex)
        {
            throw new UserErrorException(ex.Message, "adopt the suggestions with --as-flags instead");
        }

        if (!copy.Succeeded)
        {
            throw new UserErrorException(copy.Error!, copy.Hint);
        }

        // A scaling rule for this size can override a recipe's config value: say which suggestions did not take.
        var check = RecipeResolver.Resolve(new RenderRequest(newId, goal.SizeText, null, null, null, null, KeptSets(goal.Sets, result), project.WorkingDirectory));
        var notEffective = check.Config is not { } rendered ? [.. result.Suggestions.Select(s => s.Key)]
            : result.Suggestions.Where(s => !SameValue(Lookup(rendered.Config, s.Key), s.Suggested)).Select(s => s.Key).ToArray();
        return new SuggestionWriteResult(copy.CreatedPath!, notEffective);
    }

    /// <summary>The <c>--set</c> flags that adopt the suggestions (<c>--as-flags</c>): the target's own sets on keys they leave alone, then theirs.</summary>
    public static IReadOnlyList<string> ApplyFlags(SuggestTarget goal, SuggestResult result)
    {
        ArgumentNullException.ThrowIfNull(goal);
        return [.. KeptSets(goal.Sets, result), .. Suggester.ToSets(result.Suggestions)];
    }

    /// <summary>The target's own <c>--set</c>s on keys the suggestions leave alone.</summary>
    private static string[] KeptSets(IReadOnlyList<string> sets, SuggestResult result) =>
        [.. sets.Where(s => !result.Suggestions.Any(x => s.StartsWith(x.Key + "=", StringComparison.Ordinal)))];

    private static JsonNode? Lookup(JsonObject config, string key)
    {
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        return config[key[..dot]]?[key[(dot + 1)..]];
    }

    /// <summary>Numbers within a relative 1e-12 (the render may format them differently), anything else deeply equal.</summary>
    private static bool SameValue(JsonNode? a, JsonNode? b) =>
        a is JsonValue va && b is JsonValue vb && va.TryGetValue<double>(out var x) && vb.TryGetValue<double>(out var y)
            ? Math.Abs(x - y) <= Math.Abs(y) * 1e-12
            : JsonNode.DeepEquals(a, b);
}
