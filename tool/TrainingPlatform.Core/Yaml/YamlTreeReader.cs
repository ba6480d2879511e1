using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Validation;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TrainingPlatform.Core.Yaml;

/// <summary>
/// Turns YAML text into a JSON tree with positions, by walking YamlDotNet's event parser
/// without recursion. Hostile input is bounded: nesting depth, alias expansion, custom tags,
/// merge keys, duplicate keys and multiple documents all end as diagnostics, never exceptions.
/// Scalars resolve by the YAML 1.2 core schema.
/// </summary>
public static partial class YamlTreeReader
{
    /// <summary>Deepest nesting of mappings and sequences accepted.</summary>
    public const int MaxDepth = 50;

    /// <summary>Most nodes a document may hold once aliases are expanded.</summary>
    public const int MaxNodes = 100_000;

    private const string YamlTagPrefix = "tag:yaml.org,2002:";

    /// <summary>Reads and parses a file; an unreadable file becomes a tree without a root that carries the diagnostic.</summary>
    public static YamlTree Load(string fullPath, string displayPath, out string? text)
    {
        text = SourceFile.Read(fullPath, displayPath, out var error);
        return text is null
            ? new YamlTree(displayPath, null, new Dictionary<string, SourcePosition>(), new Dictionary<string, SourcePosition>(), [], [error!])
            : Parse(text, displayPath);
    }

    public static YamlTree Parse(string text, string file) => Parse(text, file, quick: true);

    /// <summary>
    /// Parses with <see cref="QuickYaml"/> when it is sure of a plain file (it gives YamlDotNet's events exactly), else
    /// with YamlDotNet; <paramref name="quick"/> false always uses YamlDotNet (for the tests that compare the two).
    /// </summary>
    internal static YamlTree Parse(string text, string file, bool quick)
    {
        if (quick && QuickYaml.TryParse(text) is { } events)
        {
            var quickState = new ReaderState(file);
            quickState.Run(new EventList(events));
            return Finish(quickState, file);
        }

        var state = new ReaderState(file);
        try
        {
            state.Run(new Parser(new StringReader(text)));
        }
        catch (YamlException ex)
        {
            state.Fail(state.UnclosedFlow(ex.Start) ?? SyntaxDiagnostic(text, file, ex));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet throws this (not a YamlException) for some malformed input, e.g. an
            // unclosed flow mapping followed by more lines; report it like any syntax error.
            var at = state.LastMark;
            state.Fail(state.UnclosedFlow(at, anyLine: true) ?? SyntaxDiagnostic(text, file, new YamlException(at, at, "the parser cannot go on after this point")));
        }

        return Finish(state, file);
    }

    private static YamlTree Finish(ReaderState state, string file)
    {
        if (state.Root is null && !state.Failed)
        {
            state.Fail(new Diagnostic(DiagnosticCodes.EmptyFile, Severity.Error, file, 1, 1, "",
                "file is empty (no YAML content)", "a recipe starts with `apiVersion: trainplat/v1`"));
        }

        return state.ToTree();
    }

