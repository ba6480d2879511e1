using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Tests.Validation;

/// <summary>TP0200 for online RL: verl's micro batch counts responses, its batches prompts (bound: mini x rollout_n).</summary>
public sealed class OnlineRlMicroBatchTests
{
    private static IReadOnlyList<Diagnostic> Validate(int micro, int rolloutN) =>
        RecipeValidator.ValidateRecipe(RecipeDocument.Parse($"""
            apiVersion: trainplat/v1
            id: lora_grpo
            version: 1.0.0
            task: rlhf
            algorithm: grpo
            description: verl's run_qwen2_5-3b_gsm8k_grpo_lora.sh batches
            source: test
            config:
              batch:
                global_batch_size: 16
                mini_batch_size: 16
                micro_batch_size_per_gpu: {micro}
              rl:
                rollout_n: {rolloutN}
            """, "lora_grpo.yaml"), RecipeRegistry.BuiltInOnly());

    [Fact]
    public void A_micro_batch_of_responses_larger_than_the_prompt_batch_is_valid_for_online_rl() =>
        Assert.DoesNotContain(Validate(micro: 40, rolloutN: 5), d => d.Code == DiagnosticCodes.MicroBatchTooLarge);

    [Fact]
    public void A_micro_batch_larger_than_the_responses_of_one_update_is_an_error()
    {
        var error = Assert.Single(Validate(micro: 81, rolloutN: 5), d => d.Code == DiagnosticCodes.MicroBatchTooLarge);
        Assert.Equal("micro_batch_size_per_gpu 81 is larger than the 80 responses of one policy update (16 prompts x rollout_n 5)", error.Message);
    }
}
