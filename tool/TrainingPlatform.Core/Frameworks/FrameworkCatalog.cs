using System.Collections.Concurrent;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>The key trees of the framework releases the tool knows, read once from the embedded catalog files.</summary>
public static class FrameworkCatalog
{
    private static readonly ConcurrentDictionary<string, KeyTree> Trees = new(StringComparer.Ordinal);

    /// <summary>The TRL config classes in the catalog, in catalog order (not including <c>_BaseConfig</c>).</summary>
    public static readonly IReadOnlyList<string> TrlClasses =
        ["SFTConfig", "DPOConfig", "GRPOConfig", "RewardConfig", "RLOOConfig", "KTOConfig", "ORPOConfig", "CPOConfig", "PPOConfig"];

    /// <summary>
    /// verl's flattened trainer config at <paramref name="release"/>, FSDP or Megatron; with <paramref name="dapo"/> at
    /// a release whose DAPO entry point adds keys (0.7.0: <c>recipe.dapo.main_dapo</c>), those keys too.
    /// </summary>
    public static KeyTree Verl(string release, bool megatron, bool dapo = false) =>
        Trees.GetOrAdd($"verl {release} {(megatron ? "megatron" : "fsdp")}{(dapo ? " dapo" : "")}", name =>
        {
            var tree = KeyTree.Parse(name, KeyTree.Resource($"verl-{release}-{(megatron ? "megatron" : "fsdp")}.tsv"), "key");
            if (dapo && VerlDapoExtraFile(release) is { } extra)
            {
                var file = megatron ? "dapo_megatron_trainer.yaml" : "dapo_trainer.yaml";
                tree = tree.With(KeyTree.Parse(name, KeyTree.Resource(extra), "key", row => row["file"] == file), name);
            }

            return tree;
        });

    /// <summary>True when DAPO at <paramref name="release"/> runs through its own entry point with extra keys.</summary>
    public static bool VerlHasDapoEntryPoint(string release) => VerlDapoExtraFile(release) is not null;

    /// <summary>
    /// The fields a TRL config class accepts at <paramref name="release"/>: its own, <c>_BaseConfig</c>'s and every field of
    /// transformers' TrainingArguments. <c>ModelConfig</c> gives only its own fields (the TRL command line accepts them beside
    /// the trainer's config).
    /// </summary>
    public static KeyTree Trl(string release, string configClass) =>
        Trees.GetOrAdd($"trl {release} {configClass}", name =>
        {
            var text = KeyTree.Resource($"trl-{release}.tsv");
            var own = KeyTree.Parse(name, text, "field", row => row["class"] == configClass);
            if (configClass == "ModelConfig")
            {
                return own;
            }

            var training = KeyTree.Parse(name, KeyTree.Resource("transformers-training-args.tsv"), "field");
            var base_ = KeyTree.Parse(name, text, "field", row => row["class"] == "_BaseConfig");
            return training.With(base_, name).With(own, name);
        });

    private static string? VerlDapoExtraFile(string release) => release == "0.7.0" ? "verl-0.7.0-dapo-extra.tsv" : null;
}