    internal static string EscapePointerToken(string token) =>
        token.Contains('~', StringComparison.Ordinal) || token.Contains('/', StringComparison.Ordinal)
            ? token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)
            : token;

    private static Diagnostic SyntaxDiagnostic(string text, string file, YamlException ex)
    {
        var line = (int)Math.Max(1, ex.Start.Line);
        var column = (int)Math.Max(1, ex.Start.Column);

        // Tabs are the commonest cause of YAML syntax errors; name them precisely. The parser may
        // report a tab at the start of the enclosing mapping, so then look from there onwards.
        var lines = text.Split('\n');
        var aboutTabs = ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase);
        var from = aboutTabs ? line - 1 : 0;
        var to = aboutTabs ? lines.Length : Math.Min(lines.Length, (int)Math.Max(line, ex.End.Line));
        for (var i = from; i < to; i++)
        {
            var l = lines[i];
            for (var c = 0; c < l.Length && (l[c] == ' ' || l[c] == '\t'); c++)
            {
                if (l[c] == '\t')
                {
                    return new Diagnostic(DiagnosticCodes.TabIndentation, Severity.Error, file, i + 1, c + 1, "",
                        "tab character used for indentation", "YAML indents with spaces only; replace the tab with spaces");
                }
            }
        }

        var message = ex.Message;
        var close = message.IndexOf("): ", StringComparison.Ordinal);
        if (message.StartsWith("(Line:", StringComparison.Ordinal) && close > 0)
        {
            message = message[(close + 3)..];
        }

        if (message.Contains("double-quoted scalar", StringComparison.Ordinal) || message.Contains("single-quoted scalar", StringComparison.Ordinal))
        {
            var quote = message.Contains("double", StringComparison.Ordinal) ? "\"" : "'";
            var kind = quote == "'" ? "single" : "double";
            return new Diagnostic(DiagnosticCodes.YamlSyntax, Severity.Error, file, line, column, "",
                $"YAML syntax error: a {kind}-quoted string ({quote}…{quote}) is not closed, or continues on a line that is not indented",
                $"close the string with {quote} on the line where it should end");
        }

        return new Diagnostic(DiagnosticCodes.YamlSyntax, Severity.Error, file, line, column, "",
            "YAML syntax error: " + message.TrimEnd('.'), "check indentation, colons and quotes around this position");
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    /// <summary>Resolves a plain scalar by the YAML 1.2 core schema.</summary>
    internal static JsonNode? ResolvePlain(string value)
    {
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.' || value[0] == '0'))
        {
            if (IntPattern().IsMatch(value))
            {
                if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    return JsonValue.Create(l);
                }

                return JsonValue.Create(double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture));
            }

            if (value.StartsWith("0x", StringComparison.Ordinal) && value.Length > 2 &&
                long.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                return JsonValue.Create(hex);
            }

            if (value.StartsWith("0o", StringComparison.Ordinal) && value.Length > 2 && value.AsSpan(2).ContainsOnlyOctal())
            {
                try
                {
                    return JsonValue.Create(Convert.ToInt64(value[2..], 8));
                }
                catch (OverflowException)
                {
                    return JsonValue.Create(value);
                }
            }

            if (FloatPattern().IsMatch(value))
            {
                var d = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
                if (double.IsFinite(d))
                {
                    return JsonValue.Create(d);
                }
            }
        }

        return JsonValue.Create(value);
    }

    private static bool ContainsOnlyOctal(this ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Events already parsed, handed out as a parser would.</summary>
    private sealed class EventList(List<ParsingEvent> events) : IParser
    {
        private int _next;

        public ParsingEvent? Current { get; private set; }

        public bool MoveNext()
        {
            if (_next == events.Count)
            {
                Current = null;
                return false;
            }

            Current = events[_next++];
            return true;
        }
    }

    private sealed class Frame
    {
        private Dictionary<string, SourcePosition>? _seen;

        public required JsonNode Node { get; init; }

        public required string Pointer { get; init; }

        public required SourcePosition Position { get; init; }

        public string? Anchor { get; init; }

        public bool Discard { get; init; }

        /// <summary>True for <c>{…}</c> and <c>[…]</c>: their syntax errors are best reported where they open.</summary>
        public bool Flow { get; init; }

        public int Count { get; set; } = 1;

        public bool IsMapping => Node is JsonObject;

        public bool ExpectKey { get; set; } = true;

        public string? Key { get; set; }

        public bool DiscardValue { get; set; }

        /// <summary>The keys of a mapping so far (made on the first key: a list never needs it).</summary>
        public Dictionary<string, SourcePosition> Seen => _seen ??= new(StringComparer.Ordinal);
    }

    private sealed class ReaderState(string file)
    {
        private readonly Stack<Frame> _stack = new();
        private readonly Dictionary<string, (JsonNode? Node, int Count)> _anchors = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SourcePosition> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SourcePosition> _keys = new(StringComparer.Ordinal);
        private readonly List<PlainScalar> _plain = [];
        private readonly List<Diagnostic> _diagnostics = [];
        private int _total;
        private int _documents;
        private bool _rootSet;

        public JsonNode? Root { get; private set; }

        public bool Failed { get; private set; }

        /// <summary>Where the last event ended: the best position there is when the parser gives none.</summary>
        public Mark LastMark { get; private set; } = Mark.Empty;

        /// <summary>A diagnostic at the opening of the innermost flow collection left open before <paramref name="error"/>.</summary>
        public Diagnostic? UnclosedFlow(Mark error, bool anyLine = false)
        {
            var open = _stack.FirstOrDefault(f => f.Flow);
            if (open is null || (!anyLine && open.Position.Line >= error.Line))
            {
                return null;
            }

            var bracket = open.IsMapping ? "{" : "[";
            var closing = open.IsMapping ? "}" : "]";
            return new Diagnostic(DiagnosticCodes.YamlSyntax, Severity.Error, file, open.Position.Line, open.Position.Column, open.Pointer,
                $"YAML syntax error: '{bracket}' opened here is not closed" +
                (error.Line > open.Position.Line ? $" (the parser gave up at line {error.Line.ToString(CultureInfo.InvariantCulture)})" : ""),
                $"add the missing '{closing}', or a missing comma between items");
        }

        public void Fail(Diagnostic d)
        {
            _diagnostics.Add(d);
            Failed = true;
        }

        public YamlTree ToTree()
        {
            _diagnostics.Sort(Diagnostic.Order);
            var root = Failed ? null : Root;
            if (!Failed && _rootSet && root is not JsonObject)
            {
                var kind = root switch
                {
                    null => "empty (null)",
                    JsonArray => "a list",
                    _ => "a single value",
                };
                var code = root is null ? DiagnosticCodes.EmptyFile : DiagnosticCodes.NotAMapping;
                _diagnostics.Add(new Diagnostic(code, Severity.Error, file, 1, 1, "",
                    $"the top level of the file is {kind}, not a mapping of keys to values",
                    "a recipe is a mapping that starts with `apiVersion: trainplat/v1`"));
                root = null;
            }

            return new YamlTree(file, root, _values, _keys, _plain, _diagnostics);
        }

        public void Run(IParser parser)
        {
            while (!Failed && parser.MoveNext())
            {
                var e = parser.Current!;
                LastMark = e.End;
                switch (e)
                {
                    case DocumentStart ds:
                        if (++_documents > 1)
                        {
                            Fail(At(DiagnosticCodes.MultipleDocuments, ds.Start, "",
                                "a second YAML document (`---`) in one file", "keep one recipe per file"));
                        }

                        break;
                    case Scalar s:
                        OnScalar(s);
                        break;
                    case MappingStart ms:
                        OnStart(ms, new JsonObject());
                        break;
                    case SequenceStart ss:
                        OnStart(ss, new JsonArray());
                        break;
                    case MappingEnd or SequenceEnd:
                        OnEnd();
                        break;
                    case AnchorAlias alias:
                        OnAlias(alias);
                        break;
                }
            }
        }

        private Diagnostic At(string code, Mark mark, string pointer, string message, string? hint, Severity severity = Severity.Error) =>
            new(code, severity, file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column), pointer, message, hint);

        private static SourcePosition Pos(Mark m) => new((int)Math.Max(1, m.Line), (int)Math.Max(1, m.Column));

        private bool Discarding => _stack.TryPeek(out var top) && (top.Discard || (top.IsMapping && top.DiscardValue));

        private string ChildPointer()
        {
            if (!_stack.TryPeek(out var top))
            {
                return "";
            }

            return top.IsMapping
                ? top.Pointer + "/" + EscapePointerToken(top.Key!)
                : top.Pointer + "/" + ((JsonArray)top.Node).Count.ToString(CultureInfo.InvariantCulture);
        }

        private bool CheckTag(NodeEvent e, string pointer)
        {
            if (e.Tag.IsEmpty || e.Tag.IsNonSpecific)
            {
                return true;
            }

            var tag = e.Tag.Value;
            if (tag.StartsWith(YamlTagPrefix, StringComparison.Ordinal) &&
                tag[YamlTagPrefix.Length..] is "str" or "int" or "float" or "bool" or "null" or "map" or "seq")
            {
                return true;
            }

            var shown = tag.StartsWith(YamlTagPrefix, StringComparison.Ordinal) ? "!!" + tag[YamlTagPrefix.Length..] : tag;
            _diagnostics.Add(At(DiagnosticCodes.UnsupportedTag, e.Start, pointer,
                $"tag '{shown}' is not allowed: recipes hold plain data and nothing is ever instantiated",
                "remove the tag and write the value as plain YAML"));
            return false;
        }

        private void OnScalar(Scalar s)
        {
            if (_stack.TryPeek(out var top) && top.IsMapping && top.ExpectKey)
            {
                OnKey(top, s);
                return;
            }

            var pointer = ChildPointer();
            CheckTag(s, pointer);
            var node = Resolve(s, pointer);
            if (s.Style == ScalarStyle.Plain && s.Tag.IsEmpty && !Discarding)
            {
                _plain.Add(new PlainScalar(pointer, s.Value, Pos(s.Start)));
            }

            Attach(node, pointer, Pos(s.Start), 1, s.Anchor);
        }

        private JsonNode? Resolve(Scalar s, string pointer)
        {
            if (!s.Tag.IsEmpty && !s.Tag.IsNonSpecific && s.Tag.Value.StartsWith(YamlTagPrefix, StringComparison.Ordinal))
            {
                var kind = s.Tag.Value[YamlTagPrefix.Length..];
                if (kind == "str")
                {
                    return JsonValue.Create(s.Value);
                }

                var resolved = ResolvePlain(s.Value);
                var ok = kind switch
                {
                    "int" => resolved is JsonValue v && v.TryGetValue<long>(out _),
                    "float" => resolved is JsonValue v && (v.TryGetValue<double>(out _) || v.TryGetValue<long>(out _)),
                    "bool" => resolved is JsonValue v && v.TryGetValue<bool>(out _),
                    "null" => resolved is null,
                    _ => true,
                };
                if (!ok)
                {
                    _diagnostics.Add(At(DiagnosticCodes.WrongType, s.Start, pointer,
                        $"'{s.Value}' is not a valid !!{kind}", "fix the value or remove the tag"));
                }

                return resolved;
            }

            return s.Style == ScalarStyle.Plain && s.Tag.IsEmpty ? ResolvePlain(s.Value) : JsonValue.Create(s.Value);
        }

        private void OnKey(Frame top, Scalar s)
        {
            var key = s.Value;
            top.Key = key;
            top.ExpectKey = false;
            top.DiscardValue = false;
            var pointer = top.Pointer + "/" + EscapePointerToken(key);
            var pos = Pos(s.Start);
            if (s.Style == ScalarStyle.Plain && key == "<<")
            {
                _diagnostics.Add(At(DiagnosticCodes.MergeKey, s.Start, top.Pointer,
                    "merge key '<<' is not supported", "write the keys out, or use `extends:` to build on another recipe"));
                top.DiscardValue = true;
                return;
            }

            if (s.Style == ScalarStyle.Plain && key is "" or "~" or "null" or "Null" or "NULL")
            {
                _diagnostics.Add(At(DiagnosticCodes.ComplexKey, s.Start, top.Pointer,
                    key.Length == 0 ? "a mapping key is empty" : $"a mapping key is null ('{key}')", "give the key a name; quote it if you mean the text"));
                top.DiscardValue = true;
                return;
            }

            if (top.Seen.TryGetValue(key, out var first))
            {
                if (!top.Discard)
                {
                    _diagnostics.Add(At(DiagnosticCodes.DuplicateKey, s.Start, pointer,
                        $"key '{key}' appears twice in this mapping (first at line {first.Line.ToString(CultureInfo.InvariantCulture)})",
                        "remove one of them: YAML readers disagree on which one wins"));
                }

                top.DiscardValue = true;
                return;
            }

            top.Seen[key] = pos;
            if (!top.Discard)
            {
                _keys[pointer] = pos;
            }
        }

        private void OnStart(NodeEvent e, JsonNode container)
        {
            if (_stack.TryPeek(out var top) && top.IsMapping && top.ExpectKey)
            {
                Fail(At(DiagnosticCodes.ComplexKey, e.Start, top.Pointer,
                    "a mapping key is a list or a mapping", "keys must be plain text"));
                return;
            }

            if (_stack.Count >= MaxDepth)
            {
                Fail(At(DiagnosticCodes.NestingTooDeep, e.Start, ChildPointer(),
                    $"nesting deeper than {MaxDepth.ToString(CultureInfo.InvariantCulture)} levels", "recipes are shallow; flatten the structure"));
                return;
            }

            var pointer = ChildPointer();
            CheckTag(e, pointer);
            _total++;
            if (_total > MaxNodes)
            {
                Fail(At(DiagnosticCodes.AliasExpansion, e.Start, pointer,
                    $"document has more than {MaxNodes.ToString("N0", CultureInfo.InvariantCulture)} nodes", "recipes are small; split the file"));
                return;
            }

            var discard = Discarding;
            _stack.Push(new Frame
            {
                Node = container,
                Pointer = pointer,
                Position = Pos(e.Start),
                Anchor = e.Anchor.IsEmpty ? null : e.Anchor.Value,
                Discard = discard,
                Flow = e is MappingStart { Style: MappingStyle.Flow } or SequenceStart { Style: SequenceStyle.Flow },
            });
        }

        private void OnEnd()
        {
            var frame = _stack.Pop();
            _stack.TryPeek(out var parent);
            if (parent is not null)
            {
                // Attach counts the container itself once already (in OnStart); pass the children's count.
                parent.Count += frame.Count;
            }

            if (frame.Anchor is not null)
            {
                _anchors[frame.Anchor] = (frame.Node, frame.Count);
            }

            AttachValue(frame.Node, frame.Pointer, frame.Position);
        }

        private void OnAlias(AnchorAlias alias)
        {
            var name = alias.Value.Value;
            if (_stack.TryPeek(out var top) && top.IsMapping && top.ExpectKey)
            {
                Fail(At(DiagnosticCodes.ComplexKey, alias.Start, top.Pointer, "an alias used as a mapping key", "keys must be plain text"));
                return;
            }

            var pointer = ChildPointer();
            if (!_anchors.TryGetValue(name, out var anchored))
            {
                Fail(At(DiagnosticCodes.YamlSyntax, alias.Start, pointer,
                    $"YAML syntax error: alias '*{name}' refers to no anchor defined before it", "define `&" + name + "` first"));
                return;
            }

            // Count before copying: an alias bomb stops here, long before memory grows.
            if (_total + anchored.Count > MaxNodes)
            {
                Fail(At(DiagnosticCodes.AliasExpansion, alias.Start, pointer,
                    $"aliases expand to more than {MaxNodes.ToString("N0", CultureInfo.InvariantCulture)} nodes (an alias bomb?)",
                    "recipes do not need nested aliases; write the values out"));
                return;
            }

            _total += anchored.Count;
            Attach(anchored.Node?.DeepClone(), pointer, Pos(alias.Start), anchored.Count, AnchorName.Empty);
        }

        private void Attach(JsonNode? node, string pointer, SourcePosition pos, int count, AnchorName anchor)
        {
            if (count == 1)
            {
                _total++;
                if (_total > MaxNodes)
                {
                    Fail(new Diagnostic(DiagnosticCodes.AliasExpansion, Severity.Error, file, pos.Line, pos.Column, pointer,
                        $"document has more than {MaxNodes.ToString("N0", CultureInfo.InvariantCulture)} nodes", "recipes are small; split the file"));
                    return;
                }
            }

            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = (node, count);
            }

            if (_stack.TryPeek(out var parent))
            {
                parent.Count += count;
            }

            AttachValue(node, pointer, pos);
        }

        private void AttachValue(JsonNode? node, string pointer, SourcePosition pos)
        {
            if (!_stack.TryPeek(out var parent))
            {
                Root = node;
                _rootSet = true;
                _values[""] = pos;
                return;
            }

            var discard = parent.Discard || (parent.IsMapping && parent.DiscardValue);
            if (!discard)
            {
                _values[pointer] = pos;
            }

            if (parent.Node is JsonObject obj)
            {
                if (!discard)
                {
                    obj[parent.Key!] = node;
                }

                parent.ExpectKey = true;
                parent.DiscardValue = false;
            }
            else
            {
                ((JsonArray)parent.Node).Add(node);
            }
        }
    }
}
