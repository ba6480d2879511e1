using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Resolution;

namespace TrainingPlatform.Core.Tests.Frameworks;

public sealed class TrlImportTests : IDisposable
{
    private static readonly FrameworkTarget Trl = FrameworkTarget.Parse("trl");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "trainplat-trl-import-" + Guid.NewGuid().ToString("N")[..12]);

    public TrlImportTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string> RoundTrips => new()
    {
        { "sft_full", "7B" }, { "sft_lora", "7B" }, { "sft_lora", "72B" }, { "sft_qlora", "7B" },
        { "dpo_full", "72B" }, { "dpo_lora", "7B" }, { "simpo", "7B" }, { "orpo", "7B" },
        { "reward_model", "7B" }, { "grpo_basic", "7B" }, { "grpo_basic", "72B" }, { "grpo_lora", "3B" }, { "dapo", "32B" },
    };

    private static string Trainer(string variant) => variant switch
    {
        "SFTConfig" => "sft",
        "DPOConfig" => "dpo",
        "GRPOConfig" => "grpo",
        "RewardConfig" => "reward",
        "ORPOConfig" => "orpo",
        _ => "cpo",
    };

    private ExportResult Export(string recipe, string size)
    {
        var rendered = RecipeResolver.Resolve(new RenderRequest(recipe, size, null, null, null, null, [], _dir));
        Assert.True(rendered.Config is not null, rendered.Error + " " + string.Join("; ", rendered.Diagnostics.Select(d => d.Message)));
        return TrlExport.Export(ExportSource.FromRender(rendered.Config!), Trl);
    }

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Export_import_render_export_gives_the_same_trl_values(string recipe, string size)
    {
        var first = Export(recipe, size);
        var yaml = TrlConfigWriter.Yaml(first, "0.0.0", explain: false);
        var imported = TrlImport.Import(yaml, "launch/" + recipe + ".yaml", Trainer(first.Variant), "imported_" + recipe);
        var path = Path.Combine(_dir, "imported_" + recipe + ".yaml");
        File.WriteAllText(path, imported.RecipeText);
        var second = Export(path, size);

        Assert.Equal(first.Variant, second.Variant);
        var a = first.Keys.ToDictionary(k => k.Key, k => TrlExportTests.Normal(k.Value), StringComparer.Ordinal);
        var b = second.Keys.ToDictionary(k => k.Key, k => TrlExportTests.Normal(k.Value), StringComparer.Ordinal);
        Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in a)
        {
            Assert.True(JsonNode.DeepEquals(value, b[key]), $"{recipe} {size}: {key} {value?.ToJsonString()} became {b[key]?.ToJsonString()}\n{imported.RecipeText}");
        }
    }

    [Fact]
    public void Unmapped_fields_go_under_extra_trl_with_a_warning_each_and_come_back_on_export()
    {
        const string text = """
            model_name_or_path: Qwen/Qwen2.5-0.5B
            learning_rate: 2.0e-5
            per_device_train_batch_size: 4
            gradient_accumulation_steps: 2
            num_processes: 4
            neftune_noise_alpha: 5.0
            dataset_text_field: content
            """;
        var result = TrlImport.Import(text, "sft.yaml", "sft", "my_sft");
        Assert.Contains("  trl:\n", result.RecipeText, StringComparison.Ordinal);
        Assert.Contains("    neftune_noise_alpha: 5.0\n", result.RecipeText, StringComparison.Ordinal);
        Assert.Contains("    dataset_text_field: content\n", result.RecipeText, StringComparison.Ordinal);
        Assert.Contains("global_batch_size: 32", result.RecipeText, StringComparison.Ordinal);
        var warned = result.Warnings.Where(w => w.Code == FrameworkCodes.ImportUnmapped).ToArray();
        Assert.Contains(warned, w => w.Pointer == "/neftune_noise_alpha" && w.Line == 6 && w.File == "sft.yaml");
        Assert.Contains(warned, w => w.Pointer == "/dataset_text_field" && w.Line == 7);
        Assert.Contains("sft.yaml (TRL 1.9.0 SFTConfig config", result.RecipeText, StringComparison.Ordinal);

        var path = Path.Combine(_dir, "my_sft.yaml");
        File.WriteAllText(path, result.RecipeText);
        var back = Export(path, "0.5B");
        Assert.Equal(5.0, back.Keys.Single(k => k.Key == "neftune_noise_alpha").Value!.GetValue<double>());
        Assert.Equal("extra.trl.dataset_text_field", back.Keys.Single(k => k.Key == "dataset_text_field").From);
    }

    [Fact]
    public void A_yaml_error_names_the_file_line_and_column()
    {
        var error = Assert.Throws<UserErrorException>(() => TrlImport.Import("learning_rate: 1.0e-5\nbeta: [0.1\n", "bad.yaml", "dpo", "bad"));
        Assert.Equal("bad.yaml is not valid YAML", error.Message);
        var d = Assert.Single(error.Diagnostics);
        Assert.Equal("bad.yaml", d.File);
        Assert.True(d.Line >= 2, d.Line.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_field_trl_does_not_know_is_refused_with_its_position()
    {
        var error = Assert.Throws<UserErrorException>(() => TrlImport.Import("learning_rate: 1.0e-5\nlearnin_rate: 2\n", "x.yaml", "dpo", "x"));
        Assert.StartsWith("x.yaml:2:1: 'learnin_rate' is not a field of TRL 1.9.0 DPOConfig", error.Message, StringComparison.Ordinal);
        Assert.Contains("learning_rate", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_close_built_in_is_extended_when_that_is_shorter()
    {
        var first = Export("simpo", "7B");
        var imported = TrlImport.Import(TrlConfigWriter.Yaml(first, "0.0.0", false), "simpo.yaml", "cpo", "my_simpo");
        Assert.Equal("simpo", imported.Extends);
        Assert.Contains("\nextends: simpo\n", imported.RecipeText, StringComparison.Ordinal);
        Assert.DoesNotContain("learning_rate", imported.RecipeText, StringComparison.Ordinal);

        // grpo_basic's mid-size rule would set micro 8 over the file's 16 at 10B-34B, so it is not extended.
        var grpo = TrlImport.Import(TrlConfigWriter.Yaml(Export("grpo_basic", "7B"), "0.0.0", false), "grpo.yaml", "grpo", "my_grpo");
        Assert.Null(grpo.Extends);
    }

    [Theory]
    [InlineData("my-sft.config.yaml", "my_sft_config")]
    [InlineData("2024_run.yaml", "trl_2024_run")]
    public void The_default_id_is_the_file_name_in_snake_case(string file, string id) =>
        Assert.Equal(id, TrlImport.DefaultId(file));
}
