using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Jobs;

/// <summary>
/// <c>trainplat export</c>: what to export (a fresh render, or the config a job recorded) and the exporter of the target
/// framework. A job exports exactly the config it recorded, so reading one lives here, above the Frameworks layer.
/// </summary>
public static class ExportRun
{
    /// <summary>True when the operand names a recorded job (<c>job:ID</c>).</summary>
    public static bool IsJob(string operand) => operand.StartsWith("job:", StringComparison.OrdinalIgnoreCase);

    /// <summary>The config job <paramref name="reference"/> recorded (a full id or a unique prefix, with or without <c>job:</c>).</summary>
    public static ExportSource FromJob(ILineageStore store, string reference)
    {
        var job = JobRules.Resolve(store, reference);
        var text = store.GetConfig(job.ConfigHash)
            ?? throw new UserErrorException($"the lineage store lacks config {job.ConfigHash[..12]} of job {job.Id}",
                "run `trainplat store check` to find what is missing");
        var config = JsonNode.Parse(text) as JsonObject
            ?? throw new UserErrorException($"the recorded config of job {job.Id} is not a JSON object", "run `trainplat store check`");
        var nodes = Math.Max(job.Nodes, 1);
        return new ExportSource
        {
            RecipeId = job.RecipeId,
            RecipeVersion = job.RecipeVersion,
            RecipeHash = job.RecipeHash,
            Algorithm = job.Algorithm,
            Model = job.Model,
            SizeText = job.ModelSize,
            Parameters = job.Parameters,
            Gpus = job.Gpus,
            GpusPerNode = job.Gpus / nodes,
            Nodes = nodes,
            GpuMemoryGb = 0,
            Config = config,
            ConfigHash = job.ConfigHash,
            From = "job " + job.Id,
        };
    }

    /// <summary>Exports <paramref name="source"/> to <paramref name="target"/> with that framework's exporter.</summary>
    public static ExportResult Export(ExportSource source, FrameworkTarget target) => target.Framework switch
    {
        Framework.Verl => VerlExport.Export(source, target),
        _ => throw new UserErrorException($"export to TRL ({target}) is not wired in this build", "export to verl: --to verl"),
    };
}
