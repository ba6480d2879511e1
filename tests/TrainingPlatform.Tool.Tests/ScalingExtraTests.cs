using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Tool.Tests.Support;

namespace TrainingPlatform.Tool.Tests;

/// <summary>
/// A scaling rule's <c>set</c> may set a pass-through key (<c>extra.KEY: VALUE</c>) or remove it (<c>extra.KEY: null</c>),
/// so that a rule following a different upstream script can drop what the primary script passes (dapo's 7B rule).
/// </summary>
public sealed class ScalingExtraTests
{
    private const string MyGrpo = """
        apiVersion: trainplat/v1
        id: my_grpo
        version: 1.0.0
        task: rlhf
        algorithm: grpo
        description: grpo_basic with pass-through keys the scaling rules change.
        source: test
        extends: grpo_basic
        config:
          model:
            path: Qwen/Qwen2.5-7B-Instruct
        scaling:
          - name: small
            when:
              max_params: 10B
            set:
              extra.data.gen_batch_size: 512
              extra.verl.trainer.val_before_train: null
          - name: large
            when:
              min_params: 34B
            set:
              extra.data.gen_batch_size: null
        extra:
          data.gen_batch_size: 1536
          verl:
            trainer:
              val_before_train: false

        """;

    [Fact]
    public void A_rule_sets_a_pass_through_key_and_explain_names_the_rule()
    {
        using var dir = new TempDir();
        dir.Write("my_grpo.yaml", MyGrpo);
        var r = CliRun.InProcess(dir.Path, "render", "my_grpo.yaml", "-s", "7B", "--explain");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(new Regex(@"\n  data\.gen_batch_size: 512 +# scaling rule 1 \(small\)\n"), r.Out);

        // The nested key is removed, and so is the map it leaves empty: an empty verl map would still be passed through.
        Assert.DoesNotContain("val_before_train", r.Out.Split("\n# removed ")[0], StringComparison.Ordinal);
        Assert.DoesNotContain("\n  verl:", r.Out, StringComparison.Ordinal);
        Assert.Contains("\n# removed extra.verl.trainer.val_before_train: scaling rule 1 (small)\n# memory per GPU", r.Out, StringComparison.Ordinal); // after the config, before the estimate

        // Where no rule touches it, the key keeps the recipe's value and origin.
        var mid = CliRun.InProcess(dir.Path, "render", "my_grpo.yaml", "-s", "14B", "--explain");
        Assert.True(mid.ExitCode == 0, mid.ToString());
        Assert.Matches(new Regex(@"\n  data\.gen_batch_size: 1536 +# recipe\n"), mid.Out);
        Assert.Contains("\n  verl:\n    trainer:\n      val_before_train: false\n", mid.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("# removed", mid.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_removes_a_pass_through_key_from_render_and_export()
    {
        using var dir = new TempDir();
        dir.Write("my_grpo.yaml", MyGrpo);
        var explained = CliRun.InProcess(dir.Path, "render", "my_grpo.yaml", "-s", "70B", "--explain");
        Assert.True(explained.ExitCode == 0, explained.ToString());
        Assert.DoesNotContain("\n  data.gen_batch_size:", explained.Out, StringComparison.Ordinal);
        Assert.Contains("\n# removed extra.data.gen_batch_size: scaling rule 2 (large)\n# memory per GPU", explained.Out, StringComparison.Ordinal);

        var json = JsonNode.Parse(CliRun.InProcess(dir.Path, "render", "my_grpo.yaml", "-s", "70B", "--format", "json").Out)!;
        Assert.Equal(["verl"], json["extra"]!.AsObject().Select(p => p.Key));

        var plain = CliRun.InProcess(dir.Path, "render", "my_grpo.yaml", "-s", "70B");
        Assert.DoesNotContain("# removed", plain.Out, StringComparison.Ordinal);

        var export = CliRun.InProcess(dir.Path, "export", "my_grpo.yaml", "-s", "70B", "--to", "verl");
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.DoesNotContain("gen_batch_size", export.Out, StringComparison.Ordinal);
        Assert.Contains("trainer.val_before_train=False", export.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Dapo_7B_generates_the_training_batch_like_test_dapo_7b_math_while_32B_keeps_1536_prompts()
    {
        using var dir = new TempDir();
        var small = CliRun.InProcess(dir.Path, "export", "dapo", "-s", "7B", "--to", "verl");
        Assert.True(small.ExitCode == 0, small.ToString());
        Assert.DoesNotContain("gen_batch_size", small.Out, StringComparison.Ordinal);
        Assert.Contains("data.train_batch_size=512", small.Out, StringComparison.Ordinal);

        var large = CliRun.InProcess(dir.Path, "export", "dapo", "-s", "32B", "--to", "verl");
        Assert.True(large.ExitCode == 0, large.ToString());
        Assert.Contains("data.gen_batch_size=1536", large.Out, StringComparison.Ordinal);

        var explained = CliRun.InProcess(dir.Path, "render", "dapo", "-s", "7B", "--explain");
        Assert.Contains("\n# removed extra.data.gen_batch_size: scaling rule 1 (7B-class models (under 10B))\n", explained.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_set_entry_naming_no_pass_through_key_or_a_null_the_key_does_not_allow_fails_validate_at_its_line_and_column()
    {
        const string recipe = """
            apiVersion: trainplat/v1
            id: bad_rule
            version: 1.0.0
            task: rlhf
            algorithm: grpo
            description: a rule with broken set entries
            source: test
            extends: grpo_basic
            config:
              model:
                path: Qwen/Qwen2.5-7B-Instruct
            scaling:
              - name: small
                when:
                  max_params: 10B
                set:
                  extra.: 512
                  extra:
                    data.gen_batch_size: 512
                  batch.global_batch_size: null
                  extra.data.gen_batch_size: null
            """;
        using var dir = new TempDir();
        dir.Write("bad_rule.yaml", recipe);
        var r = CliRun.InProcess(dir.Path, "validate", "bad_rule.yaml");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("bad_rule.yaml:17:7: error TP0208: scaling rule 'small' sets 'extra.', which names no pass-through key", r.Out, StringComparison.Ordinal);
        Assert.Contains("bad_rule.yaml:18:7: error TP0208: scaling rule 'small' sets 'extra', which names no pass-through key", r.Out, StringComparison.Ordinal);
        Assert.Contains("  hint: write one key per entry, e.g. `extra.data.gen_batch_size: 512`, or `extra.data.gen_batch_size: null` to remove it", r.Out, StringComparison.Ordinal);
        Assert.Contains("bad_rule.yaml:20:32: error TP0208: scaling rule 'small' sets batch.global_batch_size to null", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(":21:", r.Out, StringComparison.Ordinal);

        var render = CliRun.InProcess(dir.Path, "render", "bad_rule.yaml", "-s", "7B");
        Assert.Equal(2, render.ExitCode);

        dir.Write("bad_rule.yaml", string.Join('\n', recipe.Split('\n').Where((_, i) => i is < 16 or > 19)));
        var fixedRecipe = CliRun.InProcess(dir.Path, "validate", "--strict", "bad_rule.yaml");
        Assert.True(fixedRecipe.ExitCode == 0, fixedRecipe.ToString());
    }
}
