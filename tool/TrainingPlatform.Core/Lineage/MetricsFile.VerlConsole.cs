using System.Text;

namespace TrainingPlatform.Core.Lineage;

public static partial class MetricsFile
{
    /// <summary>
    /// verl's console output. verl 0.7.0 <c>verl/utils/logger/aggregate_logger.py</c>: <c>LocalLogger.log</c> prints
    /// <c>concat_dict_to_str(data, step)</c>, which is <c>" - ".join(["step:{step}"] + ["{k}:{pprint.pformat(v)}" for
    /// numbers.Number values])</c>, e.g. <c>step:3 - actor/pg_loss:-0.005 - critic/score/mean:0.25</c>. A line is a
    /// record when, after an optional Ray prefix (<c>(TaskRunner pid=123)</c>, with or without colour codes), it
    /// starts with <c>step:</c> and a digit; every other line of the log is skipped. <c>pformat</c> writes floats as
    /// <c>repr</c> (<c>1e-05</c>, <c>nan</c>, <c>inf</c>), numpy scalars as <c>np.float64(0.5)</c> (numpy 2) and
    /// booleans as <c>True</c>/<c>False</c> (not metrics). What a progress bar wrote before a <c>\r</c> on the same
    /// line is ignored, as a terminal shows it. Points get the import time: the lines have none.
    /// </summary>
    private sealed class VerlConsoleReader(Collector collector, string? path)
    {
        private static readonly byte[] Separator = " - "u8.ToArray();

        public long Read(MetricsInput data)
        {
            long lineNumber = 0, records = 0;
            while (data.NextLine(out var line))
            {
                lineNumber++;
                var at = Record(line);
                if (at < 0)
                {
                    continue;
                }

                records++;
                ReadRecord(Visible(line)[at..], lineNumber);
            }

            return records == 0
                ? throw Fail("no verl console lines in the file: expected lines `step:N - key:value - …` as verl's console logger prints them", path)
                : records;
        }

        /// <summary>Where <c>step:</c> starts in what the line shows (<see cref="Visible"/>), or -1 when the line is not a record.</summary>
        internal static int Record(ReadOnlySpan<byte> line)
        {
            line = Visible(line);
            var at = SkipPrefix(line);
            var rest = line[at..];
            return rest.Length > 5 && rest.StartsWith("step:"u8) && char.IsAsciiDigit((char)rest[5]) ? at : -1;
        }

        /// <summary>The line as a terminal shows it: without a trailing <c>\r</c>, and only what follows the last other <c>\r</c>.</summary>
        private static ReadOnlySpan<byte> Visible(ReadOnlySpan<byte> line)
        {
            if (line.EndsWith("\r"u8))
            {
                line = line[..^1];
            }

            var cr = line.LastIndexOf((byte)'\r');
            return cr < 0 ? line : line[(cr + 1)..];
        }

        /// <summary>The length of blanks, colour codes and a Ray prefix <c>(Actor pid=N…)</c> at the start of the line.</summary>
        private static int SkipPrefix(ReadOnlySpan<byte> line)
        {
            var at = SkipBlanksAndColour(line, 0);
            if (at < line.Length && line[at] == '(')
            {
                var close = line[at..].IndexOf((byte)')');
                if (close > 0 && line.Slice(at, close).IndexOf(" pid="u8) > 0)
                {
                    at = SkipBlanksAndColour(line, at + close + 1);
                }
            }

            return at;
        }

        private static int SkipBlanksAndColour(ReadOnlySpan<byte> line, int at)
        {
            while (at < line.Length)
            {
                if (line[at] is (byte)' ' or (byte)'\t')
                {
                    at++;
                }
                else if (line[at] == 0x1B && at + 1 < line.Length && line[at + 1] == '[')
                {
                    var end = at + 2;
                    while (end < line.Length && !char.IsAsciiLetter((char)line[end]))
                    {
                        end++;
                    }

                    at = Math.Min(end + 1, line.Length);
                }
                else
                {
                    break;
                }
            }

            return at;
        }

        private void ReadRecord(ReadOnlySpan<byte> record, long lineNumber)
        {
            // Ray marks a line it printed for several workers at its end.
            var repeated = record.IndexOf(" [repeated "u8);
            if (repeated > 0 && record.EndsWith(" across cluster]"u8))
            {
                record = record[..repeated];
            }

            record = record.TrimEnd(" \t"u8);
            var first = true;
            long step = 0;
            var any = false;
            while (true)
            {
                var end = record.IndexOf(Separator);
                var part = end < 0 ? record : record[..end];
                var colon = part.LastIndexOf((byte)':');
                if (colon < 0)
                {
                    collector.Problem(lineNumber, $"{Show(part)} is not key:value (verl prints `step:N - key:value - …`)");
                }
                else if (first)
                {
                    if (!TryStep(part[(colon + 1)..], out step))
                    {
                        collector.Problem(lineNumber, $"the step {Show(part[(colon + 1)..])} is not a whole number ≥ 0");
                    }
                }
                else
                {
                    any |= Value(part[..colon], part[(colon + 1)..], lineNumber);
                }

                first = false;
                if (end < 0)
                {
                    break;
                }

                record = record[(end + Separator.Length)..];
            }

            if (!any && !collector.LineBad)
            {
                collector.Problem(lineNumber, "no numeric value besides the step");
            }

            collector.EndLine(step, collector.ImportTime);
        }

        /// <summary>Collects one <c>key:value</c>; false when the value is a boolean (not a metric).</summary>
        private bool Value(ReadOnlySpan<byte> key, ReadOnlySpan<byte> text, long lineNumber)
        {
            text = Unwrap(text);
            if (text.SequenceEqual("True"u8) || text.SequenceEqual("False"u8))
            {
                return false;
            }

            Span<char> chars = stackalloc char[Math.Min(key.Length, 256)];
            var name = key.Length <= 256 ? chars[..Encoding.UTF8.GetChars(key, chars)] : Encoding.UTF8.GetString(key).AsSpan();
            var entry = collector.Intern(name);
            if (TryNumber(text, out var value))
            {
                collector.Value(entry, value, lineNumber);
            }
            else
            {
                collector.Problem(lineNumber, $"'{entry.Name}' is {Show(text)}: not a number");
            }

            return true;
        }

        /// <summary>The number inside a numpy scalar's repr: <c>np.float64(0.5)</c>, <c>numpy.int64(3)</c>.</summary>
        private static ReadOnlySpan<byte> Unwrap(ReadOnlySpan<byte> text)
        {
            if ((text.StartsWith("np."u8) || text.StartsWith("numpy."u8)) && text.EndsWith(")"u8) && text.IndexOf((byte)'(') is > 0 and var open)
            {
                return text[(open + 1)..^1];
            }

            return text;
        }
    }
}
