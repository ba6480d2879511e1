using System.Text.Json.Nodes;
using TrainingPlatform.Core.Frameworks;

namespace TrainingPlatform.Core.Diffing;

/// <summary>
/// A framework's own launch file as a diff operand: a verl launch script, Hydra overrides.yaml or overrides file, mapped
/// to trainplat keys (verl's defaults where the file sets none) so that the schema's severities apply to it.
/// </summary>
public static class DialectOperand
{
    public const string Verl = "verl";

    public const string Trl = "trl";

    /// <summary>The values <c>--as</c> takes: verl, trl (trainer guessed from the fields), trl:TRAINER.</summary>
    public static readonly IReadOnlyList<string> Dialects = [Verl, Trl, .. TrlImport.Trainers.Select(t => Trl + ":" + t)];

    /// <summary>
    /// A TRL config as a diff operand: its fields read back into trainplat keys the way <c>import trl</c> reads them (the
    /// trainer from <c>trl:TRAINER</c>, else guessed from the fields), TRL fields with no trainplat key under <c>extra.trl</c>.
    /// </summary>
    public static DiffOperand? ParseTrl(string content, string operandText, OperandKind kind, string label, string? trainer, out DiffFailure? failure)
    {
        failure = null;
        if (trainer is null)
        {
            var tree = Yaml.YamlTreeReader.Parse(content, label);
            trainer = tree.Root is JsonObject root ? TrlImport.GuessTrainer(root) : null;
            if (trainer is null)
            {
                failure = new DiffFailure($"{label} is not a TRL config whose trainer can be told from its fields",
                    "name the trainer: --as trl:sft|dpo|grpo|reward|orpo|cpo");
                return null;
            }
        }

        var config = TrlImport.ReadConfig(content, label, trainer);
        return new DiffOperand(operandText, kind, $"{label} (trl {trainer})", config, false) { Dialect = Trl };
    }

    /// <summary>
    /// Whether text that is no YAML/JSON mapping is a verl launch file: a script running verl, a YAML list of overrides,
    /// or lines that are all <c>key=value</c> overrides.
    /// </summary>
    public static bool LooksLikeVerl(string content, string label)
    {
        var launch = LaunchScript.Parse(content, label);
        return launch.Overrides.Count > 0 && (launch.Kind != LaunchFileKind.OverridesFile || launch.Warnings.Count == 0);
    }

    public static DiffOperand? Parse(string content, string operandText, OperandKind kind, string label, out DiffFailure? failure)
    {
        failure = null;
        if (LaunchScript.Parse(content, label).Overrides.Count == 0)
        {
            failure = new DiffFailure($"{label} sets no verl keys", "give a verl launch script, a run's .hydra/overrides.yaml or a file with one key=value per line");
            return null;
        }

        var (config, withDefaults, variant, _) = VerlImport.ReadConfig(content, label);
        return new DiffOperand(operandText, kind, label + " (verl)", config, false) { Dialect = Verl, DialectDefaults = withDefaults, VerlVariant = variant };
    }

    /// <summary>
    /// The verl operand with verl's own value (the default, or what the file's other keys imply) for every trainplat key the
    /// other side sets and the file does not: a recipe's value is then compared with what verl would run, not reported as removed.
    /// </summary>
    public static DiffOperand FilledFrom(DiffOperand operand, JsonNode other)
    {
        if (operand.DialectDefaults is not { } defaults || other is not JsonObject otherSections)
        {
            return operand;
        }

        var tree = (JsonObject)operand.Tree.DeepClone();
        var implied = operand.VerlVariant is { } variant ? VerlImport.Implied(otherSections, variant) : new HashSet<string>();
        foreach (var (section, fields) in otherSections)
        {
            if (section == "extra" || fields is not JsonObject otherFields)
            {
                continue;
            }

            foreach (var (name, value) in otherFields)
            {
                if ((tree[section] as JsonObject)?.ContainsKey(name) == true)
                {
                    continue;
                }

                if (implied.Contains(section + "." + name))
                {
                    ((JsonObject)(tree[section] ??= new JsonObject()))[name] = value?.DeepClone();
                }
                else if (defaults[section] is JsonObject known && known.ContainsKey(name))
                {
                    if (tree[section] is not JsonObject target)
                    {
                        target = new JsonObject();
                        tree[section] = target;
                    }

                    target[name] = known[name]?.DeepClone();
                }
            }
        }

        return operand with { Tree = tree };
    }

    /// <summary>A verl operand beside a recipe file: its config goes under <c>config</c> (and <c>extra</c> at the top) to line up.</summary>
    public static DiffOperand AsRecipeLayout(DiffOperand operand)
    {
        var tree = (JsonObject)operand.Tree.DeepClone();
        var extra = tree["extra"];
        tree.Remove("extra");
        var wrapped = new JsonObject { ["config"] = tree };
        if (extra is not null)
        {
            wrapped["extra"] = extra.DeepClone();
        }

        return operand with { Tree = wrapped, TrainplatLayout = true };
    }
}
