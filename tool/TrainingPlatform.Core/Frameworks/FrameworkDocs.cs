using System.Text;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>
/// docs/frameworks.md, generated from the mapping tables themselves (a test keeps the committed file current), so the
/// documentation cannot drift from what <c>export</c> and <c>import</c> do.
/// </summary>
public static class FrameworkDocs
{
    /// <summary>The TRL config classes export writes, by the recipe algorithms that use them.</summary>
    private static readonly (string Class, string Algorithms)[] TrlClasses =
    [
        ("SFTConfig", "sft, lora, qlora (with ModelConfig's PEFT fields)"),
        ("DPOConfig", "dpo"),
        ("CPOConfig", "simpo (`loss_type: simpo`, `cpo_alpha: 0`)"),
        ("ORPOConfig", "orpo"),
        ("RewardConfig", "reward_model"),
        ("GRPOConfig", "grpo, dapo"),
    ];

    public static string Markdown()
    {
        var text = new StringBuilder();
        text.Append("""
            # Framework mappings: trainplat keys ↔ verl and TRL

            Generated from the tool's own mapping tables (`Core/Frameworks/VerlMapping.cs`, `TrlMapping.cs`); a test fails when
            this file is not current. To regenerate: `TRAINPLAT_APPROVE=1 dotnet test tests/TrainingPlatform.Core.Tests --filter FrameworkDocsTests`.

            `trainplat export ID --to verl[@0.7|@0.9]|trl` writes these keys; `trainplat import verl|trl FILE` reads them back.
            Every key written is checked against the release's key tree, embedded from `catalog/frameworks/` (upstream tag and
            commit in each file's first line). A trainplat key with no counterpart in the target is a warning (TP0500), never
            dropped silently; `extra.verl.*` and `extra.trl.*` pass through as written, checked against the tree too.


            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        foreach (var release in FrameworkTarget.Known.Where(t => t.Framework == Framework.Verl).Select(t => t.Release))
        {
            foreach (var megatron in new[] { false, true })
            {
                var tree = FrameworkCatalog.Verl(release, megatron);
                text.Append("## verl ").Append(release).Append(megatron ? " (Megatron)" : " (FSDP)").Append("\n\n");
                text.Append("Key tree: ").Append(tree.Source.TrimEnd('.')).Append("; ").Append(tree.Keys.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .Append(" keys. Entry point `python3 -m verl.trainer.main_ppo`")
                    .Append(FrameworkCatalog.VerlHasDapoEntryPoint(release) ? "; DAPO runs through `python3 -m recipe.dapo.main_dapo`, whose config adds its keys." : ".")
                    .Append("\n\n| trainplat | verl | conversion |\n|---|---|---|\n");
                foreach (var row in VerlMappings.Rows(release, megatron))
                {
                    text.Append("| ").Append(Cell(row.Trainplat)).Append(" | ").Append(Cell(row.VerlKeys)).Append(" | ").Append(Cell(row.Conversion, code: false)).Append(" |\n");
                }

                text.Append('\n');
            }
        }

        foreach (var target in FrameworkTarget.Known.Where(t => t.Framework == Framework.Trl))
        {
            foreach (var (configClass, algorithms) in TrlClasses)
            {
                text.Append("## TRL ").Append(target.Release).Append(' ').Append(configClass).Append("\n\n")
                    .Append("Used for: ").Append(algorithms).Append(". Keys: the fields of `").Append(configClass)
                    .Append("`, of transformers' `TrainingArguments`, of `ModelConfig` and of TRL's script arguments.\n\n")
                    .Append("| trainplat | TRL | conversion |\n|---|---|---|\n");
                foreach (var row in TrlExport.MappingRows(configClass))
                {
                    text.Append("| ").Append(Cell(row.TrainplatKey)).Append(" | ").Append(Cell(row.TrlField)).Append(" | ").Append(Cell(row.Conversion, code: false)).Append(" |\n");
                }

                text.Append('\n');
            }
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    private static string Cell(string text, bool code = true)
    {
        var escaped = text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        return !code || escaped.Length == 0 || escaped.StartsWith('(') ? escaped
            : string.Join(", ", escaped.Split(", ").Select(k => "`" + k + "`"));
    }
}
