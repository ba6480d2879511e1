using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Jobs;

/// <summary>
/// A job's recorded config as <c>render</c> prints a config: YAML under the same provenance header, or JSON with the
/// same <c>trainplat</c> object; the header's values come from the job record (what the job was rendered with), so
/// the text is the same wherever and whenever it is shown.
/// </summary>
public static class RecordedConfigWriter
{
    public static string Yaml(JobRecord job, string configJson)
    {
        ArgumentNullException.ThrowIfNull(job);
        var sb = new StringBuilder();
        foreach (var line in Header(job))
        {
            sb.Append("# ").Append(line).Append('\n');
        }

        YamlText.WriteMapping(sb, Config(configJson), 0, "");
        return sb.ToString();
    }

    public static string Json(JobRecord job, string configJson)
    {
        ArgumentNullException.ThrowIfNull(job);
        var root = new JsonObject
        {
            ["trainplat"] = new JsonObject
            {
                ["tool_version"] = job.ToolVersion,
                ["job"] = job.Id,
                ["recipe"] = job.RecipeId,
                ["recipe_version"] = job.RecipeVersion,
                ["recipe_sha256"] = job.RecipeHash,
                ["model"] = job.Model,
                ["model_size"] = job.ModelSize,
                ["parameters"] = job.Parameters,
                ["gpus"] = job.Gpus,
                ["nodes"] = job.Nodes,
                ["gpu_memory_gb"] = NominalGpuMemory(job),
                ["sets"] = new JsonArray([.. job.Sets.Select(s => (JsonNode?)JsonValue.Create(s))]),
                ["config_sha256"] = job.ConfigHash,
                ["memory"] = job.MemoryJson is { } memory ? JsonNode.Parse(memory) : null,
            },
        };
        foreach (var (key, value) in Config(configJson))
        {
            root[key] = value?.DeepClone();
        }

        return Rendering.RenderedConfigWriter.IndentedJson(root);
    }

    private static JsonObject Config(string configJson) =>
        JsonNode.Parse(configJson) as JsonObject ?? throw new InvalidDataException("a recorded config is not a JSON object");

    /// <summary>The lines <c>render</c> writes, from the record; the scaling rules are not recorded, the overrides are.</summary>
    private static IEnumerable<string> Header(JobRecord j)
    {
        yield return $"Rendered by trainplat {j.ToolVersion} for job {j.Id}. Do not edit: change the recipe and render again.";
        yield return $"recipe:  {j.RecipeId}@{j.RecipeVersion} (sha256:{j.RecipeHash})";
        yield return j.Model is { } model
            ? $"model:   {model} ({Billions(j.Parameters)} parameters)"
            : $"model:   size {j.ModelSize} ({Billions(j.Parameters)} parameters)";
        var perNode = j.Nodes > 0 ? j.Gpus / j.Nodes : j.Gpus;
        yield return string.Create(CultureInfo.InvariantCulture,
            $"cluster: {j.Gpus} GPUs ({j.Nodes} node{(j.Nodes == 1 ? "" : "s")} x {perNode})") +
            (NominalGpuMemory(j) is { } gb ? ", " + gb.ToString("0.#", CultureInfo.InvariantCulture) + " GB each" : "");
        if (j.Sets.Count > 0)
        {
            yield return "sets:    " + string.Join(" ", j.Sets.Select(s => "--set " + s));
        }

        yield return $"config:  sha256:{j.ConfigHash}";
    }

    /// <summary>The GPU memory as the data sheet gives it (render's <c>--gpu-memory</c>), from the recorded estimate's capacity; null without one.</summary>
    private static double? NominalGpuMemory(JobRecord j)
    {
        if (j.MemoryJson is null || JsonNode.Parse(j.MemoryJson)?["gpu_memory_gb"] is not JsonValue v || !v.TryGetValue<double>(out var capacity))
        {
            return null;
        }

        return Math.Round(capacity / MemoryEstimator.DeviceCapacityGb(1), 1);
    }

    private static string Billions(double parameters) =>
        (parameters / 1e9).ToString(parameters >= 1e11 ? "0" : "0.##", CultureInfo.InvariantCulture) + "B";
}
