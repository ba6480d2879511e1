using System.Text;
using TrainingPlatform.Core.Resolution;

namespace TrainingPlatform.Core.Rendering;

/// <summary>
/// For <c>render --explain</c>: the pass-through keys a scaling rule removed (<c>extra.KEY: null</c>). A removed key has no
/// line of its own in the config to carry its origin, so each gets a comment line naming the rule.
/// </summary>
public static class RemovedKeysNote
{
    public static string Yaml(ResolvedConfig r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder();
        foreach (var (path, origin) in r.RemovedExtra.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append("# removed ").Append(path).Append(": ").Append(origin.Text).Append('\n');
        }

        return sb.ToString();
    }
}
