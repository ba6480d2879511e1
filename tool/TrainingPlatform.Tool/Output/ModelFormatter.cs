using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Resolution;

namespace TrainingPlatform.Tool.Output;

/// <summary>Tables and JSON for the <c>model</c> commands.</summary>
internal static class ModelFormatter
{
    private const string ProjectSource = "project";

    /// <summary>One row per model: kind, family, size and the shape numbers estimates use.</summary>
    public static void WriteList(TextWriter output, IReadOnlyList<ModelSpec> models, TableFormat format, Style style)
    {
        if (format == TableFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonArray([.. models.Select(m => (JsonNode)ModelJson(m))])));
            return;
        }

        var table = new TextTable("NAME", "KIND", "FAMILY", "PARAMS", "ACTIVE", "LAYERS", "HIDDEN", "HEADS", "KV_HEADS", "CONTEXT");
        foreach (var m in models)
        {
            table.Add(
                m.Name,
                Kind(m),
                m.Family,
                Billions(m.Parameters),
                m.ActiveParameters is double active ? Billions(active) : "-",
                Number(m.Layers),
                Number(m.HiddenSize),
                Number(m.Heads),
                Number(m.KvHeads),
                Number(m.MaxPositionEmbeddings));
        }

        table.Write(output, style.Bold);
        var unverified = models.Count(m => m.Unverified.Count > 0);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{models.Count} model{(models.Count == 1 ? "" : "s")}") +
            (unverified > 0 ? string.Create(CultureInfo.InvariantCulture, $", {unverified} with unverified values (see `trainplat model show NAME`)") : ""));
    }

    /// <summary>One model, field by field (unverified values marked), and what each of its sources is.</summary>
    public static void WriteModel(TextWriter output, ModelSpec model, IReadOnlyDictionary<string, string> sources, TableFormat format)
    {
        if (format == TableFormat.Json)
        {
            var json = ModelJson(model);
            json["sources"] = new JsonObject(ModelCatalog.SourceKeys(model).Select(k => KeyValuePair.Create(k, (JsonNode?)JsonValue.Create(What(k, sources)))));
            output.WriteLine(JsonText.Write(json));
            return;
        }

        var table = new TextTable { Indent = "  " };
        void Row(string key, string value) =>
            table.Add(key + ":", model.Unverified.Contains(key) ? value + "  (unverified)" : value);
        Row("kind", Kind(model));
        Row("family", model.Family);
        if (model.Aliases.Count > 0)
        {
            Row("aliases", string.Join(", ", model.Aliases));
        }

        Row("params", Billions(model.Parameters) + $" ({model.ParametersSource})");
        if (model.ActiveParameters is double active)
        {
            Row("active_params", Billions(active));
        }

        Row("layers", Number(model.Layers));
        Row("hidden_size", Number(model.HiddenSize));
        Row("intermediate_size", Number(model.IntermediateSize));
        if (model.Experts is int experts)
        {
            Row("experts", $"{experts.ToString(CultureInfo.InvariantCulture)} ({Number(model.ExpertsPerToken ?? 0)} per token, each {Number(model.MoeIntermediateSize ?? 0)} wide)");
        }

        Row("attention", model.Attention);
        Row("heads", Number(model.Heads));
        Row("kv_heads", Number(model.KvHeads));
        Row("head_dim", Number(model.HeadDim));
        if (model.KvLoraRank is int rank)
        {
            Row("kv_lora_rank", Number(rank));
            Row("qk_rope_head_dim", Number(model.QkRopeHeadDim ?? 0));
        }

        Row("vocab_size", Number(model.VocabSize));
        Row("max_position_embeddings", Number(model.MaxPositionEmbeddings));
        Row("tie_embeddings", model.IsProject && model.VocabSize == 0 ? "-" : model.TieEmbeddings ? "true" : "false");
        var kv = model.KvCacheBytesPerToken();
        Row("kv_cache_per_token", kv > 0 ? string.Create(CultureInfo.InvariantCulture, $"{kv / 1024.0:0.##} KiB in bf16") : "-");

        output.WriteLine(model.Name);
        table.Write(output);
        output.WriteLine("  sources:");
        var keys = new TextTable { Indent = "    " };
        foreach (var key in ModelCatalog.SourceKeys(model))
        {
            keys.Add(key, What(key, sources));
        }

        keys.Write(output);
    }

    private static JsonObject ModelJson(ModelSpec m) => new()
    {
        ["name"] = m.Name,
        ["aliases"] = JsonText.Array(m.Aliases),
        ["kind"] = m.Kind.Length > 0 ? m.Kind : null,
        ["family"] = m.Family,
        ["origin"] = m.IsProject ? "project" : "builtin",
        ["params"] = m.Parameters,
        ["params_source"] = m.ParametersSource,
        ["active_params"] = m.ActiveParameters,
        ["layers"] = Known(m.Layers),
        ["hidden_size"] = Known(m.HiddenSize),
        ["intermediate_size"] = Known(m.IntermediateSize),
        ["moe_intermediate_size"] = m.MoeIntermediateSize,
        ["experts"] = m.Experts,
        ["experts_per_token"] = m.ExpertsPerToken,
        ["attention"] = m.Attention,
        ["heads"] = Known(m.Heads),
        ["kv_heads"] = Known(m.KvHeads),
        ["head_dim"] = Known(m.HeadDim),
        ["kv_lora_rank"] = m.KvLoraRank,
        ["qk_rope_head_dim"] = m.QkRopeHeadDim,
        ["vocab_size"] = Known(m.VocabSize),
        ["max_position_embeddings"] = Known(m.MaxPositionEmbeddings),
        ["tie_embeddings"] = m.IsProject ? null : m.TieEmbeddings,
        ["kv_cache_bytes_per_token_bf16"] = m.KvCacheBytesPerToken() is > 0 and var kv ? kv : null,
        ["unverified"] = JsonText.Array(m.Unverified),
        ["source"] = JsonText.Array(ModelCatalog.SourceKeys(m)),
    };

    private static string What(string key, IReadOnlyDictionary<string, string> sources) =>
        sources.TryGetValue(key, out var what) ? what : key == ProjectSource ? "trainplat.yaml `models:`" : "(not in the sources table)";

    private static string Kind(ModelSpec m) => m.Kind.Length > 0 ? m.Kind : "-";

    private static int? Known(int value) => value > 0 ? value : null;

    private static string Number(int value) => value > 0 ? value.ToString(CultureInfo.InvariantCulture) : "-";

    private static string Billions(double parameters) => (parameters / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + "B";
}
