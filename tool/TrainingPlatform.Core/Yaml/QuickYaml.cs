using System.Buffers;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TrainingPlatform.Core.Yaml;

/// <summary>
/// A quick reader for the block-style YAML that recipes are written in, giving exactly the events YamlDotNet's parser
/// would give, or answering "not sure" (null). It knows one document whose top level is a mapping of block mappings and
/// block sequences, keys of plain ASCII words, one-line values (plain, or quoted without escapes), one-line flow lists of
/// plain words, and comments. Anything else — anchors, aliases, tags, block scalars (<c>|</c>, <c>&gt;</c>), flow
/// mappings, escapes, a value that continues on the next line, a key without a value, tabs, carriage returns, a byte
/// order mark, <c>---</c>, control or unusual characters, a syntax error — answers "not sure", and YamlDotNet reads the
/// file as before, so every diagnostic still comes from it. This only spares a plain file YamlDotNet's scanner, which was
/// most of the time of validating 1,000 recipes. QuickYamlTests compare its events with YamlDotNet's on every shipped
/// recipe, the examples, and mutations of them.
/// </summary>
internal static class QuickYaml
{
    // libyaml (and YamlDotNet after it) refuses an implicit key longer than 1024 characters; stay well below.
    private const int MaxKeyLength = 1000;

    /// <summary>The parsing events of <paramref name="text"/>, or null when this reader is not sure.</summary>
    public static List<ParsingEvent>? TryParse(string text)
    {
        if (text.Length == 0 || !PlainText(text))
        {
            return null;
        }

        var reader = new Reader(text);
        return reader.Run() ? reader.Events : null;
    }

