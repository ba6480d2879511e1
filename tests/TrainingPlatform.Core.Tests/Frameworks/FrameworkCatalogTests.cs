using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Frameworks;

namespace TrainingPlatform.Core.Tests.Frameworks;

public sealed class FrameworkCatalogTests
{
    [Theory]
    [InlineData("verl", "verl@0.9.0")]
    [InlineData("verl@0.7", "verl@0.7.0")]
    [InlineData("VERL@0.9.0", "verl@0.9.0")]
    [InlineData("trl", "trl@1.9.0")]
    [InlineData("trl@1.9", "trl@1.9.0")]
    public void Targets_parse_with_the_newest_release_as_default(string text, string expected) =>
        Assert.Equal(expected, FrameworkTarget.Parse(text).ToString());

    [Theory]
    [InlineData("torchtune", "unknown framework 'torchtune'")]
    [InlineData("verl@0.8", "verl release '0.8' is not in the catalog")]
    [InlineData("verl@0.9.1", "verl release '0.9.1' is not in the catalog")]
    public void Unknown_targets_name_what_exists(string text, string message)
    {
        var error = Assert.Throws<UserErrorException>(() => FrameworkTarget.Parse(text));
        Assert.Equal(message, error.Message);
        Assert.Contains("verl@0.7.0", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Verl_trees_hold_the_release_keys_with_their_types()
    {
        var fsdp = FrameworkCatalog.Verl("0.9.0", megatron: false);
        Assert.Equal(new FrameworkKey("actor_rollout_ref.actor.optim.lr", "float", "1e-06"), fsdp.Find("actor_rollout_ref.actor.optim.lr"));
        Assert.Contains("483b8a009ba3", fsdp.Source, StringComparison.Ordinal);
        Assert.True(fsdp.Contains("algorithm.filter_groups.enable"));
        Assert.False(fsdp.Contains("actor_rollout_ref.actor.megatron.tensor_model_parallel_size"));
        Assert.True(FrameworkCatalog.Verl("0.9.0", megatron: true).Contains("actor_rollout_ref.actor.megatron.tensor_model_parallel_size"));
    }

    [Fact]
    public void The_dapo_entry_point_adds_its_keys_at_0_7_only()
    {
        Assert.False(FrameworkCatalog.Verl("0.7.0", megatron: false).Contains("reward_model.overlong_buffer.len"));
        Assert.True(FrameworkCatalog.Verl("0.7.0", megatron: false, dapo: true).Contains("reward_model.overlong_buffer.len"));
        Assert.True(FrameworkCatalog.Verl("0.7.0", megatron: true, dapo: true).Contains("data.gen_batch_size"));
        Assert.True(FrameworkCatalog.VerlHasDapoEntryPoint("0.7.0"));
        Assert.False(FrameworkCatalog.VerlHasDapoEntryPoint("0.9.0"));
    }

    [Fact]
    public void Trl_classes_accept_their_fields_the_base_config_and_training_arguments()
    {
        var grpo = FrameworkCatalog.Trl("1.9.0", "GRPOConfig");
        Assert.True(grpo.Contains("num_generations"));
        Assert.True(grpo.Contains("per_device_train_batch_size"));
        Assert.True(grpo.Contains("use_liger_kernel"));
        Assert.False(grpo.Contains("beta_dpo_only_field_that_does_not_exist"));
        Assert.Equal("10", grpo.Find("logging_steps")!.Default);
        Assert.False(FrameworkCatalog.Trl("1.9.0", "SFTConfig").Contains("num_generations"));
        Assert.True(FrameworkCatalog.Trl("1.9.0", "ModelConfig").Contains("lora_r"));
        Assert.False(FrameworkCatalog.Trl("1.9.0", "ModelConfig").Contains("learning_rate"));
    }
}
