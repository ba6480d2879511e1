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
              .Append(" GB of ").Append(Gb(memory.GpuMemoryGb)).Append(memory.Fits ? " GB: fits\n" : " GB: does NOT fit\n");
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
            },
        };
        foreach (var (key, value) in r.Config)
        {
            root[key] = value?.DeepClone();
        }

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

    private static IEnumerable<string> Header(ResolvedConfig r, string toolVersion)
    {
        yield return $"Rendered by trainplat {toolVersion}. Do not edit: change the recipe and render again.";
        yield return $"recipe:  {r.Recipe.Id}@{r.Recipe.Version} (sha256:{r.RecipeHash})";
        yield return r.Model is { } m
            ? $"model:   {m.Name} ({Billions(r.Parameters)} parameters{(m.ActiveParameters is { } a ? $", {Billions(a)} active" : "")})"
            : $"model:   size {r.SizeText} ({Billions(r.Parameters)} parameters)";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"cluster: {r.Gpus} GPUs ({r.Nodes} node{(r.Nodes == 1 ? "" : "s")} x {r.GpusPerNode}), {Gb(r.GpuMemoryGb)} GB each");
        yield return "scaling: " + (r.AppliedRules.Count == 0 ? "no rule matched" : string.Join("; ", r.AppliedRules));
        yield return $"config:  sha256:{r.ConfigHash}";
    }

    private static string Billions(double parameters) =>
        (parameters / 1e9).ToString(parameters >= 1e11 ? "0" : "0.##", CultureInfo.InvariantCulture) + "B";

    private static string Gb(double gb) => gb.ToString("0.#", CultureInfo.InvariantCulture);
}
