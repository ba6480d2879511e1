using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary><c>trainplat model list|show</c> and how a base model's name is recorded (issue 15, point 4).</summary>
public sealed class ModelCommandTests
{
    [Fact]
    public void List_shows_base_and_instruct_models_as_separate_rows()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "model", "list");
        Assert.Equal((0, ""), (r.ExitCode, r.Error));
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME +KIND +FAMILY +PARAMS +ACTIVE +LAYERS +HIDDEN +HEADS +KV_HEADS +CONTEXT$", lines[0]);
        Assert.Matches(@"^Qwen/Qwen2\.5-7B +base +qwen2\.5 +7\.61B +- +28 +3584 +28 +4 +131072$", lines.Single(l => l.StartsWith("Qwen/Qwen2.5-7B ", StringComparison.Ordinal)));
        Assert.Matches(@"^Qwen/Qwen2\.5-7B-Instruct +instruct +qwen2\.5 +7\.61B +- +28 +3584 +28 +4 +32768$", lines.Single(l => l.StartsWith("Qwen/Qwen2.5-7B-Instruct ", StringComparison.Ordinal)));
        Assert.Matches(@"^Qwen/Qwen3-30B-A3B +instruct +qwen3-moe +30\.5B +3\.3B ", lines.Single(l => l.StartsWith("Qwen/Qwen3-30B-A3B ", StringComparison.Ordinal)));
        Assert.Matches(@"^\d+ models, \d+ with unverified values \(see `trainplat model show NAME`\)$", lines[^1]);
        Assert.Equal(lines.Length - 2, int.Parse(lines[^1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void List_filters_by_family_and_prints_json()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "model", "list", "--family", "deepseek-r1-distill-qwen", "--format", "json");
        Assert.Equal((0, ""), (r.ExitCode, r.Error));
        var models = JsonNode.Parse(r.Out)!.AsArray();
        Assert.Equal(
            ["deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B"],
            models.Select(m => m!["name"]!.GetValue<string>()));
        var small = models[0]!;
        Assert.Equal("instruct", small["kind"]!.GetValue<string>());
        Assert.Equal("builtin", small["origin"]!.GetValue<string>());
        Assert.Equal(1.777e9, small["params"]!.GetValue<double>());
        Assert.False(small["tie_embeddings"]!.GetValue<bool>());
        Assert.Equal(["params", "max_position_embeddings", "tie_embeddings"], small["unverified"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["DSR1", "TT"], small["source"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(28L * 2 * 2 * 128 * 2, small["kv_cache_bytes_per_token_bf16"]!.GetValue<long>());
    }

    [Fact]
    public void An_unknown_family_exits_2_and_lists_the_families()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "model", "list", "--family", "llama");
        Assert.Equal((2, ""), (r.ExitCode, r.Out));
        Assert.Contains("trainplat: error: unknown model family 'llama'\n", r.Error, StringComparison.Ordinal);
        Assert.Contains("  hint: did you mean 'llama3', 'llama3.1' or 'llama3.2'? families: qwen2.5, qwen2, qwen3, qwen3-moe,", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_prints_the_shape_marks_unverified_values_and_names_each_source()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "model", "show", "qwen2-72b");
        Assert.Equal((0, ""), (r.ExitCode, r.Error));
        var lines = r.Out.Split('\n');
        Assert.Equal("Qwen/Qwen2-72B", lines[0]);
        Assert.Contains("  kind:                     base", lines);
        Assert.Contains("  params:                   72.706B (calc)  (unverified)", lines);
        Assert.Contains("  intermediate_size:        29568", lines);
        Assert.Contains("  max_position_embeddings:  131072  (unverified)", lines);
        Assert.Contains("  kv_cache_per_token:       320 KiB in bf16", lines);
        Assert.Contains("  sources:", lines);
        Assert.Contains(lines, l => l.StartsWith("    MBQ  NVIDIA-NeMo/Megatron-Bridge @ 9e3b0070a, src/megatron/hub/models/qwen/qwen2_provider.py", StringComparison.Ordinal));
    }

    [Fact]
    public void Show_as_json_carries_the_sources_table_entries()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "model", "show", "Qwen/Qwen2.5-7B", "--format", "json");
        Assert.Equal((0, ""), (r.ExitCode, r.Error));
        var m = JsonNode.Parse(r.Out)!;
        Assert.Equal(("Qwen/Qwen2.5-7B", "base", 131072), (m["name"]!.GetValue<string>(), m["kind"]!.GetValue<string>(), m["max_position_embeddings"]!.GetValue<int>()));
        Assert.StartsWith("pytorch/torchtune @ bd2a0fc7c, ", m["sources"]!["TT"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["TT", "QB25", "SL"], m["sources"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Show_of_an_unknown_name_exits_2_with_the_closest_names()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "model", "show", "Llama-3.3-70B");
        Assert.Equal((2, ""), (r.ExitCode, r.Out));
        Assert.Contains("trainplat: error: unknown model 'Llama-3.3-70B'\n", r.Error, StringComparison.Ordinal);
        Assert.Contains("  hint: nearest in the catalog: meta-llama/Llama-3.3-70B-Instruct", r.Error, StringComparison.Ordinal);
        Assert.Contains("`trainplat model list`", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Project_models_are_listed_and_a_name_two_models_share_is_refused()
    {
        using var dir = new TempDir();
        dir.Write("trainplat.yaml", """
            apiVersion: trainplat/v1
            name: p
            models:
              - name: acme/Llama-3.1-8B-Instruct
                params: 8B
                layers: 32
            """);
        var list = CliRun.InProcess(dir.Path, "model", "list", "--family", "project", "--format", "json");
        Assert.Equal((0, ""), (list.ExitCode, list.Error));
        var acme = Assert.Single(JsonNode.Parse(list.Out)!.AsArray())!;
        Assert.Equal(("project", null, 32, null), (acme["origin"]!.GetValue<string>(), acme["kind"], acme["layers"]!.GetValue<int>(), acme["hidden_size"]));

        var show = CliRun.InProcess(dir.Path, "model", "show", "llama-3.1-8b-instruct");
        Assert.Equal((2, ""), (show.ExitCode, show.Out));
        Assert.Contains("'llama-3.1-8b-instruct' names several models: meta-llama/Llama-3.1-8B-Instruct, acme/Llama-3.1-8B-Instruct", show.Error, StringComparison.Ordinal);
        Assert.Contains("hint: give the full name with its organisation", show.Error, StringComparison.Ordinal);
        Assert.Equal(0, CliRun.InProcess(dir.Path, "model", "show", "acme/Llama-3.1-8B-Instruct").ExitCode);
    }

    [Fact]
    public void A_base_model_is_rendered_and_recorded_as_the_base_model()
    {
        using var temp = TempDir.CopyOf(Repo.Examples);
        var render = JsonNode.Parse(CliRun.InProcess(temp.Path, "render", "grpo_basic", "--model", "Qwen/Qwen2.5-7B", "--format", "json").Out)!;
        Assert.Equal("Qwen/Qwen2.5-7B", render["model"]!["path"]!.GetValue<string>());
        Assert.Equal("Qwen/Qwen2.5-7B", render["trainplat"]!["model"]!.GetValue<string>());

        var create = CliRun.InProcess(temp.Path, "job", "create", "-r", "grpo_basic", "--model", "qwen2.5-7b");
        Assert.True(create.ExitCode == 0, create.ToString());
        var job = JsonNode.Parse(CliRun.InProcess(temp.Path, "job", "show", create.Out.Trim(), "--format", "json").Out)!;
        Assert.Equal("Qwen/Qwen2.5-7B", job["model"]!.GetValue<string>());
        Assert.Contains("Qwen/Qwen2.5-7B", job.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Qwen2.5-7B-Instruct", job.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model")]
    [InlineData("model", "list")]
    [InlineData("model", "show")]
    public void Every_model_command_has_help(params string[] command)
    {
        var r = CliRun.InProcess(Repo.Examples, [.. command, "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Usage:", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_completes_model_names()
    {
        var line = "trainplat model show Qwen/Qwen2-7";
        var r = CliRun.InProcess(Repo.Examples, $"[suggest:{line.Length}]", line);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(["Qwen/Qwen2-72B", "Qwen/Qwen2-72B-Instruct", "Qwen/Qwen2-7B", "Qwen/Qwen2-7B-Instruct"], r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}
