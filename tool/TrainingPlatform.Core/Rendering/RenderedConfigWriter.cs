using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Rendering;

/// <summary>The rendered config as YAML (with a provenance header) or JSON; deterministic byte for byte.</summary>
public static class RenderedConfigWriter
{
    public static string Yaml(ResolvedConfig r, string toolVersion, bool explain)
    {
        var sb = new StringBuilder();
        foreach (var line in Header(r, toolVersion))
        {
            sb.Append("# ").Append(line).Append('\n');
        }

        Func<string, string?>? comment = explain ? path => Origin(r, path) : null;
        YamlText.WriteMapping(sb, r.Config, 0, "", comment);
        if (explain)
        {
            sb.Append(RemovedKeysNote.Yaml(r)); // a removed pass-through key has no line of its own to carry its origin
        }

        if (explain && r.Memory is { } memory)
        {
            sb.Append("# memory per GPU (estimate; formulas in docs/memory.md):\n");
            var width = memory.Terms.Select(t => t.Name.Length).DefaultIfEmpty(0).Max();
            foreach (var term in memory.Terms)
            {
                sb.Append("#   ").Append(term.Name.PadRight(width)).Append(' ')
                  .Append(Gb(term.Gb).PadLeft(7)).Append(" GB  ").Append(term.Formula).Append('\n');
            }

            sb.Append("#   ").Append("total".PadRight(width)).Append(' ').Append(Gb(memory.TotalGb).PadLeft(7))
              .Append(" GB of ").Append(Gb(memory.GpuMemoryGb)).Append(" GB (").Append(Gb(r.GpuMemoryGb)).Append(" GiB)")
              .Append(memory.Fits ? ": fits\n" : ": does NOT fit\n");
            if (memory.CriticPhaseGb is { } critic)
            {
                sb.Append("#   critic update phase ").Append(Gb(critic)).Append(" GB of ").Append(Gb(memory.GpuMemoryGb))
                  .Append(critic <= memory.GpuMemoryGb ? " GB: fits\n" : " GB: does NOT fit\n");
            }

            if (memory.RolloutNeedGb > 0)
            {
                sb.Append("#   rollout weights ").Append(Gb(memory.RolloutNeedGb)).Append(" GB need, ")
                  .Append(Gb(memory.RolloutHaveGb)).Append(" GB available (GPU memory × gpu_memory_utilization × rollout TP): ")
                  .Append(memory.RolloutFits ? "fits\n" : "does NOT fit\n");
            }

            foreach (var note in memory.Notes)
            {
                sb.Append("#   note: ").Append(note).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>A value's origin; a member of an object value (<c>rl.kl_ctrl.type</c>) not set on its own has the object's.</summary>
    private static string? Origin(ResolvedConfig r, string path) =>
        r.Origins.TryGetValue(path, out var o) ? o.Text
        : RecipeSchema.Current.Member(path) is { } member && r.Origins.TryGetValue(member.Key.Path, out var parent) ? parent.Text
        : null;

    public static string Json(ResolvedConfig r, string toolVersion)
    {
        var root = new JsonObject
        {
            ["trainplat"] = new JsonObject
            {
                ["tool_version"] = toolVersion,
                ["recipe"] = r.Recipe.Id,
                ["recipe_version"] = r.Recipe.Version,
                ["recipe_sha256"] = r.RecipeHash,
                ["model"] = r.Model?.Name,
                ["model_size"] = r.SizeText,
                ["parameters"] = r.Parameters,
                ["gpus"] = r.Gpus,
                ["gpu_memory_gb"] = r.GpuMemoryGb,
                ["scaling_rules"] = new JsonArray([.. r.AppliedRules.Select(s => (JsonNode?)JsonValue.Create(s))]),
                ["config_sha256"] = r.ConfigHash,
                ["memory"] = r.Memory is { } memory ? MemoryJson(memory) : null,
            },
        };
        foreach (var (key, value) in r.Config)
        {
            root[key] = value?.DeepClone();
        }

        return IndentedJson(root);
    }

    /// <summary>The JSON text <c>render --format json</c> prints (two-space indent, keys in tree order, a final newline).</summary>
    internal static string IndentedJson(JsonObject root)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            IndentSize = 2,
            NewLine = "\n",
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            JsonTreeWriter.Write(writer, root, sortKeys: false, Numbers.Format);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    /// <summary>
    /// The memory estimate as data (docs/memory.md, "The estimate as data"): every term with its GB, bytes and formula,
    /// the per-GPU total, the GPU memory, the verdict, the critic's update phase and the rollout check.
    /// </summary>
    public static JsonObject MemoryJson(MemoryEstimate m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new JsonObject
        {
            ["unit"] = "GB (1e9 bytes)",
            ["precision"] = m.PrecisionRegime,
            ["terms"] = new JsonArray([.. m.Terms.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["gb"] = Round(t.Gb),
                ["bytes"] = (long)Math.Round(t.Gb * MemoryEstimator.BytesPerGb),
                ["formula"] = t.Formula,
            })]),
            ["total_gb"] = Round(m.TotalGb),
            ["gpu_memory_gb"] = Round(m.GpuMemoryGb), // the device's capacity in GB: the cluster's data-sheet "80 GB" is 80 GiB = 85.9 GB
            ["fits"] = m.Fits,
            ["critic_phase_gb"] = m.CriticPhaseGb is { } critic ? Round(critic) : null,
            ["rollout"] = m.RolloutReservedGb is { } reserved
                ? new JsonObject
                {
                    ["need_gb"] = Round(m.RolloutNeedGb),
                    ["have_gb"] = Round(m.RolloutHaveGb),
                    ["fits"] = m.RolloutFits,
                    ["reserved_gb"] = Round(reserved),
                    ["phase_gb"] = m.RolloutPhaseGb is { } phase ? Round(phase) : null,
                }
                : null,
            ["notes"] = new JsonArray([.. m.Notes.Select(n => (JsonNode?)JsonValue.Create(n))]),
        };
    }

    /// <summary>Two decimals: what the estimate can claim, and stable across platforms.</summary>
    private static double Round(double gb) => Math.Round(gb, 2, MidpointRounding.AwayFromZero);

    private static IEnumerable<string> Header(ResolvedConfig r, string toolVersion)
    {
        yield return $"Rendered by trainplat {toolVersion}. Do not edit: change the recipe and render again.";
        yield return $"recipe:  {r.Recipe.Id}@{r.Recipe.Version} (sha256:{r.RecipeHash})";
        yield return "model:   " + ModelText(r);
        yield return "cluster: " + ClusterText(r);
        yield return "scaling: " + (r.AppliedRules.Count == 0 ? "no rule matched" : string.Join("; ", r.AppliedRules));
        yield return $"config:  sha256:{r.ConfigHash}";
    }

    /// <summary>The header's model: <c>Qwen/Qwen2.5-7B-Instruct (7.61B parameters)</c> or <c>size 7B (7B parameters)</c>.</summary>
    public static string ModelText(ResolvedConfig r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return r.Model is { } m
            ? $"{m.Name} ({Billions(r.Parameters)} parameters{(m.ActiveParameters is { } a ? $", {Billions(a)} active" : "")})"
            : $"size {r.SizeText} ({Billions(r.Parameters)} parameters)";
    }

    /// <summary>The header's cluster: <c>8 GPUs (1 node x 8), 80 GB each</c>.</summary>
    public static string ClusterText(ResolvedConfig r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Gpus} GPUs ({r.Nodes} node{(r.Nodes == 1 ? "" : "s")} x {r.GpusPerNode}), {Gb(r.GpuMemoryGb)} GB each");
    }

    private static string Billions(double parameters) =>
        (parameters / 1e9).ToString(parameters >= 1e11 ? "0" : "0.##", CultureInfo.InvariantCulture) + "B";

    private static string Gb(double gb) => gb.ToString("0.#", CultureInfo.InvariantCulture);
}
