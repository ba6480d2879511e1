using System.Globalization;
using System.Security;
using System.Text;

namespace TrainingPlatform.Core.Reporting;

/// <summary>Text and numbers as written into the report's SVG: escaped, culture-free and short.</summary>
internal static class SvgText
{
    /// <summary>
    /// <paramref name="text"/> safe as element text and as a quoted attribute value, in HTML and in XML: characters XML
    /// cannot hold at all (C0 controls other than tab and newlines, lone surrogates, U+FFFE/U+FFFF) become U+FFFD,
    /// then <c>&lt; &gt; &amp; &quot; &apos;</c> are escaped.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SecurityElement.Escape(XmlSafe(text));
    }

    /// <summary>A coordinate rounded to one decimal, without a trailing <c>.0</c> and never <c>-0</c>.</summary>
    public static string Coordinate(double value)
    {
        var rounded = Math.Round(value, 1, MidpointRounding.AwayFromZero);
        return rounded == 0 ? "0" : rounded.ToString("0.#", CultureInfo.InvariantCulture);
    }

    /// <summary>An integer in invariant digits.</summary>
    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// At most <paramref name="max"/> characters of <paramref name="text"/>: longer texts keep <c>max - 1</c> characters
    /// (never half a surrogate pair) and end with <c>…</c>.
    /// </summary>
    public static string Truncate(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var cut = max - 1;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), "…");
    }

    private static string XmlSafe(string text)
    {
        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = c >= ' ' ? c is not ('\uFFFE' or '\uFFFF') : c is '\t' or '\n' or '\r';
            var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (char.IsSurrogate(c) && !pair)
            {
                ok = false;
            }

            if (!ok)
            {
                sb ??= new StringBuilder(text, 0, i, text.Length);
                sb.Append('\uFFFD');
                continue;
            }

            sb?.Append(c);
            if (pair)
            {
                sb?.Append(text[i + 1]);
                i++;
            }
        }

        return sb?.ToString() ?? text;
    }
}
