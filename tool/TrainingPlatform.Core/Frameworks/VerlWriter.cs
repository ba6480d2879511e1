using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>How a verl export is written.</summary>
public enum VerlFormat
{
    /// <summary>One Hydra override per line (<c>key=value</c>, <c>+key=value</c> where the release adds the key).</summary>
    Overrides,

    /// <summary>The overrides as one nested YAML document.</summary>
    Yaml,

    /// <summary>A bash launch script: the entry point, the overrides, <c>"$@"</c>.</summary>
    Script,
}

/// <summary>Writes a verl <see cref="ExportResult"/> in one of the <see cref="VerlFormat"/>s; the text is deterministic.</summary>
public static partial class VerlWriter
{
    [GeneratedRegex(@"^[A-Za-z0-9_\-./:=+,@%]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ShellSafe();

    [GeneratedRegex(@"\$(\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentReference();

    public static string Write(ExportResult result, VerlFormat format, string toolVersion, bool explain) => format switch
    {
        VerlFormat.Yaml => Yaml(result, toolVersion, explain),
        VerlFormat.Script => Script(result, toolVersion, explain),
        _ => Overrides(result, explain),
    };

    /// <summary>One override as the command line takes it: <c>key=value</c>, or <c>+key=value</c> for an added key.</summary>
    public static string Override(ExportedKey key) => (key.Added ? "+" : "") + key.Key + "=" + HydraValue.Format(key.Value);

    public static string Overrides(ExportResult result, bool explain)
    {
        var sb = new StringBuilder();
        var width = explain ? result.Keys.Select(k => Override(k).Length).DefaultIfEmpty(0).Max() : 0;
        foreach (var key in result.Keys)
        {
            var line = Override(key);
            sb.Append(explain ? line.PadRight(width) + "  # " + Because(key) : line).Append('\n');
        }

        if (explain)
        {
            AppendNotExported(sb, result);
        }

        return sb.ToString();
    }

    public static string Yaml(ExportResult result, string toolVersion, bool explain)
    {
        var sb = new StringBuilder();
        AppendHeader(sb, result, toolVersion);
        var root = new JsonObject();
        foreach (var key in result.Keys)
        {
            var parts = key.Key.Split('.');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (node[part] is not JsonObject child)
                {
                    child = [];
                    node[part] = child;
                }

                node = child;
            }

            node[parts[^1]] = key.Value?.DeepClone();
        }

        var byKey = result.Keys.ToDictionary(k => k.Key, StringComparer.Ordinal);
        YamlText.WriteMapping(sb, root, 0, "", explain ? path => byKey.TryGetValue(path, out var k) ? Because(k) : null : null);
        if (explain)
        {
            AppendNotExported(sb, result);
        }

        return sb.ToString();
    }

    public static string Script(ExportResult result, string toolVersion, bool explain)
    {
        var sb = new StringBuilder("#!/usr/bin/env bash\n");
        AppendHeader(sb, result, toolVersion);
        if (explain)
        {
            sb.Append("#\n# where each override comes from:\n");
            foreach (var key in result.Keys)
            {
                sb.Append("#   ").Append(key.Key).Append(" <- ").Append(Because(key)).Append('\n');
            }

            AppendNotExported(sb, result);
        }

        sb.Append("set -euo pipefail\n\n");
        sb.Append(result.Command).Append(" \\\n");
        foreach (var key in result.Keys)
        {
            sb.Append("    ").Append(ShellWord(Override(key))).Append(" \\\n");
        }

        sb.Append("    \"$@\"\n");
        return sb.ToString();
    }

    /// <summary>
    /// A bash word that passes <paramref name="text"/> as one argument: bare when safe; double-quoted when it refers to
    /// environment variables (<c>$HOME/data</c>), so bash expands them as in verl's own scripts; else single-quoted.
    /// </summary>
    public static string ShellWord(string text)
    {
        if (ShellSafe().IsMatch(text))
        {
            return text;
        }

        return EnvironmentReference().IsMatch(text) && text.IndexOfAny(['"', '`', '\\', '!']) < 0 && !text.Contains("$(", StringComparison.Ordinal)
            ? "\"" + text + "\""
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static string Because(ExportedKey key) => $"{key.From} ({key.Origin})";

    private static void AppendHeader(StringBuilder sb, ExportResult result, string toolVersion)
    {
        var s = result.Source;
        sb.Append(CultureInfo.InvariantCulture, $"# Exported by trainplat {toolVersion} for {result.Target} ({result.Variant}). Do not edit: change the recipe and export again.\n");
        sb.Append(CultureInfo.InvariantCulture, $"# recipe:  {s.RecipeId}@{s.RecipeVersion} (sha256:{s.RecipeHash})\n");
        sb.Append(CultureInfo.InvariantCulture, $"# model:   {(s.Model is null ? "size " + s.SizeText : s.Model)} ({Billions(s.Parameters)} parameters)\n");
        var memory = s.GpuMemoryGb > 0 ? string.Create(CultureInfo.InvariantCulture, $", {s.GpuMemoryGb:0.##} GB each") : "";
        sb.Append(CultureInfo.InvariantCulture, $"# cluster: {s.Gpus} GPUs ({s.Nodes} node{(s.Nodes == 1 ? "" : "s")} x {s.GpusPerNode}){memory}\n");
        sb.Append(CultureInfo.InvariantCulture, $"# config:  sha256:{s.ConfigHash} (from {s.From})\n");
    }

    private static void AppendNotExported(StringBuilder sb, ExportResult result)
    {
        foreach (var warning in result.Warnings)
        {
            sb.Append("# not exported: ").Append(warning.Message).Append('\n');
        }
    }

    private static string Billions(double parameters) =>
        parameters >= 1e9 ? (parameters / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + "B" : (parameters / 1e6).ToString("0.###", CultureInfo.InvariantCulture) + "M";
}
