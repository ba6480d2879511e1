using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Rendering;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Recipes;

/// <summary>
/// Sets <c>config.SECTION.KEY</c> values in a recipe's YAML text, keeping everything else — comments, order,
/// formatting — as written: an existing value is replaced on its line; a missing key is added under its section
/// (the section, and <c>config:</c>, are added when missing). Each changed line gets a trailing comment.
/// </summary>
public static class RecipeEditor
{
    public static string SetConfigValues(string text, string file, IReadOnlyList<(string Key, JsonNode? Value, string Comment)> changes)
    {
        foreach (var (key, value, comment) in changes)
        {
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || key.IndexOf('.', dot + 1) >= 0)
            {
                throw new UserErrorException($"'{key}' is not a config key of the form section.key");
            }

            text = SetOne(text, file, key[..dot], key[(dot + 1)..], YamlText.Scalar(value), comment);
        }

        return text;
    }

    private static string SetOne(string text, string file, string section, string key, string scalar, string comment)
    {
        var tree = YamlTreeReader.Parse(text, file);
        if (tree.HasErrors || tree.Root is not JsonObject root)
        {
            throw new UserErrorException($"{file} is not a valid YAML mapping");
        }

        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        var note = string.IsNullOrEmpty(comment) ? "" : "  # " + comment;
        var valuePointer = $"/config/{section}/{key}";
        if (root["config"]?[section] is JsonObject sectionNode && sectionNode.ContainsKey(key))
        {
            if (!tree.ValuePositions.TryGetValue(valuePointer, out var at) || !tree.KeyPositions.TryGetValue(valuePointer, out var keyAt) || at.Line != keyAt.Line)
            {
                throw new UserErrorException($"{file}: config.{section}.{key} is not a plain `key: value` line; edit it by hand");
            }

            var line = lines[at.Line - 1];
            lines[at.Line - 1] = line[..(at.Column - 1)] + scalar + note;
            return string.Join('\n', lines);
        }

        if (root["config"] is JsonObject config && config[section] is JsonObject existing)
        {
            var sectionKey = tree.KeyPositions[$"/config/{section}"];
            var indent = existing.Count > 0
                ? tree.KeyPositions[$"/config/{section}/{existing.First().Key}"].Column - 1
                : sectionKey.Column - 1 + 2;
            if (existing.Count == 0 || tree.KeyPositions[$"/config/{section}/{existing.First().Key}"].Line == sectionKey.Line)
            {
                throw new UserErrorException($"{file}: config.{section} is written inline; make it a block mapping to add {key}");
            }

            lines.Insert(sectionKey.Line, new string(' ', indent) + key + ": " + scalar + note);
            return string.Join('\n', lines);
        }

        if (root["config"] is JsonObject configNode)
        {
            var configKey = tree.KeyPositions["/config"];
            var first = configNode.FirstOrDefault();
            if (first.Key is null || root["config"]?[first.Key] is not JsonObject || tree.KeyPositions[$"/config/{first.Key}"].Line == configKey.Line)
            {
                throw new UserErrorException($"{file}: config is written inline; make it a block mapping to add {section}.{key}");
            }

            var indent = tree.KeyPositions[$"/config/{first.Key}"].Column - 1;
            var childIndent = tree.KeyPositions.TryGetValue($"/config/{first.Key}/{((JsonObject)configNode[first.Key]!).FirstOrDefault().Key}", out var c) ? c.Column - 1 : indent * 2;
            lines.Insert(configKey.Line, new string(' ', indent) + section + ":");
            lines.Insert(configKey.Line + 1, new string(' ', childIndent) + key + ": " + scalar + note);
            return string.Join('\n', lines);
        }

        var sb = new StringBuilder(string.Join('\n', lines).TrimEnd('\n'));
        sb.Append("\nconfig:\n  ").Append(section).Append(":\n    ").Append(key).Append(": ").Append(scalar).Append(note).Append('\n');
        return sb.ToString();
    }
}
