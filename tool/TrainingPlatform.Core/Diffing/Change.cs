using System.Text.Json.Nodes;
using TrainingPlatform.Core.Schema;

namespace TrainingPlatform.Core.Diffing;

public enum ChangeKind
{
    Added,
    Removed,
    Changed,
    TypeChanged,
}

/// <summary>
/// One difference between two configs at a dotted path (<c>optimizer.learning_rate</c>,
/// <c>extra.reward_fns[name=math].weight</c>, <c>extra.stages[2]</c>).
/// </summary>
/// <param name="Old">The left value; null when <see cref="Kind"/> is <see cref="ChangeKind.Added"/>.</param>
/// <param name="New">The right value; null when <see cref="Kind"/> is <see cref="ChangeKind.Removed"/>.</param>
/// <param name="Severity">The importance of the key changed: the schema's <c>x-importance</c> or a <c>trainplat.yaml</c> glob.</param>
/// <param name="Ratio">new / old, to 6 significant digits, when both are numbers and old is not 0.</param>
/// <param name="OrdersOfMagnitude">log10(new / old), to 6 significant digits, for <c>x-scale: log</c> keys when both are above 0.</param>
public sealed record Change(
    string Path,
    ChangeKind Kind,
    JsonNode? Old,
    JsonNode? New,
    Importance Severity,
    double? Ratio = null,
    double? OrdersOfMagnitude = null)
{
    /// <summary>The kind as the JSON output and the docs spell it: added, removed, changed, type_changed.</summary>
    public string KindName => Kind switch
    {
        ChangeKind.Added => "added",
        ChangeKind.Removed => "removed",
        ChangeKind.TypeChanged => "type_changed",
        _ => "changed",
    };
}
