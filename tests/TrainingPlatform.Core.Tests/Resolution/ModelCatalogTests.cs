using System.Text.Json.Nodes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Resolution;

public sealed class ModelCatalogTests
{
    private static readonly string[] SourceKeys = ["TT", "MLC", "MB", "SL", "SKU", "QB25", "QB3", "NeMo-MX", "MI", "DS"];

    public static TheoryData<string> RequiredModels() =>
    [
        "Qwen/Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-3B-Instruct", "Qwen/Qwen2.5-7B-Instruct",
        "Qwen/Qwen2.5-14B-Instruct", "Qwen/Qwen2.5-32B-Instruct", "Qwen/Qwen2.5-72B-Instruct",
        "Qwen/Qwen3-0.6B", "Qwen/Qwen3-1.7B", "Qwen/Qwen3-4B", "Qwen/Qwen3-8B", "Qwen/Qwen3-14B", "Qwen/Qwen3-32B",
        "Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-235B-A22B",
        "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct", "meta-llama/Llama-3.1-405B-Instruct",
        "meta-llama/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.2-3B-Instruct", "meta-llama/Llama-3.3-70B-Instruct",
        "mistralai/Mistral-7B-Instruct-v0.3", "mistralai/Mixtral-8x7B-Instruct-v0.1", "mistralai/Mixtral-8x22B-Instruct-v0.1",
        "deepseek-ai/DeepSeek-V3", "google/gemma-2-2b-it", "google/gemma-2-9b-it", "google/gemma-2-27b-it",
    ];

    public static TheoryData<string> BuiltInNames()
    {
        var data = new TheoryData<string>();
        foreach (var m in ModelCatalog.BuiltIn.Models)
        {
            data.Add(m.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RequiredModels))]
    public void Every_required_model_is_built_in(string name)
    {
        Assert.Contains(ModelCatalog.BuiltIn.Models, m => m.Name == name);
        Assert.True(ModelCatalog.BuiltIn.TryResolve(name, out var spec));
        Assert.Equal(name, spec.Name);
    }

