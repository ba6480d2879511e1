using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Tests.Validation;

/// <summary>
/// The size-independent pre-flight checks also run in <c>validate</c>, on the recipe's own values, at the value's line and
/// column: each is triggered by a broken value and stays quiet on the upstream example's value.
/// </summary>
public sealed class OnlineRlRuleTests
{
    private static IReadOnlyList<Diagnostic> Validate(string algorithm, string config, string scaling = "") =>
        RecipeValidator.ValidateRecipe(RecipeDocument.Parse($"""
            apiVersion: trainplat/v1
            id: online
            version: 1.0.0
            task: rlhf
            algorithm: {algorithm}
            description: test
            source: test
            config:
            {config}
            {scaling}
            """, "online.yaml"), RecipeRegistry.BuiltInOnly());

    private static Diagnostic Only(IReadOnlyList<Diagnostic> found, string code)
    {
        Assert.True(found.All(d => d.Code == code), string.Join("; ", found.Select(d => $"{d.Code} {d.Message}")));
        return Assert.Single(found);
    }

    [Theory]
    [InlineData("grpo")]
    [InlineData("dapo")]
    [InlineData("rloo")]
    public void A_group_of_one_is_reported_at_the_rollout_n_value(string algorithm)
    {
        var d = Only(Validate(algorithm, """
              rl:
                rollout_n: 1
            """), DiagnosticCodes.GroupTooSmall);
        Assert.Equal(("online.yaml", 10, 16, "/config/rl/rollout_n"), (d.File, d.Line, d.Column, d.Pointer));
        Assert.True(d.IsError);
    }

    [Fact]
    public void A_scaling_rule_that_sets_a_group_of_one_is_reported_at_its_value()
    {
        var d = Only(Validate("grpo", """
              rl:
                rollout_n: 8
            """, """
            scaling:
              - name: big
                when:
                  min_params: 30B
                set:
                  rl.rollout_n: 1
            """), DiagnosticCodes.GroupTooSmall);
        Assert.Equal((16, 21, "/scaling/0/set/rl.rollout_n"), (d.Line, d.Column, d.Pointer));
    }

    [Fact]
    public void Ppo_with_one_completion_per_prompt_and_grpo_with_a_group_pass() =>
        Assert.Empty(Validate("ppo", "  rl:\n    rollout_n: 1").Concat(Validate("grpo", "  rl:\n    rollout_n: 16")));

    [Fact]
    public void An_overlong_buffer_longer_than_the_response_is_an_error_and_dapos_4096_of_20480_passes()
    {
        const string config = """
              data:
                max_response_length: 20480
              rl:
                rollout_n: 16
                overlong_buffer_length: BUFFER
            """;
        var d = Only(Validate("dapo", config.Replace("BUFFER", "30000", StringComparison.Ordinal)), DiagnosticCodes.OverlongBufferTooLong);
        Assert.Equal("/config/rl/overlong_buffer_length", d.Pointer);
        Assert.Empty(Validate("dapo", config.Replace("BUFFER", "4096", StringComparison.Ordinal)));
    }

    [Fact]
    public void Verl_sequence_parallel_without_remove_padding_is_an_error_and_daposs_sp_8_with_it_passes()
    {
        const string config = """
              model:
                use_remove_padding: PADDING
              rl:
                rollout_n: 16
              parallelism:
                sequence_parallel_size: 8
            """;
        var d = Only(Validate("dapo", config.Replace("PADDING", "false", StringComparison.Ordinal)), DiagnosticCodes.SequenceParallelNeedsRemovePadding);
        Assert.Equal("/config/parallelism/sequence_parallel_size", d.Pointer);
        Assert.Empty(Validate("dapo", config.Replace("PADDING", "true", StringComparison.Ordinal)));

        // Megatron does not use Ulysses SP, so the rule is verl FSDP's only.
        Assert.Empty(Validate("dapo", config.Replace("PADDING", "false", StringComparison.Ordinal) + "\n    strategy: megatron"));
    }

    [Fact]
    public void Trl_grpo_refuses_sequence_and_context_parallelism_and_accepts_one()
    {
        const string config = """
              trainer:
                framework: trl
              rl:
                rollout_n: 8
              parallelism:
                KEY: SIZE
            """;
        foreach (var key in new[] { "sequence_parallel_size", "context_parallel_size" })
        {
            var broken = config.Replace("KEY", key, StringComparison.Ordinal).Replace("SIZE", "2", StringComparison.Ordinal);
            Assert.Equal("/config/parallelism/" + key, Only(Validate("grpo", broken), DiagnosticCodes.TrlSequenceParallel).Pointer);
            Assert.Empty(Validate("grpo", config.Replace("KEY", key, StringComparison.Ordinal).Replace("SIZE", "1", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void The_generation_batch_counts_completions_for_trl_and_prompts_for_verl()
    {
        const string config = """
              trainer:
                framework: FRAMEWORK
              batch:
                generation_batch_size: 100
              rl:
                rollout_n: 16
            """;
        var d = Only(Validate("grpo", config.Replace("FRAMEWORK", "trl", StringComparison.Ordinal)), DiagnosticCodes.GenerationBatchVsGroup);
        Assert.Equal("/config/batch/generation_batch_size", d.Pointer);

        // verl's data.gen_batch_size is prompts: any count makes whole groups.
        Assert.Empty(Validate("grpo", config.Replace("FRAMEWORK", "verl", StringComparison.Ordinal)));
        Assert.Empty(Validate("grpo", config.Replace("FRAMEWORK", "trl", StringComparison.Ordinal).Replace("100", "128", StringComparison.Ordinal)));
    }
}
