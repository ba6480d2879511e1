using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>
/// Everything a TRL config file may hold for one trainer: the config class (with TrainingArguments), ModelConfig, and what
/// the <c>trl</c> command line reads beside them (script arguments, dataset mixture, accelerate launch keys).
/// </summary>
public static class TrlCatalog
{
    private static readonly ConcurrentDictionary<string, KeyTree> Trees = new(StringComparer.Ordinal);

    /// <summary>The script-argument classes the trainer's script reads (GRPO adds its reward arguments).</summary>
    public static IReadOnlyList<string> ScriptClasses(string configClass, bool launchedByTrl) =>
        [
            "ScriptArguments",
            .. configClass == "GRPOConfig" ? ["GRPOScriptArguments"] : Array.Empty<string>(),
            .. launchedByTrl ? ["DatasetMixtureConfig", "AccelerateLaunch"] : Array.Empty<string>(),
        ];

    /// <summary>The script arguments (and launch keys) for <paramref name="configClass"/>'s script at <paramref name="release"/>.</summary>
    public static KeyTree Script(string release, string configClass, bool launchedByTrl) =>
        Trees.GetOrAdd($"trl {release} script {configClass} {launchedByTrl}", name =>
        {
            var classes = ScriptClasses(configClass, launchedByTrl);
            return KeyTree.Parse(name, KeyTree.Resource($"trl-{release}-cli.tsv"), "field", row => classes.Contains(row["class"]));
        });

    /// <summary>The field <paramref name="key"/> in the config class, ModelConfig or the script arguments (first found), or null.</summary>
    public static FrameworkKey? Find(string release, string configClass, bool launchedByTrl, string key) =>
        FrameworkCatalog.Trl(release, configClass).Find(key)
        ?? FrameworkCatalog.Trl(release, "ModelConfig").Find(key)
        ?? Script(release, configClass, launchedByTrl).Find(key);

    /// <summary>Which of the three a field belongs to: <c>config</c>, <c>model</c> or <c>script</c> (null: none).</summary>
    public static string? Owner(string release, string configClass, bool launchedByTrl, string key) =>
        FrameworkCatalog.Trl(release, configClass).Contains(key) ? "config"
        : FrameworkCatalog.Trl(release, "ModelConfig").Contains(key) ? "model"
        : Script(release, configClass, launchedByTrl).Contains(key) ? "script"
        : null;

    /// <summary>True when <paramref name="value"/> fits a Python annotation such as <c>int | None</c> or <c>list[str] | None</c>.</summary>
    public static bool TypeMatches(string type, JsonNode? value)
    {
        foreach (var raw in SplitUnion(type))
        {
            var part = raw.Trim();
            if (Fits(part, value))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> SplitUnion(string type)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < type.Length; i++)
        {
            switch (type[i])
            {
                case '[':
                    depth++;
                    break;
                case ']':
                    depth--;
                    break;
                case '|' when depth == 0:
                    yield return type[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return type[start..];
    }

    private static bool Fits(string part, JsonNode? value)
    {
        if (part == "Any")
        {
            return true;
        }

        if (value is null)
        {
            return part == "None";
        }

        if (part.StartsWith("list[", StringComparison.Ordinal))
        {
            var inner = part[5..^1];
            return value is JsonArray array && array.All(item => inner is "Any" || inner.Contains('[', StringComparison.Ordinal) || TypeMatches(inner, item) ||
                                                                  char.IsUpper(inner[0]));
        }

        if (part.StartsWith("dict", StringComparison.Ordinal))
        {
            return value is JsonObject;
        }

        if (value is not JsonValue v)
        {
            return false;
        }

        return part switch
        {
            "int" => v.TryGetValue<long>(out _) || (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && !v.ToJsonString().Contains('.', StringComparison.Ordinal)),
            "float" => v.TryGetValue<double>(out _) || v.TryGetValue<long>(out _),
            "bool" => v.TryGetValue<bool>(out _),
            "str" => v.TryGetValue<string>(out _),
            "None" => false,
            // Enum-typed fields (SchedulerType, IntervalStrategy, OptimizerNames, ...) take their string values.
            _ => char.IsUpper(part[0]) && v.TryGetValue<string>(out _),
        };
    }

    /// <summary>A number as the catalog default shows it, for messages.</summary>
    internal static string Show(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("R", CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };
}
