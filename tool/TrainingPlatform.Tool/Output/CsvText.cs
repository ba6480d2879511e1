using System.Globalization;
using System.Text;

namespace TrainingPlatform.Tool.Output;

/// <summary>
/// CSV as RFC 4180 has it: comma-separated, a field quoted (quotes doubled) when it holds a comma, quote, CR or LF, lines
/// ending in LF (not the RFC's CRLF: every reader accepts it, and the rest of the output is LF). Numbers are invariant and
/// round-trip; NaN and infinities are written <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c> as in the JSON output.
/// </summary>
internal sealed class CsvText(TextWriter output)
{
    private readonly StringBuilder _line = new();

    public void Row(params IEnumerable<string?> fields)
    {
        _line.Clear();
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                _line.Append(',');
            }

            first = false;
            Append(field ?? "");
        }

        _line.Append('\n');
        output.Write(_line);
    }

    public static string Number(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "Infinity" : double.IsNegativeInfinity(v) ? "-Infinity" : v.ToString("R", CultureInfo.InvariantCulture);

    public static string Number(long v) => v.ToString(CultureInfo.InvariantCulture);

    private void Append(string field)
    {
        if (field.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            _line.Append(field);
            return;
        }

        _line.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
