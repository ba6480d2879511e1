using System.Globalization;
using System.Text;

namespace TrainingPlatform.Tool.Output;

/// <summary>
/// User text (names, tags, notes, metric names, descriptions, file names) made safe for a terminal in text output:
/// control characters (C0, DEL, C1) and bidirectional overrides become visible escapes (<c>\n</c>, <c>\x1b</c>,
/// <c>\u202e</c>), so a job name can neither colour nor move the cursor, forge a line, or reorder what follows.
/// JSON output keeps the exact string (JSON's own escaping covers these characters).
/// </summary>
internal static class TerminalText
{
    public static string Escape(string? text)
    {
        if (text is null)
        {
            return "";
        }

        var i = 0;
        while (i < text.Length && !NeedsEscape(text[i]))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 8).Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c))
            {
                sb.Append(c);
                continue;
            }

            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < '\u0100' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }

        return sb.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c < ' ' || c is (>= '\u007f' and <= '\u009f') or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');
}
