using System.Diagnostics;
using System.Text.Json.Nodes;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

public sealed class RenderCommandTests
{
    public static TheoryData<string, string> BuiltInsAtTwoSizes()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.EnumerateFiles(Repo.Recipes, "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file), "7B");
            data.Add(Path.GetFileNameWithoutExtension(file), "70B");
        }

        return data;
    }

    public static TheoryData<string, string> BuiltInsAtFiveSizes()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.EnumerateFiles(Repo.Recipes, "*.yaml").Order(StringComparer.Ordinal))
        {
            foreach (var size in new[] { "1.5B", "7B", "14B", "32B", "72B" })
            {
                data.Add(Path.GetFileNameWithoutExtension(file), size);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BuiltInsAtTwoSizes))]
    public void Golden_render_of_each_builtin(string recipe, string size)
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", recipe, "--model-size", size);
        Assert.Equal(0, r.ExitCode);
        Approvals.Verify(r.Out, $"render_{recipe}_{size}");
    }

    [Theory]
    [MemberData(nameof(BuiltInsAtFiveSizes))]
    public void Every_builtin_renders_without_a_preflight_error(string recipe, string size)
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", recipe, "--model-size", size);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("error", r.Error);
    }

    [Theory]
    [InlineData("grpo_large_scale", "70B", "batch.micro_batch_size_per_gpu=16")]  // Megatron: per-GPU mini 16 × 32 / dp 4, not / 64 GPUs
    [InlineData("ppo", "32B", "rl.critic_micro_batch_size_per_gpu=8")]            // verl run_qwen2.5-32b.sh:38, critic mini 256 / 32 GPUs
    public void Upstream_layouts_render_without_a_preflight_error(string recipe, string size, string set)
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", recipe, "--model-size", size, "--set", set);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("error", r.Error);
    }

    [Fact]
    public void A_critic_micro_batch_verl_would_reject_fails_render_with_the_code_and_a_hint()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", "ppo", "--model-size", "32B", "--set", "rl.critic_micro_batch_size_per_gpu=16");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error TP0318 [rl.critic_micro_batch_size_per_gpu]: the critic's per-GPU mini batch 8 (= 256 × 1 / (32 GPUs / sp 1)) is not divisible by critic_micro_batch_size_per_gpu 16", r.Error, StringComparison.Ordinal);
        Assert.Contains("hint: use a critic micro batch that divides 8", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Grpo_basic_scales_from_7B_to_70B_like_the_verl_scripts()
    {
        using var empty = new TempDir();
        var small = Json(CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "7B", "--format", "json"));
        var large = Json(CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "70B", "--format", "json"));

        // verl run_qwen2-7b_math.sh: 8 GPUs, rollout TP 2, micro 16, no offload.
        Assert.Equal(8, small["trainer"]!["total_gpus"]!.GetValue<long>());
        Assert.Equal(2, small["parallelism"]!["rollout_tensor_parallel_size"]!.GetValue<long>());
        Assert.Equal(16, small["batch"]!["micro_batch_size_per_gpu"]!.GetValue<long>());
        Assert.False(small["parallelism"]!["param_offload"]!.GetValue<bool>());

        // verl tuning/70b qwen2-70b_grpo_32_*: 32 GPUs, rollout TP 16, offload on, the same 1024 / 256 batches with
        // dynamic batching at 24000 tokens per GPU (no halving of the batches: no script does that).
        Assert.Equal(32, large["trainer"]!["total_gpus"]!.GetValue<long>());
        Assert.Equal(16, large["parallelism"]!["rollout_tensor_parallel_size"]!.GetValue<long>());
        Assert.True(large["parallelism"]!["param_offload"]!.GetValue<bool>());
        Assert.Equal(1024, large["batch"]!["global_batch_size"]!.GetValue<long>());
        Assert.Equal(256, large["batch"]!["mini_batch_size"]!.GetValue<long>());
        Assert.True(large["batch"]!["dynamic_batch_size"]!.GetValue<bool>());
        Assert.Equal(24000, large["batch"]!["max_tokens_per_gpu"]!.GetValue<long>());
    }

    [Fact]
    public void A_catalog_model_selects_the_large_model_rule()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model", "Qwen/Qwen2.5-72B-Instruct");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("# model:   Qwen/Qwen2.5-72B-Instruct (72.7B parameters)", r.Out);
        Assert.Contains("scaling rule 3 (70B-class models", r.Out);
        var json = Json(CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model", "qwen2.5-72b", "--format", "json"));
        Assert.Equal("Qwen/Qwen2.5-72B", json["trainplat"]!["model"]!.GetValue<string>()); // the base model: a distinct catalog entry
        Assert.Equal(24000, json["batch"]!["max_tokens_per_gpu"]!.GetValue<long>());
    }

    [Fact]
    public void Json_carries_the_memory_estimate_under_trainplat_memory()
    {
        using var empty = new TempDir();
        var json = Json(CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model", "Qwen/Qwen2.5-7B-Instruct", "--format", "json"));
        var memory = json["trainplat"]!["memory"]!;
        var terms = memory["terms"]!.AsArray();
        Assert.NotEmpty(terms);
        Assert.All(terms, t =>
        {
            Assert.False(string.IsNullOrWhiteSpace(t!["formula"]!.GetValue<string>()));
            Assert.InRange(Math.Abs(t["gb"]!.GetValue<double>() - (t["bytes"]!.GetValue<long>() / 1e9)), 0, 0.005001); // gb is bytes rounded to 0.01
        });
        Assert.Equal(memory["total_gb"]!.GetValue<double>(), terms.Sum(t => t!["gb"]!.GetValue<double>()), 1);
        Assert.Equal(85.9, memory["gpu_memory_gb"]!.GetValue<double>()); // the cluster's "80 GB" GPU is 80 GiB
        Assert.True(memory["fits"]!.GetValue<bool>());
        Assert.Equal(2 * 7.61, memory["rollout"]!["need_gb"]!.GetValue<double>(), 2);
        Assert.StartsWith("fp32 actor (verl", memory["precision"]!.GetValue<string>(), StringComparison.Ordinal);

        // Offline recipes have no rollout check.
        var sft = Json(CliRun.InProcess(empty.Path, "render", "sft_full", "--model-size", "8B", "--format", "json"));
        Assert.Null(sft["trainplat"]!["memory"]!["rollout"]);
    }

    [Fact]
    public void A_data_sheet_gpu_size_is_read_as_gib_so_a_run_verl_fits_on_80_gb_cards_is_not_flagged()
    {
        // verl qwen2-70b_grpo_32_h800_fsdp_vllm.sh runs this layout on 80 GB H800s: ~85 GB of 1e9 bytes is under 80 GiB (85.9 GB).
        using var empty = new TempDir();
        var onH800 = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "72B", "--explain");
        Assert.Equal(0, onH800.ExitCode);
        Assert.DoesNotContain("TP0307", onH800.Error, StringComparison.Ordinal);
        Assert.Matches(@"total +8\d\.\d GB of 85\.9 GB \(80 GiB\): fits", onH800.Out);

        // On a 40 GB card the same run does not fit, and the warning names both figures.
        var on40 = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "72B", "--gpu-memory", "40");
        Assert.Equal(0, on40.ExitCode);
        Assert.Contains("exceeds the 42.9 GB (= 40.0 GiB) of GPU memory", on40.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_model_exits_2_naming_the_nearest_and_model_size()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model", "Qwen/Qwen2.5-70B-Instruct");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains("unknown model 'Qwen/Qwen2.5-70B-Instruct'", r.Error);
        Assert.Contains("Qwen/Qwen2.5-72B-Instruct", r.Error);
        Assert.Contains("--model-size", r.Error);
    }

    [Fact]
    public void A_misspelt_set_key_exits_2_and_suggests_the_key()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "7B", "--set", "optimizer.learnig_rate=1e-6");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Contains("unknown config key 'optimizer.learnig_rate'", r.Error);
        Assert.Contains("did you mean 'optimizer.learning_rate'", r.Error);
    }

    [Fact]
    public void Set_values_are_typed_by_the_schema()
    {
        using var empty = new TempDir();
        var ok = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "7B", "--explain",
            "--set", "optimizer.learning_rate=1e-6", "--set", "rl.rollout_n=8", "--set", "lora.target_modules=[q_proj, v_proj]");
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("learning_rate: 1.0e-06", ok.Out);
        Assert.Matches(@"rollout_n: 8 +# --set", ok.Out);
        Assert.Contains("target_modules: [q_proj, v_proj]", ok.Out);

        var bad = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "7B", "--set", "rl.rollout_n=many");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("rl.rollout_n must be an integer", bad.Error);
        var range = CliRun.InProcess(empty.Path, "render", "grpo_basic", "--model-size", "7B", "--set", "optimizer.learning_rate=0");
        Assert.Equal(2, range.ExitCode);
        Assert.Contains("greater than 0", range.Error);
    }

    [Fact]
    public void Explain_names_the_origin_of_every_value()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        project.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: x\nrecipes: [recipes]\noverrides:\n  trainer.seed: 7\n");
        var r = CliRun.InProcess(project.Path, "render", "grpo_math_small", "--model-size", "70B", "--gpus", "64", "--explain", "--set", "rl.temperature=0.9");
        Assert.Equal(0, r.ExitCode);
        var valueLines = r.Out.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.TrimStart().StartsWith('#')).ToArray();
        Assert.NotEmpty(valueLines);
        Assert.All(valueLines, l => Assert.Matches(@"  # \S", l));
        Assert.Contains(valueLines, l => l.Contains("# extends grpo_basic", StringComparison.Ordinal));
        Assert.Contains(valueLines, l => l.Contains("rollout_n: 8", StringComparison.Ordinal) && l.EndsWith("# recipe", StringComparison.Ordinal));
        Assert.Contains(valueLines, l => l.Contains("# scaling rule 3 (70B-class models (34B and up)) of grpo_basic", StringComparison.Ordinal));
        Assert.Contains(valueLines, l => l.Contains("seed: 7", StringComparison.Ordinal) && l.EndsWith("# trainplat.yaml overrides", StringComparison.Ordinal));
        Assert.Contains(valueLines, l => l.Contains("nodes: 8", StringComparison.Ordinal) && l.EndsWith("# --gpus", StringComparison.Ordinal));
        Assert.Contains(valueLines, l => l.Contains("temperature: 0.9", StringComparison.Ordinal) && l.EndsWith("# --set", StringComparison.Ordinal));
        Assert.Contains(valueLines, l => l.Contains("# derived: total_gpus / (tp × pp × cp)", StringComparison.Ordinal));
        Assert.Contains(valueLines, l => l.Contains("# schema default", StringComparison.Ordinal));
        Assert.Contains("# memory per GPU", r.Out);
    }

    [Fact]
    public void A_project_override_of_the_wrong_type_exits_2()
    {
        using var project = TempDir.CopyOf(Repo.Examples);
        project.Write("trainplat.yaml", "apiVersion: trainplat/v1\nname: x\nrecipes: [recipes]\noverrides:\n  trainer.seed: many\n");
        var r = CliRun.InProcess(project.Path, "render", "grpo_math_small", "--model-size", "7B");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("trainplat.yaml overrides trainer.seed, but it must be an integer", r.Error);
    }

    [Fact]
    public void Output_is_deterministic_and_o_writes_the_same_bytes()
    {
        using var dir = new TempDir();
        var a = CliRun.InProcess(dir.Path, "render", "dapo", "--model-size", "32B");
        var b = CliRun.InProcess(dir.Path, "render", "dapo", "--model-size", "32B");
        Assert.Equal(a.Out, b.Out);
        var written = CliRun.InProcess(dir.Path, "render", "dapo", "--model-size", "32B", "-o", "dapo.yaml");
        Assert.Equal(0, written.ExitCode);
        Assert.Equal("", written.Out);
        Assert.Equal(a.Out, File.ReadAllText(Path.Combine(dir.Path, "dapo.yaml")));
    }

    [Fact]
    public void Rendering_a_recipe_file_by_path_works_and_an_invalid_one_exits_2()
    {
        using var dir = new TempDir();
        dir.Write("mine/my_sft.yaml", File.ReadAllText(Path.Combine(Repo.Recipes, "sft_full.yaml")).Replace("id: sft_full", "id: my_sft", StringComparison.Ordinal));
        Assert.Equal(0, CliRun.InProcess(dir.Path, "render", "mine/my_sft.yaml", "--model-size", "8B").ExitCode);

        dir.Write("mine/broken.yaml", "apiVersion: trainplat/v1\nid: broken\n");
        var r = CliRun.InProcess(dir.Path, "render", "mine/broken.yaml", "--model-size", "8B");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("mine/broken.yaml is not a valid recipe", r.Error);
        Assert.Contains("TP0101", r.Error);
    }

    [Theory]
    [InlineData("--model-size", "seven")]
    [InlineData("--gpus", "0")]
    public void Bad_inputs_exit_2(string option, string value)
    {
        using var empty = new TempDir();
        var args = option == "--model-size"
            ? new[] { "render", "grpo_basic", option, value }
            : new[] { "render", "grpo_basic", "--model-size", "7B", option, value };
        var r = CliRun.InProcess(empty.Path, args);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("trainplat: error:", r.Error);
    }

    [Fact]
    public void Neither_model_nor_size_is_a_usage_error()
    {
        using var empty = new TempDir();
        var r = CliRun.InProcess(empty.Path, "render", "grpo_basic");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--model-size", r.Error);
    }

    [Fact]
    public void Every_rendered_builtin_loads_in_pyyaml_with_every_float_a_float()
    {
        const string python = "/usr/bin/python3";
        Assert.True(File.Exists(python), "Debian's python3 with python3-yaml is needed (.ci/run installs it)");
        using var dir = new TempDir();
        var files = new List<string>();
        foreach (var recipe in Directory.EnumerateFiles(Repo.Recipes, "*.yaml").Select(Path.GetFileNameWithoutExtension))
        {
            foreach (var size in new[] { "1.5B", "7B", "72B" })
            {
                var r = CliRun.InProcess(dir.Path, "render", recipe!, "--model-size", size);
                var jsonR = CliRun.InProcess(dir.Path, "render", recipe!, "--model-size", size, "--format", "json");
                files.Add(dir.Write($"{recipe}_{size}.yaml", r.Out));
                dir.Write($"{recipe}_{size}.json", jsonR.Out);
            }
        }

        // PyYAML (YAML 1.1) must read exactly what the JSON rendering says: same floats, no float-looking strings.
        var script = dir.Write("check.py", """
            import json, sys, yaml
            bad = []
            for path in sys.argv[1:]:
                loaded = yaml.safe_load(open(path))
                expected = json.load(open(path[:-5] + ".json"))
                expected.pop("trainplat")
                def walk(a, b, where):
                    if isinstance(b, dict):
                        if not isinstance(a, dict) or set(a) != set(b): bad.append((path, where, "keys")); return
                        for k in b: walk(a[k], b[k], where + "." + k)
                    elif isinstance(b, list):
                        if not isinstance(a, list) or len(a) != len(b): bad.append((path, where, "list")); return
                        for i, (x, y) in enumerate(zip(a, b)): walk(x, y, where + "[%d]" % i)
                    elif isinstance(b, float) and not (isinstance(a, float) and a == b): bad.append((path, where, repr(a)))
                    elif type(a) != type(b) or a != b: bad.append((path, where, repr(a)))
                walk(loaded, expected, "")
            print(len(sys.argv) - 1, "files;", len(bad), "problems")
            for b in bad[:20]: print(b)
            sys.exit(1 if bad else 0)
            """);
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var f in files)
        {
            start.ArgumentList.Add(f);
        }

        var result = CliRun.Exec(start, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("39 files; 0 problems", result.Out);
    }

    private static JsonNode Json(CliResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Out)!;
    }
}
