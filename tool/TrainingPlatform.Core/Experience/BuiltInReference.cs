using System.Text.Json.Nodes;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Experience;

/// <summary>One key where a config leaves the built-in reference.</summary>
/// <param name="Key">Dotted config key.</param>
/// <param name="Current">The target's value.</param>
/// <param name="Reference">The built-in recipe's value at the target's size.</param>
public sealed record ReferenceDifference(string Key, JsonNode? Current, JsonNode? Reference, Importance Severity);

/// <summary>
/// What <c>suggest</c> compares with when the team has fewer jobs than <c>--min-evidence</c>: a built-in recipe of the
/// same task, algorithm and training method, rendered at the target's size. Not evidence: the values this tool ships.
/// </summary>
/// <param name="Label">"built-in reference grpo_basic at 7B".</param>
/// <param name="KeysCompared">Keys of the target the reference has (compared, different or not).</param>
/// <param name="Differences">Critical first, then by key.</param>
public sealed record BuiltInReference(
    string RecipeId,
    string Version,
    string SizeText,
    string Label,
    int KeysCompared,
    IReadOnlyList<ReferenceDifference> Differences);

/// <summary>Finds and compares the built-in reference (<see cref="BuiltInReference"/>).</summary>
/// <remarks>
/// Candidates: the built-in recipes with the target's task and algorithm that render at its size and train the same
/// way (<see cref="TrainingMethods"/>); each is rendered as <c>render ID --model-size SIZE</c> would in the project
/// (a project recipe with the same id does not shadow it). The reference is the candidate the target differs from
/// least (ties by id): a config copied from <c>grpo_basic</c> is compared with <c>grpo_basic</c>. Keys are compared
/// as <c>suggest</c> compares them (the same <see cref="Suggester.ExcludedKeys"/>, only keys the schema knows); a
/// number differs when it is not equal, or on an <c>x-scale: log</c> key when it is more than
/// <see cref="Suggester.LogFactorLimit"/>× from the reference either way; strings and booleans when not equal.
/// </remarks>
public static class BuiltInReferences
{
    /// <summary>The reference for the target, or null when no built-in recipe of its task, algorithm and method renders at its size.</summary>
    public static BuiltInReference? Compare(SuggestTarget target, string workingDirectory, Func<string, KeyMetadata?>? keys = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        keys ??= ExperienceKeys.Schema;
        var method = TrainingMethods.Of(target.Algorithm, target.Config);
        BuiltInReference? best = null;
        foreach (var entry in RecipeRegistry.BuiltInOnly().Entries
            .Where(e => e.Recipe.Task == target.Task && e.Recipe.Algorithm == target.Algorithm)
            .OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            var rendered = RecipeResolver.Resolve(new RenderRequest(entry.Id, target.SizeText, null, null, null, null, [], workingDirectory)
            {
                Pinned = [entry.Document],
            });
            if (rendered.Config is not { } reference || TrainingMethods.Of(entry.Recipe.Algorithm, reference.Config) != method)
            {
                continue;
            }

            var (compared, differences) = Differences(target.Config, reference.Config, keys);
            if (best is null || differences.Count < best.Differences.Count)
            {
                best = new BuiltInReference(entry.Id, entry.Recipe.Version, reference.SizeText,
                    $"built-in reference {entry.Id} at {reference.SizeText}", compared, differences);
            }
        }

        return best;
    }

    private static (int Compared, IReadOnlyList<ReferenceDifference> Differences) Differences(JsonObject config, JsonObject reference, Func<string, KeyMetadata?> keys)
    {
        var theirs = ConfigScalar.Flatten(reference).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
        var compared = 0;
        var differences = new List<ReferenceDifference>();
        foreach (var (key, current) in ConfigScalar.Flatten(config).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            if (current.Kind == ScalarKind.Null || Suggester.IsExcluded(key) || keys(key) is not { } metadata
                || !theirs.TryGetValue(key, out var value) || value.Kind == ScalarKind.Null)
            {
                continue;
            }

            compared++;
            if (Differs(current, value, metadata))
            {
                differences.Add(new ReferenceDifference(key, Node(config, key), Node(reference, key), metadata.Severity));
            }
        }

        return (compared, [.. differences.OrderByDescending(d => d.Severity).ThenBy(d => d.Key, StringComparer.Ordinal)]);
    }

    private static bool Differs(ConfigScalar current, ConfigScalar reference, KeyMetadata metadata)
    {
        if (current.Kind != ScalarKind.Number || reference.Kind != ScalarKind.Number)
        {
            return current != reference;
        }

        if (metadata.LogScale && current.Number > 0 && reference.Number > 0)
        {
            return Math.Max(current.Number / reference.Number, reference.Number / current.Number) > Suggester.LogFactorLimit;
        }

        return Math.Abs(current.Number - reference.Number) > Math.Abs(reference.Number) * 1e-12;
    }

    private static JsonNode? Node(JsonObject config, string key)
    {
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        return config[key[..dot]] is JsonObject section ? section[key[(dot + 1)..]]?.DeepClone() : null;
    }
}
