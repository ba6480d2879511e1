using System.Globalization;
using System.Text;

namespace TrainingPlatform.Tool.Output;

/// <summary>
/// Every aligned table the CLI prints: columns two spaces apart, each as wide as its widest cell
/// (by terminal columns, so wide CJK characters and combining marks line up), trailing spaces trimmed.
/// </summary>
internal sealed class TextTable
{
    private readonly string[]? _header;
    private readonly List<string[]> _rows = [];

    /// <param name="header">The column titles, or none for a table without a header line.</param>
    public TextTable(params string[] header)
    {
        _header = header.Length > 0 ? header : null;
    }

    /// <summary>Written before every line (e.g. four spaces for a table nested under a field).</summary>
    public string Indent { get; init; } = "";

    /// <summary>Columns at least this wide even when every cell is shorter (a status column sized for its longest word).</summary>
    public IReadOnlyList<int> MinWidths { get; init; } = [];

    public int Count => _rows.Count;

    /// <summary>Adds a row; control characters in a cell are shown escaped (<see cref="TerminalText"/>).</summary>
    public TextTable Add(params string[] cells)
    {
        _rows.Add([.. cells.Select(TerminalText.Escape)]);
        return this;
    }

    /// <summary>The header line (null without a header), aligned with <see cref="Rows"/>.</summary>
    public string? Header => _header is null ? null : Line(_header, Widths());

    /// <summary>The aligned rows, without the header.</summary>
    public IReadOnlyList<string> Rows()
    {
        var widths = Widths();
        return [.. _rows.Select(r => Line(r, widths))];
    }

    /// <summary>Header (if any) and rows, one line each; <paramref name="header"/> styles the header line (bold).</summary>
    public void Write(TextWriter output, Func<string, string>? header = null)
    {
        var widths = Widths();
        var sb = new StringBuilder();
        if (_header is not null)
        {
            var line = Line(_header, widths);
            sb.Append(header is null ? line : header(line)).Append(output.NewLine);
        }

        foreach (var row in _rows)
        {
            sb.Append(Line(row, widths)).Append(output.NewLine);
        }

        output.Write(sb.ToString());
    }

    private int[] Widths()
    {
        var columns = Math.Max(_header?.Length ?? 0, _rows.Count == 0 ? 0 : _rows.Max(r => r.Length));
        var widths = new int[columns];
        for (var c = 0; c < columns; c++)
        {
            widths[c] = c < MinWidths.Count ? MinWidths[c] : 0;
        }

        foreach (var row in _header is null ? _rows : _rows.Prepend(_header))
        {
            for (var c = 0; c < row.Length; c++)
            {
                widths[c] = Math.Max(widths[c], DisplayWidth(row[c]));
            }
        }

        return widths;
    }

    private string Line(string[] cells, int[] widths)
    {
        var sb = new StringBuilder(Indent);
        for (var c = 0; c < cells.Length; c++)
        {
            if (c > 0)
            {
                sb.Append("  ");
            }

            sb.Append(cells[c]);
            if (c < cells.Length - 1)
            {
                sb.Append(' ', widths[c] - DisplayWidth(cells[c]));
            }
        }

        return sb.ToString().TrimEnd();
    }

    /// <summary>
    /// Terminal columns a string takes: combining marks and format characters none, East Asian wide and
    /// full-width characters and emoji two, everything else one (Unicode UAX #11, as wcwidth does).
    /// </summary>
    public static int DisplayWidth(string text)
    {
        var simple = true;
        foreach (var ch in text)
        {
            if (ch >= '\u0300')
            {
                simple = false;
                break;
            }
        }

        if (simple)
        {
            return text.Length;
        }

        var width = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            width += RuneWidth(rune);
        }

        return width;
    }

    private static int RuneWidth(Rune rune)
    {
        var category = Rune.GetUnicodeCategory(rune);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format)
        {
            return 0;
        }

        var v = rune.Value;
        return v is (>= 0x1100 and <= 0x115F) // Hangul Jamo initials
            or (>= 0x2E80 and <= 0x303E) // CJK radicals, punctuation
            or (>= 0x3041 and <= 0x33FF) // kana, CJK compatibility
            or (>= 0x3400 and <= 0x4DBF) // CJK extension A
            or (>= 0x4E00 and <= 0x9FFF) // CJK unified ideographs
            or (>= 0xA000 and <= 0xA4CF) // Yi
            or (>= 0xAC00 and <= 0xD7A3) // Hangul syllables
            or (>= 0xF900 and <= 0xFAFF) // CJK compatibility ideographs
            or (>= 0xFE30 and <= 0xFE4F) // CJK compatibility forms
            or (>= 0xFF00 and <= 0xFF60) // full-width forms
            or (>= 0xFFE0 and <= 0xFFE6)
            or (>= 0x1F300 and <= 0x1F64F) // emoji, pictographs
            or (>= 0x1F680 and <= 0x1F6FF) // transport and map symbols
            or (>= 0x1F900 and <= 0x1FAFF) // supplemental symbols and pictographs
            or (>= 0x20000 and <= 0x3FFFD) // CJK extensions B and beyond
            ? 2
            : 1;
    }
}
