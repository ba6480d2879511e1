using System.Text.Json.Nodes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Resolution;

public sealed class ModelCatalogTests
{
    public static TheoryData<string> RequiredModels() =>
    [
        "Qwen/Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-3B-Instruct", "Qwen/Qwen2.5-7B-Instruct",
        "Qwen/Qwen2.5-14B-Instruct", "Qwen/Qwen2.5-32B-Instruct", "Qwen/Qwen2.5-72B-Instruct",
        "Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-3B", "Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-14B", "Qwen/Qwen2.5-32B", "Qwen/Qwen2.5-72B",
        "Qwen/Qwen2-0.5B", "Qwen/Qwen2-1.5B", "Qwen/Qwen2-7B", "Qwen/Qwen2-72B",
        "Qwen/Qwen2-0.5B-Instruct", "Qwen/Qwen2-1.5B-Instruct", "Qwen/Qwen2-7B-Instruct", "Qwen/Qwen2-72B-Instruct",
        "Qwen/Qwen3-0.6B", "Qwen/Qwen3-1.7B", "Qwen/Qwen3-4B", "Qwen/Qwen3-8B", "Qwen/Qwen3-14B", "Qwen/Qwen3-32B",
        "Qwen/Qwen3-0.6B-Base", "Qwen/Qwen3-1.7B-Base", "Qwen/Qwen3-4B-Base", "Qwen/Qwen3-8B-Base", "Qwen/Qwen3-14B-Base",
        "Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-30B-A3B-Base", "Qwen/Qwen3-235B-A22B",
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
        "meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama/Meta-Llama-3-70B", "meta-llama/Meta-Llama-3-70B-Instruct",
        "meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-70B", "meta-llama/Llama-3.1-405B", "meta-llama/Llama-3.2-1B", "meta-llama/Llama-3.2-3B",
        "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct", "meta-llama/Llama-3.1-405B-Instruct",
        "meta-llama/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.2-3B-Instruct", "meta-llama/Llama-3.3-70B-Instruct",
        "mistralai/Mistral-7B-Instruct-v0.3", "mistralai/Mixtral-8x7B-Instruct-v0.1", "mistralai/Mixtral-8x22B-Instruct-v0.1",
        "mistralai/Mistral-7B-v0.3", "mistralai/Mixtral-8x7B-v0.1", "mistralai/Mixtral-8x22B-v0.1",
        "deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-V3-Base",
        "google/gemma-2-2b-it", "google/gemma-2-9b-it", "google/gemma-2-27b-it", "google/gemma-2-2b", "google/gemma-2-9b", "google/gemma-2-27b",
    ];

    /// <summary>Each Instruct model and the base model it was trained from, where the catalog has both.</summary>
    public static TheoryData<string, string> BasePairs()
    {
        var data = new TheoryData<string, string>();
        var names = ModelCatalog.BuiltIn.Models.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var m in ModelCatalog.BuiltIn.Models.Where(m => m.Kind == "instruct"))
        {
            var candidates = new[]
            {
                m.Name.Replace("-Instruct", "", StringComparison.Ordinal), m.Name.EndsWith("-it", StringComparison.Ordinal) ? m.Name[..^3] : m.Name,
                m.Name + "-Base", m.Name.Replace("deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-V3-Base", StringComparison.Ordinal),
            };
            if (candidates.FirstOrDefault(c => c != m.Name && names.Contains(c)) is { } baseName)
            {
                data.Add(m.Name, baseName);
            }
        }