    [Fact]
    public void The_catalog_file_names_its_sources_and_every_entry_cites_them()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "catalog", "models.yaml"));
        Assert.StartsWith("#", text);
        Assert.All(SourceKeys, key => Assert.Matches($@"(?m)^#\s+{key}\s", text));
        Assert.All(ModelCatalog.BuiltIn.Models, m =>
        {
            var keys = m.Source.Split(',', StringSplitOptions.TrimEntries);
            Assert.NotEmpty(keys);
            Assert.All(keys, k => Assert.Contains(k, SourceKeys));
            Assert.Contains(m.ParametersSource, new[] { "stated", "calc" });
        });
    }

    [Theory]
    [InlineData("Qwen/Qwen2.5-72B-Instruct", "Qwen/Qwen2.5-72B-Instruct")]
    [InlineData("qwen2.5-72b", "Qwen/Qwen2.5-72B-Instruct")]
    [InlineData("Qwen2.5-72B-Instruct", "Qwen/Qwen2.5-72B-Instruct")]
    [InlineData("QWEN/QWEN2.5-72B", "Qwen/Qwen2.5-72B-Instruct")]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("llama-3.1-8b", "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("llama3.1-8b", "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("Llama-3.3-70B", "meta-llama/Llama-3.3-70B-Instruct")]
    [InlineData("llama-3.1-70b-instruct", "meta-llama/Llama-3.1-70B-Instruct")]
    [InlineData("deepseek-v3", "deepseek-ai/DeepSeek-V3")]
    [InlineData("mixtral-8x7b", "mistralai/Mixtral-8x7B-Instruct-v0.1")]
    [InlineData("Mixtral-8x22B-v0.1", "mistralai/Mixtral-8x22B-Instruct-v0.1")]
    [InlineData("mistral-7b-instruct-v0.3", "mistralai/Mistral-7B-Instruct-v0.3")]
    [InlineData("gemma-2-9b", "google/gemma-2-9b-it")]
    [InlineData("qwen3-0.6b", "Qwen/Qwen3-0.6B")]
    [InlineData("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B")]
    public void Name_variants_resolve(string input, string expected)
    {
        Assert.True(ModelCatalog.BuiltIn.TryResolve(input, out var spec), input);
        Assert.Equal(expected, spec.Name);
    }

    [Theory]
    [InlineData("llama-3-70b")]
    [InlineData("llama-70b")]
    [InlineData("qwen2.5-8b")]
    [InlineData("mistral-7b-v0.1")]
    [InlineData("")]
    public void Names_that_fit_no_model_exactly_do_not_resolve(string input) =>
        Assert.False(ModelCatalog.BuiltIn.TryResolve(input, out _));

    [Theory]
    [InlineData("llama-3.1-9b", "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("qwen2.5-7c", "Qwen/Qwen2.5-7B-Instruct")]
    [InlineData("deepseek-v2", "deepseek-ai/DeepSeek-V3")]
    [InlineData("Qwen/Qwen3-8b-Base", "Qwen/Qwen3-8B")]
    public void Unknown_names_get_the_nearest_models(string input, string nearest)
    {
        Assert.False(ModelCatalog.BuiltIn.TryResolve(input, out _));
        var names = ModelCatalog.BuiltIn.Nearest(input);
        Assert.InRange(names.Count, 1, 3);
        Assert.Equal(nearest, names[0]);
    }

    [Fact]
    public void Nothing_close_gives_no_nearest_model() => Assert.Empty(ModelCatalog.BuiltIn.Nearest("zzzzzzzz"));

    [Fact]
    public void An_ambiguous_name_resolves_to_none_and_offers_both()
    {
        var catalog = ModelCatalog.Create([Project("acme/Llama-3.1-8B-Chat", "8B")]);
        Assert.False(catalog.TryResolve("llama-3.1-8b", out _));
        Assert.Equal(["meta-llama/Llama-3.1-8B-Instruct", "acme/Llama-3.1-8B-Chat"], catalog.Nearest("llama-3.1-8b"));
        Assert.True(catalog.TryResolve("acme/Llama-3.1-8B-Chat", out var exact));
        Assert.Equal("acme/Llama-3.1-8B-Chat", exact.Name);
    }

    [Fact]
    public void Head_dim_is_read_not_derived()
    {
        var qwen = Resolve("Qwen/Qwen3-0.6B");
        Assert.Equal(128, qwen.HeadDim);
        Assert.NotEqual(qwen.HiddenSize / qwen.Heads, qwen.HeadDim);
        Assert.Equal(256, Resolve("google/gemma-2-9b-it").HeadDim);
    }

    [Fact]
    public void DeepSeek_V3_caches_one_latent_per_layer()
    {
        var ds = Resolve("deepseek-v3");
        Assert.Equal("mla", ds.Attention);
        Assert.Equal(512, ds.KvLoraRank);
        Assert.Equal(64, ds.QkRopeHeadDim);
        Assert.Equal(70_272, ds.KvCacheBytesPerToken());
        Assert.True(ds.IsMoe);
        Assert.Equal(671, ds.ParametersBillions, 1e-9);
        Assert.Equal(37e9, ds.ActiveParameters);
    }

    [Theory]
    [InlineData("llama-3.1-8b", 128)]
    [InlineData("qwen2.5-7b", 56)]
    [InlineData("qwen3-8b", 144)]
    [InlineData("qwen3-30b-a3b", 96)]
    [InlineData("llama-3.1-70b", 320)]
    [InlineData("qwen2.5-72b", 320)]
    public void KV_cache_per_token_matches_the_reference_in_bf16(string name, int kib) =>
        Assert.Equal(kib * 1024L, Resolve(name).KvCacheBytesPerToken());

    [Fact]
    public void KV_cache_scales_with_the_dtype() =>
        Assert.Equal(2 * Resolve("llama-3.1-8b").KvCacheBytesPerToken(), Resolve("llama-3.1-8b").KvCacheBytesPerToken(dtypeBytes: 4));

    [Fact]
    public void Mixtral_uses_its_real_total_not_experts_times_size()
    {
        var mixtral = Resolve("mixtral-8x7b");
        Assert.True(mixtral.IsMoe);
        Assert.Equal(46.7, mixtral.ParametersBillions, 0.05);
        Assert.Equal(12.9, mixtral.ActiveParameters!.Value / 1e9, 0.05);
        Assert.Equal(8, mixtral.Experts);
        Assert.Equal(2, mixtral.ExpertsPerToken);
    }

    [Fact]
    public void Dense_models_have_no_moe_fields()
    {
        var llama = Resolve("llama-3.1-8b");
        Assert.False(llama.IsMoe);
        Assert.Null(llama.ActiveParameters);
        Assert.Null(llama.Experts);
        Assert.Equal("gqa", llama.Attention);
    }

    [Theory]
    [MemberData(nameof(BuiltInNames))]
    public void Every_entry_adds_up_to_its_total(string name)
    {
        var m = Resolve(name);
        if (m.IsMla)
        {
            return; // MLA's low-rank projections are not all kept in the catalog.
        }

        var (total, active) = CalcParameters(m);
        Assert.InRange(total / m.Parameters, 0.95, 1.05);
        if (m.ActiveParameters is double stated)
        {
            Assert.InRange(active / stated, 0.95, 1.05);
        }
    }

    [Theory]
    [MemberData(nameof(BuiltInNames))]
    public void Every_entry_has_a_largest_layer_between_its_share_and_the_whole(string name)
    {
        var m = Resolve(name);
        Assert.InRange(m.LargestLayerParameters, (long)(m.Parameters / m.Layers / 3), (long)m.Parameters);
    }

    [Fact]
    public void One_llama_8b_layer_is_its_projections_and_mlp() =>
        Assert.Equal((4096L * 4096 * 2) + (2L * 4096 * 1024) + (3L * 4096 * 14336), Resolve("llama-3.1-8b").LargestLayerParameters);

    [Fact]
    public void Project_models_add_and_replace()
    {
        var models = JsonNode.Parse("""
            [
              { "name": "acme/Tiny-1B", "params": "1.1B", "layers": 22, "hidden_size": 2048, "heads": 32, "kv_heads": 4,
                "vocab_size": 32000, "max_position_embeddings": 2048, "aliases": ["tiny"] },
              { "name": "Qwen/Qwen2.5-7B-Instruct", "params": "7.7B", "layers": 28 },
              { "name": "no-params" },
              { "name": "acme/Moe-A2B", "params": "16B", "active_params": "2.4B" }
            ]
            """)!.AsArray();
        var catalog = ModelCatalog.BuiltIn.WithProjectModels(models);

        Assert.Equal(ModelCatalog.BuiltIn.Models.Count + 2, catalog.Models.Count);
        Assert.True(catalog.TryResolve("tiny", out var tiny));
        Assert.Equal("acme/Tiny-1B", tiny.Name);
        Assert.Equal("project", tiny.Source);
        Assert.Equal(64, tiny.HeadDim); // config.json's default: hidden_size / heads
        Assert.Equal(2L * 22 * 4 * 64 * 2, tiny.KvCacheBytesPerToken());

        Assert.True(catalog.TryResolve("qwen2.5-7b", out var qwen));
        Assert.Equal(7.7, qwen.ParametersBillions, 1e-9);
        Assert.Equal("project", qwen.ParametersSource);
        Assert.Equal(0, qwen.KvCacheBytesPerToken()); // shape unknown: callers fall back to parameter counts
        Assert.Equal((long)(qwen.Parameters / 28), qwen.LargestLayerParameters);
        Assert.Equal(7.61, Resolve("qwen2.5-7b").ParametersBillions, 1e-9); // the built-in catalog is unchanged

        Assert.True(catalog.TryResolve("acme/moe-a2b", out var moe));
        Assert.True(moe.IsMoe);
        Assert.Equal(2.4e9, moe.ActiveParameters);
        Assert.False(catalog.TryResolve("no-params", out _));
    }

    [Fact]
    public void A_project_model_without_an_organisation_replaces_the_built_in()
    {
        var catalog = ModelCatalog.Create([Project("Llama-3.1-8B-Instruct", "8.03B")]);
        Assert.Equal(ModelCatalog.BuiltIn.Models.Count, catalog.Models.Count);
        Assert.True(catalog.TryResolve("meta-llama/Llama-3.1-8B-Instruct", out var spec));
        Assert.Equal(8.03, spec.ParametersBillions, 1e-9);
    }

    [Theory]
    [InlineData("models: []")]
    [InlineData("other: 1")]
    [InlineData("models:\n  - name: a\n")]
    [InlineData("models:\n  - [1, 2]\n")]
    [InlineData("models: [\n")]
    public void A_malformed_catalog_is_a_bug(string yaml) =>
        Assert.Throws<InvalidOperationException>(() => ModelCatalog.Parse(yaml, "test.yaml"));

    [Theory]
    [InlineData("params: 7.61B", "params: 8x7B", "params")]
    [InlineData("kv_heads: 4", "kv_heads: 5", "kv_heads")]
    [InlineData("attention: gqa", "attention: mla", "mla")]
    [InlineData("source: TT", "sources: TT", "unknown key 'sources'")]
    [InlineData("layers: 28", "layers: 28.5", "layers")]
    [InlineData("tie_embeddings: false", "tie_embeddings: no", "tie_embeddings")]
    public void A_bad_catalog_entry_names_the_line_and_the_field(string good, string bad, string mentioned)
    {
        const string Entry = """
            models:
              - name: Qwen/Qwen2.5-7B-Instruct
                family: qwen2.5
                params: 7.61B
                params_source: stated
                layers: 28
                hidden_size: 3584
                intermediate_size: 18944
                heads: 28
                kv_heads: 4
                head_dim: 128
                vocab_size: 152064
                max_position_embeddings: 32768
                tie_embeddings: false
                attention: gqa
                source: TT
            """;
        Assert.Single(ModelCatalog.Parse(Entry, "test.yaml"));
        var ex = Assert.Throws<InvalidOperationException>(() => ModelCatalog.Parse(Entry.Replace(good, bad, StringComparison.Ordinal), "test.yaml"));
        Assert.Contains(mentioned, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.yaml:", ex.Message, StringComparison.Ordinal);
    }

    private static ModelSpec Resolve(string name)
    {
        Assert.True(ModelCatalog.BuiltIn.TryResolve(name, out var spec), name);
        return spec;
    }

    private static ModelSpec Project(string name, string size)
    {
        var models = new JsonArray(new JsonObject { ["name"] = name, ["params"] = size });
        return Assert.Single(ModelCatalog.ReadProjectModels(models));
    }

    /// <summary>
    /// A rough count from the shape: embeddings V·h (×2 untied) plus, per layer, attention
    /// h·(a·d) + 2·h·(kv·d) + (a·d)·h and a SwiGLU MLP 3·h·ffn, or for a mixture of experts
    /// every expert's MLP (active: the top-k) plus the router. Norms and biases are ignored.
    /// </summary>
    private static (double Total, double Active) CalcParameters(ModelSpec m)
    {
        double h = m.HiddenSize;
        var embeddings = m.VocabSize * h * (m.TieEmbeddings ? 1 : 2);
        var attention = (h * m.Heads * m.HeadDim) + (2 * h * m.KvHeads * m.HeadDim) + (m.Heads * m.HeadDim * h);
        if (!m.IsMoe)
        {
            var dense = embeddings + (m.Layers * (attention + (3 * h * m.IntermediateSize)));
            return (dense, dense);
        }

        var expert = 3 * h * m.MoeIntermediateSize!.Value;
        var router = h * m.Experts!.Value;
        var total = embeddings + (m.Layers * (attention + (m.Experts.Value * expert) + router));
        var active = embeddings + (m.Layers * (attention + (m.ExpertsPerToken!.Value * expert) + router));
        return (total, active);
    }
}
