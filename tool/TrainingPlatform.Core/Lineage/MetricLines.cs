using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace TrainingPlatform.Core.Lineage;

/// <summary>A line of <c>metrics log --stdin</c> that records nothing, and why: <c>&lt;stdin&gt;:LINE:COLUMN: message</c>.</summary>
public sealed record MetricLineProblem(long Line, int Column, string Message);

/// <summary>
/// The lines <c>trainplat metrics log JOB --stdin</c> reads, one training step per line:
/// <code>
/// STEP name=value [name=value …]      e.g.  100 loss=0.42 reward=0.61
/// step=STEP name=value [name=value …]       step=100 loss=0.42 reward=0.61
/// </code>
/// Words are separated by spaces or tabs; a line may end in <c>\r\n</c>. A blank line, or one whose first non-blank
/// character is <c>#</c>, is skipped. The step follows the rule of a metrics file (a whole number ≥ 0; <c>10.0</c> is 10).
/// Each pair splits at its last <c>=</c>, as <c>metrics log … name=value</c> does: a name follows
/// <see cref="MetricsFile.NameProblem"/> (and, here, has no space or tab), each once per line; a value is a number in
/// invariant form, or <c>nan</c>, <c>inf</c>, <c>infinity</c> in any case with a sign. A line with any problem records
/// nothing. Reuse one instance for a stream: it keeps the names of the previous line, so a trainer that logs the same
/// metrics every step parses without allocating a name.
/// </summary>
public sealed class MetricLines
{
    private readonly Dictionary<string, string> _interned = new(StringComparer.Ordinal);
    private readonly List<(byte[] Utf8, string Name)> _previous = [];

    /// <summary>
    /// Appends the points of <paramref name="line"/> (without its <c>\n</c>) to <paramref name="into"/>, each at
    /// <paramref name="time"/>; returns the problem instead (nothing appended) when the line is bad. A blank line or
    /// a comment appends nothing and returns null.
    /// </summary>
    public MetricLineProblem? Parse(ReadOnlySpan<byte> line, long number, DateTimeOffset time, List<MetricPoint> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (!Utf8.IsValid(line))
        {
            var valid = 0;
            while (Rune.DecodeFromUtf8(line[valid..], out _, out var used) == System.Buffers.OperationStatus.Done)
            {
                valid += used;
            }

            return Problem(line, number, valid, $"byte 0x{line[valid]:X2} is not valid UTF-8; write the line as UTF-8");
        }

        var at = Skip(line, 0);
        var end = line.Length;
        while (end > at && line[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            end--;
        }

        if (at == end || line[at] == (byte)'#')
        {
            return null;
        }

        var stepEnd = Word(line, at, end);
        var stepText = line[at..stepEnd];
        var stepAt = at;
        if (stepText.Length > 5 && System.Text.Ascii.EqualsIgnoreCase(stepText[..5], "step="u8))
        {
            stepText = stepText[5..];
            stepAt += 5;
        }

        if (!MetricsFile.TryStep(stepText, out var step))
        {
            return stepText.IndexOf((byte)'=') >= 0
                ? Problem(line, number, at, $"the line starts with {Text(line[at..stepEnd])}, not the step: write `STEP name=value …`, e.g. `100 loss=0.42`")
                : Problem(line, number, stepAt, $"the step {Text(stepText)} is not a whole number ≥ 0");
        }

        var start = into.Count;
        var pair = 0;
        at = Skip(line, stepEnd);
        while (at < end)
        {
            var wordEnd = Word(line, at, end);
            var word = line[at..wordEnd];
            var eq = word.LastIndexOf((byte)'=');
            if (eq <= 0 || eq == word.Length - 1)
            {
                return Undo(into, start, Problem(line, number, at, $"{Text(word)} is not name=value"));
            }

            var name = Name(word[..eq], pair);
            if (MetricsFile.NameProblem(name) is { } nameProblem)
            {
                return Undo(into, start, Problem(line, number, at, nameProblem));
            }

            for (var i = start; i < into.Count; i++)
            {
                if (ReferenceEquals(into[i].Name, name))
                {
                    return Undo(into, start, Problem(line, number, at, $"metric '{name}' is given twice on this line; give each name once per step"));
                }
            }

            if (!MetricsFile.TryNumber(word[(eq + 1)..], out var value))
            {
                return Undo(into, start, Problem(line, number, at + eq + 1, $"{Text(word)}: {Text(word[(eq + 1)..])} is not a number (NaN and inf are accepted)"));
            }

            into.Add(new MetricPoint(step, name, value, time));
            pair++;
            at = Skip(line, wordEnd);
        }

        return pair == 0
            ? Problem(line, number, end, $"step {step.ToString(CultureInfo.InvariantCulture)} has no name=value after it")
            : null;
    }

    /// <summary>The name at this position of the line, the same string as on the previous line when the bytes match.</summary>
    private string Name(ReadOnlySpan<byte> utf8, int position)
    {
        if (position < _previous.Count && utf8.SequenceEqual(_previous[position].Utf8))
        {
            return _previous[position].Name;
        }

        var decoded = Encoding.UTF8.GetString(utf8);
        if (!_interned.TryGetValue(decoded, out var name))
        {
            name = decoded;
            if (_interned.Count < 100_000)
            {
                _interned.Add(name, name);
            }
        }

        var entry = (utf8.ToArray(), name);
        if (position < _previous.Count)
        {
            _previous[position] = entry;
        }
        else if (position == _previous.Count)
        {
            _previous.Add(entry);
        }

        return name;
    }

    private static MetricLineProblem Undo(List<MetricPoint> into, int start, MetricLineProblem problem)
    {
        into.RemoveRange(start, into.Count - start);
        return problem;
    }

    private static MetricLineProblem Problem(ReadOnlySpan<byte> line, long number, int byteOffset, string message) =>
        new(number, Encoding.UTF8.GetCharCount(line[..byteOffset]) + 1, message);

    private static string Text(ReadOnlySpan<byte> utf8) => MetricsFile.Show(Encoding.UTF8.GetString(utf8));

    private static int Skip(ReadOnlySpan<byte> line, int at)
    {
        while (at < line.Length && line[at] is (byte)' ' or (byte)'\t')
        {
            at++;
        }

        return at;
    }

    private static int Word(ReadOnlySpan<byte> line, int at, int end)
    {
        while (at < end && line[at] is not ((byte)' ' or (byte)'\t'))
        {
            at++;
        }

        return at;
    }
}