        return data;
    }

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
        var sources = ModelCatalog.BuiltIn.Sources;
        Assert.All(sources, s => Assert.Matches(@"^[\w.-]+/[\w.-]+[ ,@]", s.Value)); // owner/repository first
        Assert.All(ModelCatalog.BuiltIn.Models, m =>
        {
            var keys = ModelCatalog.SourceKeys(m);
            Assert.NotEmpty(keys);
            Assert.All(keys, k => Assert.True(sources.ContainsKey(k), $"{m.Name}: {k}"));
            Assert.Contains(m.ParametersSource, new[] { "stated", "calc" });
            Assert.Contains(m.Kind, new[] { "base", "instruct" });
        });
        Assert.All(sources.Keys, k => Assert.Contains(ModelCatalog.BuiltIn.Models, m => ModelCatalog.SourceKeys(m).Contains(k)));
    }

    [Fact]
    public void A_source_key_missing_from_the_sources_table_is_a_bug()
    {
        var yaml = "sources:\n  TT: pytorch/torchtune\n" + OneEntry.Replace("source: TT", "source: TT, XX", StringComparison.Ordinal);
        var ex = Assert.Throws<InvalidOperationException>(() => ModelCatalog.ParseFile(yaml, "test.yaml"));
        Assert.Contains("source 'XX' is not in the sources table", ex.Message, StringComparison.Ordinal);
        Assert.Single(ModelCatalog.ParseFile("sources:\n  TT: pytorch/torchtune\n" + OneEntry, "test.yaml").Models);
    }

    [Fact]
    public void The_file_is_read_when_a_model_is_first_looked_up_not_when_a_project_catalog_is_made()
    {
        // render builds the project's catalog before it knows whether --model was given; --model-size needs no file.
        var catalog = ModelCatalog.FromText("models: [\n", "broken.yaml").WithProjectModels([]);
        var ex = Assert.Throws<InvalidOperationException>(() => catalog.TryResolve("qwen2.5-7b", out _));
        Assert.StartsWith("broken.yaml:", ex.Message, StringComparison.Ordinal);
        Assert.True(ModelCatalog.FromText("sources:\n  TT: pytorch/torchtune\n" + OneEntry, "ok.yaml").TryResolve("qwen2.5-7b-instruct", out var spec));
        Assert.Equal("instruct", spec.Kind);
    }

    [Theory]
    [MemberData(nameof(BasePairs))]
    public void A_base_model_and_its_instruct_model_are_distinct_entries_of_one_shape(string instruct, string baseName)
    {
        var i = Resolve(instruct);
        var b = Resolve(baseName);
        Assert.NotSame(i, b);
        Assert.Equal(("instruct", "base"), (i.Kind, b.Kind));
        Assert.Equal(i.Family, b.Family);
        Assert.Equal(
            (i.Layers, i.HiddenSize, i.IntermediateSize, i.Heads, i.KvHeads, i.HeadDim, i.TieEmbeddings, i.Attention, i.Experts, i.Parameters),
            (b.Layers, b.HiddenSize, b.IntermediateSize, b.Heads, b.KvHeads, b.HeadDim, b.TieEmbeddings, b.Attention, b.Experts, b.Parameters));
    }

    [Fact]
    public void The_pairs_cover_every_family_that_publishes_both()
    {
        var families = BasePairs().Select(row => Resolve((string)row[0]).Family).Distinct().Order().ToArray();
        Assert.Equal(["deepseek-v3", "gemma2", "llama3", "llama3.1", "llama3.2", "mistral", "mixtral", "qwen2", "qwen2.5", "qwen3", "qwen3-moe"], families);
    }

    [Theory]
    [InlineData("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B", "base", 131072)]
    [InlineData("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct", "instruct", 32768)]
    [InlineData("qwen2.5-7b", "Qwen/Qwen2.5-7B", "base", 131072)]
    [InlineData("qwen2.5-7b-instruct", "Qwen/Qwen2.5-7B-Instruct", "instruct", 32768)]
    [InlineData("Qwen/Qwen3-8B", "Qwen/Qwen3-8B", "instruct", 40960)]
    [InlineData("Qwen/Qwen3-8B-Base", "Qwen/Qwen3-8B-Base", "base", 32768)]
    [InlineData("Qwen/Qwen2-72B", "Qwen/Qwen2-72B", "base", 131072)]
    [InlineData("Qwen2-7B-Instruct", "Qwen/Qwen2-7B-Instruct", "instruct", 32768)]
    [InlineData("meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama/Meta-Llama-3-8B-Instruct", "instruct", 8192)]
    public void A_base_name_resolves_to_the_base_model_never_to_the_instruct(string input, string expected, string kind, int context)
    {
        var m = Resolve(input);
        Assert.Equal(expected, m.Name);
        Assert.Equal(kind, m.Kind);
        Assert.Equal(context, m.MaxPositionEmbeddings);
    }

    [Theory]
    [InlineData("Llama-3.3-70B", "meta-llama/Llama-3.3-70B-Instruct")]
    [InlineData("Qwen/Qwen3-32B-Base", "Qwen/Qwen3-32B")]
    public void A_base_name_without_a_base_entry_does_not_resolve_but_suggests_the_instruct_model(string input, string suggested)
    {
        Assert.False(ModelCatalog.BuiltIn.TryResolve(input, out _));
        Assert.Contains(suggested, ModelCatalog.BuiltIn.Nearest(input));
    }

    [Fact]
    public void The_R1_distills_are_qwen2_5_shapes_with_their_own_context_and_marked_unverified()
    {
        var small = Resolve("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B");
        Assert.Equal("deepseek-r1-distill-qwen", small.Family);
        Assert.False(small.TieEmbeddings);
        Assert.Contains("tie_embeddings", small.Unverified);
        Assert.Equal(1.777e9, small.Parameters);
        foreach (var (size, qwen) in new[] { ("7B", "Qwen/Qwen2.5-7B"), ("14B", "Qwen/Qwen2.5-14B"), ("32B", "Qwen/Qwen2.5-32B") })
        {
            var distill = Resolve("deepseek-ai/DeepSeek-R1-Distill-Qwen-" + size);
            var b = Resolve(qwen);
            Assert.Equal((b.Layers, b.HiddenSize, b.IntermediateSize, b.KvHeads, b.VocabSize), (distill.Layers, distill.HiddenSize, distill.IntermediateSize, distill.KvHeads, distill.VocabSize));
            Assert.Contains("max_position_embeddings", distill.Unverified);
        }
    }

    [Fact]
    public void Families_filter_the_list_and_an_unknown_family_names_them()
    {
        var qwen2 = ModelCatalog.BuiltIn.InFamily("QWEN2");
        Assert.Equal(["Qwen/Qwen2-0.5B", "Qwen/Qwen2-0.5B-Instruct", "Qwen/Qwen2-1.5B", "Qwen/Qwen2-1.5B-Instruct", "Qwen/Qwen2-7B", "Qwen/Qwen2-7B-Instruct", "Qwen/Qwen2-72B", "Qwen/Qwen2-72B-Instruct"], qwen2.Select(m => m.Name));
        Assert.Same(ModelCatalog.BuiltIn.Models, ModelCatalog.BuiltIn.InFamily(null));
        var ex = Assert.Throws<TrainingPlatform.Core.Diagnostics.UserErrorException>(() => ModelCatalog.BuiltIn.InFamily("qwen4"));
        Assert.Equal("unknown model family 'qwen4'", ex.Message);
        Assert.Contains("families: qwen2.5, qwen2, qwen3,", ex.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_names_the_closest_models_when_a_name_is_unknown()
    {
        Assert.Equal("Qwen/Qwen2-7B", ModelCatalog.BuiltIn.Find("qwen2-7b").Name);
        var ex = Assert.Throws<TrainingPlatform.Core.Diagnostics.UserErrorException>(() => ModelCatalog.BuiltIn.Find("qwen2.5-7c"));
        Assert.Equal("unknown model 'qwen2.5-7c'", ex.Message);
        Assert.StartsWith("nearest in the catalog: Qwen/Qwen2.5-7B, Qwen/Qwen2.5-7B-Instruct", ex.Hint, StringComparison.Ordinal);
        Assert.Contains("`trainplat model list`", ex.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Qwen/Qwen2.5-72B-Instruct", "Qwen/Qwen2.5-72B-Instruct")]
    [InlineData("qwen2.5-72b", "Qwen/Qwen2.5-72B")]
    [InlineData("Qwen2.5-72B-Instruct", "Qwen/Qwen2.5-72B-Instruct")]
    [InlineData("QWEN/QWEN2.5-72B", "Qwen/Qwen2.5-72B")]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("llama-3.1-8b", "meta-llama/Llama-3.1-8B")]
    [InlineData("llama3.1-8b", "meta-llama/Llama-3.1-8B")]
    [InlineData("llama3.1-8b-instruct", "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("meta-llama/Meta-Llama-3.1-8B", "meta-llama/Llama-3.1-8B")]
    [InlineData("Llama-3.3-70B-Instruct", "meta-llama/Llama-3.3-70B-Instruct")]
    [InlineData("llama-3.1-70b-instruct", "meta-llama/Llama-3.1-70B-Instruct")]
    [InlineData("llama-3-8b-instruct", "meta-llama/Meta-Llama-3-8B-Instruct")]
    [InlineData("meta-llama-3-70b", "meta-llama/Meta-Llama-3-70B")]
    [InlineData("deepseek-v3", "deepseek-ai/DeepSeek-V3")]
    [InlineData("deepseek-v3-base", "deepseek-ai/DeepSeek-V3-Base")]
    [InlineData("deepseek-r1-distill-qwen-7b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B")]
    [InlineData("Mixtral-8x7B-Instruct-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1")]
    [InlineData("Mixtral-8x22B-v0.1", "mistralai/Mixtral-8x22B-v0.1")]
    [InlineData("mistral-7b-instruct-v0.3", "mistralai/Mistral-7B-Instruct-v0.3")]
    [InlineData("gemma-2-9b", "google/gemma-2-9b")]
    [InlineData("gemma-2-9b-it", "google/gemma-2-9b-it")]
    [InlineData("qwen3-0.6b", "Qwen/Qwen3-0.6B")]
    [InlineData("qwen3-30b-a3b", "Qwen/Qwen3-30B-A3B")]
    [InlineData("qwen2-0.5b", "Qwen/Qwen2-0.5B")]
    public void Name_variants_resolve(string input, string expected)
    {
        Assert.True(ModelCatalog.BuiltIn.TryResolve(input, out var spec), input);
        Assert.Equal(expected, spec.Name);
    }

    [Theory]
    [InlineData("llama-2-70b")]
    [InlineData("llama-70b")]
    [InlineData("mixtral-8x7b")]
    [InlineData("qwen2.5-8b")]
    [InlineData("mistral-7b-v0.1")]
    [InlineData("")]
    public void Names_that_fit_no_model_exactly_do_not_resolve(string input) =>
        Assert.False(ModelCatalog.BuiltIn.TryResolve(input, out _));

    [Theory]
    [InlineData("llama-3.1-9b", "meta-llama/Llama-3.1-8B")]
    [InlineData("qwen2.5-7c", "Qwen/Qwen2.5-7B")]
    [InlineData("deepseek-v2", "deepseek-ai/DeepSeek-V3")]
    [InlineData("mixtral-8x7b", "mistralai/Mixtral-8x7B-v0.1")]
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
        var catalog = ModelCatalog.Create([Project("acme/Llama-3.1-8B-Instruct", "8B")]);
        Assert.False(catalog.TryResolve("llama-3.1-8b-instruct", out _));
        Assert.Equal(["meta-llama/Llama-3.1-8B-Instruct", "acme/Llama-3.1-8B-Instruct"], catalog.Nearest("llama-3.1-8b-instruct"));
        Assert.True(catalog.TryResolve("acme/Llama-3.1-8B-Instruct", out var exact));
        Assert.Equal("acme/Llama-3.1-8B-Instruct", exact.Name);
        var ex = Assert.Throws<TrainingPlatform.Core.Diagnostics.UserErrorException>(() => catalog.Find("llama-3.1-8b-instruct"));
        Assert.Equal("'llama-3.1-8b-instruct' names several models: meta-llama/Llama-3.1-8B-Instruct, acme/Llama-3.1-8B-Instruct", ex.Message);
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
        var mixtral = Resolve("Mixtral-8x7B-Instruct-v0.1");
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

        Assert.True(catalog.TryResolve("qwen2.5-7b-instruct", out var qwen));
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
    [InlineData("kind: instruct", "kind: chat", "kind must be one of base, instruct")]
    [InlineData("kind: instruct", "kind: instruct\n    unverified: [experts]", "unverified must list fields this entry has")]
    [InlineData("kind: instruct", "kind: instruct\n    unverified: params", "unverified must be a list")]
    public void A_bad_catalog_entry_names_the_line_and_the_field(string good, string bad, string mentioned)
    {
        const string Entry = OneEntry;
        Assert.Single(ModelCatalog.Parse(Entry, "test.yaml"));
        var ex = Assert.Throws<InvalidOperationException>(() => ModelCatalog.Parse(Entry.Replace(good, bad, StringComparison.Ordinal), "test.yaml"));
        Assert.Contains(mentioned, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.yaml:", ex.Message, StringComparison.Ordinal);
    }

    private const string OneEntry = """
            models:
              - name: Qwen/Qwen2.5-7B-Instruct
                family: qwen2.5
                kind: instruct
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
