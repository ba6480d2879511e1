using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>A TRL export as the YAML file <c>trl sft|dpo|grpo|reward --config FILE</c> reads; deterministic byte for byte.</summary>
public static class TrlConfigWriter
{
    public static string Yaml(ExportResult result, string toolVersion, bool explain)
    {
        ArgumentNullException.ThrowIfNull(result);
        var s = result.Source;
        var sb = new StringBuilder();
        void Line(string text) => sb.Append("# ").Append(text).Append('\n');
        Line($"TRL {result.Target.Release} {result.Variant} config, exported by trainplat {toolVersion}");
        Line($"recipe: {s.RecipeId}@{s.RecipeVersion} (sha256 {s.RecipeHash}); config sha256 {s.ConfigHash}; from {s.From}");
        Line($"model: {s.Model ?? "(none given)"}, size {s.SizeText}; cluster: {Inv(s.Gpus)} GPUs ({Inv(s.Nodes)} node{(s.Nodes == 1 ? "" : "s")} × {Inv(s.GpusPerNode)}), {s.GpuMemoryGb.ToString("0.#", CultureInfo.InvariantCulture)} GB each");
        if (TrlExport.Subcommand(result.Variant) is { } sub)
        {
            Line($"run: trl {sub} --config FILE" + (s.Nodes > 1 ? " on every node, with --machine_rank and --main_process_ip for accelerate" : ""));
        }
        else
        {
            Line($"run: {result.Command} --key value ... (TRL {result.Target.Release} has no `trl {(result.Variant == "CPOConfig" ? "cpo" : "orpo")}`; the script reads flags, one per key below)");
        }

        if (result.Warnings.Count > 0)
        {
            Line($"not carried over ({Inv(result.Warnings.Count)}):");
            foreach (var w in result.Warnings)
            {
                Line("  " + w.Message);
            }
        }

        var width = explain ? result.Keys.Select(k => Entry(k).Length).DefaultIfEmpty(0).Max() : 0;
        foreach (var key in result.Keys)
        {
            var entry = Entry(key);
            sb.Append(entry);
            if (explain)
            {
                sb.Append(' ', width - entry.Length + 2).Append("# from ").Append(key.From);
                if (key.Origin.Length > 0)
                {
                    sb.Append(" (").Append(key.Origin).Append(')');
                }
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static string Entry(ExportedKey key) => key.Value switch
    {
        JsonObject o => key.Key + ": {" + string.Join(", ", o.Select(p => YamlText.String(p.Key) + ": " + YamlText.Scalar(p.Value))) + "}",
        var v => key.Key + ": " + YamlText.Scalar(v),
    };

    private static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);
}