    private static readonly SearchValues<char> PrintableAsciiOrNewline = SearchValues.Create(
        "\n !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>No character that YAML treats specially outside the subset: tabs, CR, NEL, BOM, line separators, surrogates, controls.</summary>
    private static bool PlainText(string text)
    {
        // Most files are printable ASCII: a vectorized search finds the first other character, if any.
        var from = text.AsSpan().IndexOfAnyExcept(PrintableAsciiOrNewline);
        if (from < 0)
        {
            return true;
        }

        foreach (var c in text.AsSpan(from))
        {
            if (c < ' ' ? c != '\n' : c is (>= '\u007f' and <= '\u009f') or '\ufeff' or '\u2028' or '\u2029' or >= '\ufffe' || char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool KeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/';

    private sealed class Reader(string text)
    {
        private readonly List<(bool Mapping, int Indent, bool Compact)> _open = [];
        private int _line;   // 1-based number of the current line
        private int _start;  // index of the current line's first character
        private int _end;    // index of the current line's '\n' (or text.Length)
        private int _pendingKeyIndent = -1; // a `key:` with nothing after it waits for its value on the next lines
        private bool _rootDone;

        public List<ParsingEvent> Events { get; } = new(text.Length / 24 + 8); // about one event per 24 characters in recipes

        private Mark MarkAt(int index) => new(index, _line, index - _start + 1);

        public bool Run()
        {
            Events.Add(new StreamStart(Mark.Empty, Mark.Empty));
            var documentStarted = false;
            for (_start = 0, _line = 1; _start <= text.Length; _start = _end + 1, _line++)
            {
                _end = text.IndexOf('\n', _start);
                if (_end < 0)
                {
                    _end = text.Length;
                }

                var at = _start;
                while (at < _end && text[at] == ' ')
                {
                    at++;
                }

                if (at == _end || text[at] == '#')
                {
                    if (_end == text.Length)
                    {
                        break;
                    }

                    continue;
                }

                var indent = at - _start;
                if (text[at] is '%' || (indent == 0 && (Starts(at, "---") || Starts(at, "..."))))
                {
                    return false;
                }

                if (!documentStarted)
                {
                    Events.Add(new DocumentStart(null, null, true, MarkAt(at), MarkAt(at)));
                    documentStarted = true;
                }

                var dash = text[at] == '-' && (at + 1 == _end || text[at + 1] == ' ');
                Close(indent, dash);
                if (!Line(at, indent, dash))
                {
                    return false;
                }

                if (_end == text.Length)
                {
                    break;
                }
            }

            if (!documentStarted || _pendingKeyIndent >= 0)
            {
                return false;
            }

            var endMark = new Mark(text.Length, _line, 1);
            for (var i = _open.Count - 1; i >= 0; i--)
            {
                Events.Add(_open[i].Mapping ? new MappingEnd(endMark, endMark) : new SequenceEnd(endMark, endMark));
            }

            Events.Add(new DocumentEnd(true, endMark, endMark));
            Events.Add(new StreamEnd(endMark, endMark));
            return true;
        }

        private bool Starts(int at, string s) => string.CompareOrdinal(text, at, s, 0, s.Length) == 0;

        /// <summary>Ends the collections a line at <paramref name="indent"/> leaves.</summary>
        private void Close(int indent, bool dash)
        {
            if (_pendingKeyIndent >= 0)
            {
                return; // the line opens the value (or is not sure); Line decides
            }

            while (_open.Count > 0)
            {
                var top = _open[^1];
                var leaves = top.Indent > indent || (!top.Mapping && top.Compact && top.Indent == indent && !dash);
                if (!leaves)
                {
                    break;
                }

                _open.RemoveAt(_open.Count - 1);
                var m = MarkAt(_start + indent);
                Events.Add(top.Mapping ? new MappingEnd(m, m) : new SequenceEnd(m, m));
                if (_open.Count == 0)
                {
                    _rootDone = true;
                }
            }
        }

        /// <summary>
        /// Reads one content line; false when not sure. (A line deeper than the open collection, which could continue
        /// the value before it, never matches the open collection's indent, so it is "not sure" here.)
        /// </summary>
        private bool Line(int at, int indent, bool dash)
        {
            if (_pendingKeyIndent >= 0)
            {
                // The value of `key:` is a block collection starting on this line.
                var compactList = dash && indent == _pendingKeyIndent;
                if (indent <= _pendingKeyIndent && !compactList)
                {
                    return false; // a key without a value (null): not sure
                }

                _pendingKeyIndent = -1;
                Open(!dash, indent, compactList, MarkAt(at));
            }
            else if (_open.Count == 0)
            {
                if (_rootDone || dash)
                {
                    return false;
                }

                Open(true, indent, false, MarkAt(at));
            }
            else
            {
                var top = _open[^1];
                if (top.Indent != indent || top.Mapping == dash)
                {
                    return false;
                }
            }

            if (dash)
            {
                // `- item`: the item starts at the next non-space.
                var item = at + 1;
                while (item < _end && text[item] == ' ')
                {
                    item++;
                }

                if (item == _end || text[item] is '#' or '-')
                {
                    return false; // an empty item, or a list in a list: not sure
                }

                if (KeyAhead(item))
                {
                    Open(true, item - _start, false, MarkAt(item));
                    return Entry(item);
                }

                return Value(item);
            }

            return Entry(at);
        }

        private void Open(bool mapping, int indent, bool compact, Mark mark)
        {
            _open.Add((mapping, indent, compact));
            Events.Add(mapping
                ? new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block, mark, mark)
                : new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Block, mark, mark));
        }

        /// <summary>True when a plain key and <c>:</c> (then a space or the end of the line) start at <paramref name="at"/>.</summary>
        private bool KeyAhead(int at)
        {
            var i = at;
            while (i < _end && KeyChar(text[i]))
            {
                i++;
            }

            return i > at && i < _end && text[i] == ':' && (i + 1 == _end || text[i + 1] == ' ');
        }

        /// <summary>Reads `key: value` or `key:` starting at <paramref name="at"/>.</summary>
        private bool Entry(int at)
        {
            var i = at;
            while (i < _end && KeyChar(text[i]))
            {
                i++;
            }

            if (i == at || i - at > MaxKeyLength || text[at] is '-' or '.' || i == _end || text[i] != ':' || (i + 1 < _end && text[i + 1] != ' '))
            {
                return false;
            }

            Events.Add(new Scalar(AnchorName.Empty, TagName.Empty, text[at..i], ScalarStyle.Plain, true, false, MarkAt(at), MarkAt(i), isKey: true));
            var value = i + 1;
            while (value < _end && text[value] == ' ')
            {
                value++;
            }

            if (value == _end || text[value] == '#')
            {
                _pendingKeyIndent = _open[^1].Indent;
                return true;
            }

            return Value(value);
        }

        /// <summary>Reads a one-line value starting at <paramref name="at"/> up to the end of the line.</summary>
        private bool Value(int at)
        {
            var c = text[at];
            switch (c)
            {
                case '"' or '\'':
                    {
                        var close = text.IndexOf(c, at + 1, _end - at - 1);
                        if (close < 0 || (c == '"' && text.IndexOf('\\', at + 1, close - at - 1) >= 0) || !OnlyComment(close + 1))
                        {
                            return false;
                        }

                        Events.Add(new Scalar(AnchorName.Empty, TagName.Empty, text[(at + 1)..close],
                            c == '"' ? ScalarStyle.DoubleQuoted : ScalarStyle.SingleQuoted, false, true, MarkAt(at), MarkAt(close + 1)));
                        return true;
                    }

                case '[':
                    return FlowList(at);
                case '-' when at + 1 < _end && text[at + 1] is not (' ' or '-' or '#'):
                    break;
                case '-' or '?' or ':' or ',' or ']' or '{' or '}' or '#' or '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`':
                    return false;
            }

            // A plain scalar: up to a comment (` #`) or the end of the line, trailing spaces dropped.
            var last = at;
            for (var i = at; i < _end; i++)
            {
                var ch = text[i];
                if (ch == ' ')
                {
                    if (i + 1 < _end && text[i + 1] == '#')
                    {
                        break;
                    }

                    continue;
                }

                if (ch == ':' && (i + 1 == _end || text[i + 1] == ' '))
                {
                    return false; // `a: b: c` is an error, `- a:` or `key: value:` is not sure
                }

                last = i;
            }

            var end = last + 1;
            Events.Add(new Scalar(AnchorName.Empty, TagName.Empty, text[at..end], ScalarStyle.Plain, true, false, MarkAt(at), MarkAt(end)));
            return true;
        }

        /// <summary>True when only spaces, or spaces then a comment, follow <paramref name="at"/> on the line.</summary>
        private bool OnlyComment(int at)
        {
            if (at == _end)
            {
                return true;
            }

            if (text[at] != ' ')
            {
                return false;
            }

            while (at < _end && text[at] == ' ')
            {
                at++;
            }

            return at == _end || text[at] == '#';
        }

        /// <summary><c>[a, b, c]</c> of plain words on one line.</summary>
        private bool FlowList(int at)
        {
            var open = MarkAt(at);
            var items = new List<Scalar>();
            var i = at + 1;
            while (true)
            {
                while (i < _end && text[i] == ' ')
                {
                    i++;
                }

                if (i == _end)
                {
                    return false;
                }

                if (text[i] == ']' && items.Count == 0)
                {
                    break;
                }

                var first = i;
                if (text[i] is '-' or '?' or ':' or '#' or '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`' or '"' or '\'' or '[' or '{' or ',' or ']' or '}')
                {
                    return false;
                }

                var last = i;
                for (; i < _end && text[i] is not (',' or ']'); i++)
                {
                    var ch = text[i];
                    if (ch is ':' or '[' or '{' or '}' || (ch == '#' && text[i - 1] == ' '))
                    {
                        return false;
                    }

                    if (ch != ' ')
                    {
                        last = i;
                    }
                }

                if (i == _end)
                {
                    return false;
                }

                items.Add(new Scalar(AnchorName.Empty, TagName.Empty, text[first..(last + 1)], ScalarStyle.Plain, true, false, MarkAt(first), MarkAt(last + 1)));
                if (text[i] == ']')
                {
                    break;
                }

                i++; // the comma
                while (i < _end && text[i] == ' ')
                {
                    i++;
                }

                if (i == _end || text[i] == ']')
                {
                    return false; // a trailing comma: not sure
                }
            }

            if (!OnlyComment(i + 1))
            {
                return false;
            }

            Events.Add(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Flow, open, open));
            Events.AddRange(items);
            var close = MarkAt(i);
            Events.Add(new SequenceEnd(close, MarkAt(i + 1)));
            return true;
        }
    }
}
