using System.Text;

namespace TrainingPlatform.Core.Text;

/// <summary>Turns JSON pointers into the dotted paths people read (<c>config.optimizer.learning_rate</c>, <c>scaling[0].set</c>).</summary>
public static class PointerText
{
    public static IReadOnlyList<string> Tokens(string pointer) =>
        pointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
            .ToArray();

    public static string Dotted(string pointer)
    {
        var sb = new StringBuilder();
        foreach (var token in Tokens(pointer))
        {
            if (token.Length > 0 && token.All(char.IsAsciiDigit))
            {
                sb.Append('[').Append(token).Append(']');
            }
            else
            {
                if (sb.Length > 0)
                {
                    sb.Append('.');
                }

                sb.Append(token);
            }
        }

        return sb.Length == 0 ? "(top level)" : sb.ToString();
    }

    public static string Parent(string pointer)
    {
        var slash = pointer.LastIndexOf('/');
        return slash <= 0 ? "" : pointer[..slash];
    }

    public static string Last(string pointer)
    {
        var tokens = Tokens(pointer);
        return tokens.Count == 0 ? "" : tokens[^1];
    }

    public static string Child(string pointer, string token) =>
        pointer + "/" + token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
