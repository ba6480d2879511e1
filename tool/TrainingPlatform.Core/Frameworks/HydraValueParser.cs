using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>What a Hydra override does to its key: set it, add it (<c>+key=</c>), add or set it (<c>++key=</c>), delete it (<c>~key</c>).</summary>
public enum OverrideOperation
{
    Set,
    Add,
    ForceAdd,
    Delete,
}

/// <summary>One Hydra command-line override read back: the key, what it does, its value as JSON, and where it was written.</summary>
/// <param name="Text">The override as the file gives it after shell expansion (<c>actor_rollout_ref.actor.optim.lr=1e-6</c>).</param>
/// <param name="Line">The 1-based line of the file it starts on.</param>
public sealed record HydraOverride(string Key, OverrideOperation Operation, JsonNode? Value, string Text, int Line);

/// <summary>
/// Reads one Hydra override (<c>[+|++|~]key[=value]</c>) and its value in Hydra's override grammar: <c>null</c>,
/// booleans in any case, integers, floats (<c>1e-6</c>, <c>inf</c>, <c>nan</c>), quoted strings, lists <c>[a,b]</c>,
/// dicts <c>{k: v}</c>; anything else is an unquoted string (interpolations such as <c>${oc.env:HOME}</c> stay text).
/// </summary>
public static class HydraValueParser
{
    /// <summary>Parses <paramref name="text"/> as an override; null when it is not one (no key, or no <c>=</c> on a set).</summary>
    public static HydraOverride? ParseOverride(string text, int line)
    {
        var operation = OverrideOperation.Set;
        var rest = text;
        if (rest.StartsWith("++", StringComparison.Ordinal))
        {
            operation = OverrideOperation.ForceAdd;
            rest = rest[2..];
        }
        else if (rest.StartsWith('+'))
        {
            operation = OverrideOperation.Add;
            rest = rest[1..];
        }
        else if (rest.StartsWith('~'))
        {
            operation = OverrideOperation.Delete;
            rest = rest[1..];
        }

        var equals = rest.IndexOf('=', StringComparison.Ordinal);
        var key = (equals < 0 ? rest : rest[..equals]).Trim();
        if (key.Length == 0 || !IsKey(key) || (equals < 0 && operation != OverrideOperation.Delete))
        {
            return null;
        }

        JsonNode? value = equals < 0 ? null : Parse(rest[(equals + 1)..]);
        return new HydraOverride(key, operation, value, text, line);
    }

    /// <summary>
    /// Parses a value in Hydra's override grammar into JSON with <see cref="HydraValue.Parse"/> (the grammar export writes);
    /// leniently: a value Hydra would refuse (an unclosed list, say) or a non-finite float stays text, for the import to keep.
    /// </summary>
    public static JsonNode? Parse(string text)
    {
        try
        {
            var value = HydraValue.Parse(text);
            return value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && v.TryGetValue<double>(out var d) && !double.IsFinite(d)
                ? JsonValue.Create(text.Trim())
                : value;
        }
        catch (FormatException)
        {
            return JsonValue.Create(text.Trim());
        }
    }

    private static bool IsKey(string key) =>
        key.All(c => char.IsLetterOrDigit(c) || c is '_' or '.' or '-' or '@' or '/' or ':' or '[' or ']');
}
