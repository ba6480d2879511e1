using System.Text;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Frameworks;

/// <summary>The kinds of file <c>trainplat import verl</c> reads.</summary>
public enum LaunchFileKind
{
    /// <summary>A bash launch script running <c>python3 -m verl.trainer.main_ppo</c> (or a recipe's entry point).</summary>
    Script,

    /// <summary>Hydra's <c>.hydra/overrides.yaml</c> of a run: a YAML list of override strings.</summary>
    HydraOverridesYaml,

    /// <summary>One <c>key=value</c> override per line.</summary>
    OverridesFile,
}

/// <summary>
/// The overrides a verl launch file passes, in order, with the entry point and config name when a script names them.
/// </summary>
/// <param name="EntryPoint">The Python module run (<c>verl.trainer.main_ppo</c>, <c>recipe.dapo.main_dapo</c>); null for override files.</param>
/// <param name="ConfigName">The script's <c>--config-name</c> (<c>ppo_megatron_trainer.yaml</c>), else null.</param>
/// <param name="Warnings">What could not be read exactly: unresolved shell text (kept as placeholders), lines that are no override.</param>
public sealed record LaunchFile(
    string File,
    LaunchFileKind Kind,
    string? EntryPoint,
    string? ConfigName,
    IReadOnlyList<HydraOverride> Overrides,
    IReadOnlyList<Diagnostic> Warnings)
{
    /// <summary>True when the config is verl's Megatron trainer config (by the script's <c>--config-name</c>).</summary>
    public bool IsMegatron => ConfigName is { } name && name.Contains("megatron", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Reads a verl launch file: a bash script (<c>\</c> continuations, comments, quoting, <c>VAR=value</c> and
/// <c>export VAR=value</c> expanded in <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-default}</c>), Hydra's saved
/// <c>overrides.yaml</c>, or a plain overrides file. What the shell would compute at run time (command substitution,
/// arithmetic, variables the script does not set) is kept as written, as a placeholder, with a warning naming the line.
/// </summary>
public static class LaunchScript
{
    /// <summary>Parses <paramref name="text"/>, read from <paramref name="file"/> (the name used in warnings).</summary>
    public static LaunchFile Parse(string text, string file)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        return DetectKind(text) switch
        {
            LaunchFileKind.HydraOverridesYaml => ParseHydraYaml(text, file),
            LaunchFileKind.OverridesFile => ParseOverridesFile(text, file),
            _ => new ScriptReader(text, file).Read(),
        };
    }

    /// <summary>A YAML list (every content line an item <c>- ...</c>) is Hydra's overrides.yaml; a line running python is a script.</summary>
    public static LaunchFileKind DetectKind(string text)
    {
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        if (lines.Length > 0 && lines.All(l => l.StartsWith("- ", StringComparison.Ordinal) || l == "-"))
        {
            return LaunchFileKind.HydraOverridesYaml;
        }

        if (lines.Any(l => l.Contains("python", StringComparison.Ordinal) || l.StartsWith("set ", StringComparison.Ordinal)
                || l.StartsWith("export ", StringComparison.Ordinal) || l.EndsWith('\\') || l.StartsWith("#!", StringComparison.Ordinal)))
        {
            return LaunchFileKind.Script;
        }

        return LaunchFileKind.OverridesFile;
    }

    private static LaunchFile ParseHydraYaml(string text, string file)
    {
        // The YAML reader takes mappings only: the list goes under one key, one line down, indented.
        var wrapped = "overrides:\n" + string.Join('\n', text.Split('\n').Select(l => "  " + l));
        var tree = YamlTreeReader.Parse(wrapped, file);
        var warnings = tree.Diagnostics.Where(d => d.IsError).Select(d => d with { Line = Math.Max(1, d.Line - 1) }).ToList();
        var overrides = new List<HydraOverride>();
        if (tree.Root?["overrides"] is System.Text.Json.Nodes.JsonArray items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                var line = tree.PositionOf("/overrides/" + i).Line - 1;
                var item = items[i] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var s) ? s : items[i]?.ToJsonString() ?? "";
                Add(overrides, warnings, item, file, line);
            }
        }

        return new LaunchFile(file, LaunchFileKind.HydraOverridesYaml, null, null, overrides, warnings);
    }

    private static LaunchFile ParseOverridesFile(string text, string file)
    {
        var overrides = new List<HydraOverride>();
        var warnings = new List<Diagnostic>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                Add(overrides, warnings, line, file, i + 1);
            }
        }

        return new LaunchFile(file, LaunchFileKind.OverridesFile, null, null, overrides, warnings);
    }

    internal static void Add(List<HydraOverride> overrides, List<Diagnostic> warnings, string text, string file, int line)
    {
        if (HydraValueParser.ParseOverride(text, line) is { } parsed)
        {
            overrides.Add(parsed);
        }
        else
        {
            warnings.Add(new Diagnostic(DiagnosticCodes.ImportNotAnOverride, Severity.Warning, file, line, 1, "",
                $"'{text}' is not a Hydra override (key=value, +key=value, ++key=value or ~key); skipped",
                "write one override per line, e.g. actor_rollout_ref.actor.optim.lr=1e-6"));
        }
    }

    /// <summary>A small reader of the bash a launch script uses: words, quotes, continuations, assignments and expansions.</summary>
    private sealed class ScriptReader(string text, string file)
    {
        private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);
        private readonly List<Diagnostic> _warnings = [];
        private readonly HashSet<(int, string)> _warned = [];
        private int _at;
        private int _line = 1;

        public LaunchFile Read()
        {
            string? entryPoint = null;
            string? configName = null;
            var overrides = new List<HydraOverride>();
            var found = false;
            while (_at < text.Length)
            {
                var words = Command();
                if (words.Count == 0 || found)
                {
                    continue;
                }

                var python = words.FindIndex(w => IsPython(w.Text));
                if (python < 0)
                {
                    // Assignments only (optionally after `export`, `local`, `declare`): remember them for the expansions below.
                    var start = words[0].Text is "export" or "local" or "declare" or "readonly" ? 1 : 0;
                    if (words.Count > start && words.Skip(start).All(w => IsAssignment(w.Text)))
                    {
                        foreach (var w in words.Skip(start))
                        {
                            var eq = w.Text.IndexOf('=', StringComparison.Ordinal);
                            _variables[w.Text[..eq]] = w.Text[(eq + 1)..];
                        }
                    }

                    continue;
                }

                var i = python + 1;
                if (i + 1 < words.Count && words[i].Text == "-m")
                {
                    entryPoint = words[i + 1].Text;
                    i += 2;
                }
                else if (i < words.Count && words[i].Text.EndsWith(".py", StringComparison.Ordinal))
                {
                    entryPoint = words[i].Text;
                    i++;
                }

                if (entryPoint is null || !(entryPoint.StartsWith("verl.", StringComparison.Ordinal) || entryPoint.StartsWith("recipe.", StringComparison.Ordinal)))
                {
                    entryPoint = null;
                    continue;
                }

                found = true;
                for (; i < words.Count; i++)
                {
                    var w = words[i];
                    if (w.Text.StartsWith("--config-name", StringComparison.Ordinal) || w.Text == "-cn")
                    {
                        configName = ConfigOption(words, ref i);
                    }
                    else if (w.Text.StartsWith("--config-path", StringComparison.Ordinal) || w.Text == "-cp")
                    {
                        _ = ConfigOption(words, ref i);
                    }
                    else if (w.Text.StartsWith('-'))
                    {
                        // Other python or Hydra options (--multirun, ...) carry no config value.
                    }
                    else if (!w.PassThrough)
                    {
                        Add(overrides, _warnings, w.Text, file, w.Line);
                    }
                }
            }

            if (!found)
            {
                _warnings.Add(new Diagnostic(DiagnosticCodes.ImportNotAnOverride, Severity.Warning, file, 1, 1, "",
                    $"{file} runs no verl entry point (python3 -m verl.trainer.main_ppo or python3 -m recipe.*); no overrides read",
                    "give the launch script that starts training, a run's .hydra/overrides.yaml, or a file with one key=value per line"));
            }

            return new LaunchFile(file, LaunchFileKind.Script, entryPoint, configName, overrides, _warnings);
        }

        private static string ConfigOption(List<Word> words, ref int i)
        {
            var w = words[i].Text;
            var eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                return w[(eq + 1)..];
            }

            if (i + 1 < words.Count)
            {
                i++;
                return words[i].Text;
            }

            return "";
        }

        private static bool IsPython(string word)
        {
            var name = word[(word.LastIndexOf('/') + 1)..];
            return name is "python" or "python3" || (name.StartsWith("python3.", StringComparison.Ordinal) && name.Length > 8);
        }

        private static bool IsAssignment(string word)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            return eq > 0 && (char.IsLetter(word[0]) || word[0] == '_') && word[..eq].All(c => char.IsLetterOrDigit(c) || c == '_');
        }

        /// <summary>The words of one command: up to an unquoted newline, <c>;</c>, <c>&amp;&amp;</c>, <c>||</c> or <c>|</c>.</summary>
        private List<Word> Command()
        {
            var words = new List<Word>();
            while (_at < text.Length)
            {
                var c = text[_at];
                if (c == '\n')
                {
                    _at++;
                    _line++;
                    if (words.Count > 0)
                    {
                        return words;
                    }

                    continue;
                }

                if (c is ' ' or '\t')
                {
                    _at++;
                    continue;
                }

                if (c == '\\' && Peek(1) == '\n')
                {
                    _at += 2;
                    _line++;
                    continue;
                }

                if (c == '#')
                {
                    while (_at < text.Length && text[_at] != '\n')
                    {
                        _at++;
                    }

                    continue;
                }

                if (c is ';' or '&' or '|')
                {
                    while (_at < text.Length && text[_at] is ';' or '&' or '|')
                    {
                        _at++;
                    }

                    if (words.Count > 0)
                    {
                        return words;
                    }

                    continue;
                }

                words.Add(ReadWord());
            }

            return words;
        }

        private Word ReadWord()
        {
            var line = _line;
            var sb = new StringBuilder();
            var passThrough = false;
            while (_at < text.Length)
            {
                var c = text[_at];
                if (c is ' ' or '\t' or '\n' or ';' or '|' or '&')
                {
                    break;
                }

                if (c == '\\')
                {
                    if (Peek(1) == '\n')
                    {
                        // A continuation inside a word joins the next line to it, as bash does.
                        _at += 2;
                        _line++;
                        continue;
                    }

                    if (_at + 1 < text.Length)
                    {
                        sb.Append(text[_at + 1]);
                    }

                    _at += 2;
                    continue;
                }

                if (c == '\'')
                {
                    _at++;
                    while (_at < text.Length && text[_at] != '\'')
                    {
                        if (text[_at] == '\n')
                        {
                            _line++;
                        }

                        sb.Append(text[_at++]);
                    }

                    _at++;
                    continue;
                }

                if (c == '"')
                {
                    _at++;
                    while (_at < text.Length && text[_at] != '"')
                    {
                        var d = text[_at];
                        if (d == '\\' && Peek(1) is '"' or '\\' or '$' or '`')
                        {
                            sb.Append(text[_at + 1]);
                            _at += 2;
                        }
                        else if (d == '\\' && Peek(1) == '\n')
                        {
                            _at += 2;
                            _line++;
                        }
                        else if (d is '$' or '`')
                        {
                            passThrough |= Expand(sb);
                        }
                        else
                        {
                            if (d == '\n')
                            {
                                _line++;
                            }

                            sb.Append(d);
                            _at++;
                        }
                    }

                    _at++;
                    continue;
                }

                if (c is '$' or '`')
                {
                    passThrough |= Expand(sb);
                    continue;
                }

                sb.Append(c);
                _at++;
            }

            return new Word(sb.ToString(), line, passThrough && sb.Length == 0);
        }

        /// <summary>Expands the <c>$...</c> or backquote at the cursor into <paramref name="sb"/>; true for <c>$@</c> / <c>$*</c>.</summary>
        private bool Expand(StringBuilder sb)
        {
            var start = _at;
            if (text[_at] == '`')
            {
                var end = text.IndexOf('`', _at + 1);
                _at = end < 0 ? text.Length : end + 1;
                Placeholder(sb, text[start.._at], "command substitution");
                return false;
            }

            var next = Peek(1);
            if (next is '@' or '*')
            {
                _at += 2;
                return true;
            }

            if (next == '(')
            {
                var arithmetic = Peek(2) == '(';
                _at = Closing(_at + 1, '(', ')');
                if (arithmetic && _at - start >= 5 && Arithmetic.Evaluate(text[(start + 3)..(_at - 2)], _variables) is { } result)
                {
                    sb.Append(result.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return false;
                }

                Placeholder(sb, text[start.._at], arithmetic ? "arithmetic on values the script does not set" : "command substitution");
                return false;
            }

            if (next == '{')
            {
                _at = Closing(_at + 1, '{', '}');
                var inner = text[(start + 2)..(_at - 1)];
                var name = new string(inner.TakeWhile(ch => char.IsLetterOrDigit(ch) || ch == '_').ToArray());
                var op = inner[name.Length..];
                if (name.Length > 0 && _variables.TryGetValue(name, out var value) && (value.Length > 0 || !op.StartsWith(":-", StringComparison.Ordinal)))
                {
                    sb.Append(value);
                }
                else if (name.Length > 0 && (op.StartsWith(":-", StringComparison.Ordinal) || op.StartsWith('-')))
                {
                    var fallback = op[(op[0] == ':' ? 2 : 1)..];
                    sb.Append(ExpandDefault(fallback));
                }
                else if (name.Length > 0 && op.Length == 0)
                {
                    Placeholder(sb, "${" + name + "}", $"${name} is not set in the script");
                }
                else
                {
                    Placeholder(sb, text[start.._at], "parameter expansion");
                }

                return false;
            }

            if (next is not '\0' && (char.IsLetter(next) || next == '_'))
            {
                _at++;
                var nameStart = _at;
                while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] == '_'))
                {
                    _at++;
                }

                var name = text[nameStart.._at];
                if (_variables.TryGetValue(name, out var value))
                {
                    sb.Append(value);
                }
                else
                {
                    Placeholder(sb, "$" + name, $"${name} is not set in the script");
                }

                return false;
            }

            if (next is not '\0' && (char.IsAsciiDigit(next) || next is '#' or '?' or '$' or '!'))
            {
                _at += 2;
                Placeholder(sb, text[start.._at], "a positional or special parameter");
                return false;
            }

            sb.Append('$');
            _at++;
            return false;
        }

        // The default of ${VAR:-default}: itself may name variables ($X, ${X}); quotes around it are removed.
        private string ExpandDefault(string fallback)
        {
            var inner = new ScriptReader(fallback.Trim('"', '\''), file) { _line = _line };
            foreach (var (k, v) in _variables)
            {
                inner._variables[k] = v;
            }

            var word = inner.ReadWord();
            foreach (var warning in inner._warnings)
            {
                if (_warned.Add((warning.Line, warning.Message)))
                {
                    _warnings.Add(warning);
                }
            }

            return word.Text;
        }

        private void Placeholder(StringBuilder sb, string kept, string why)
        {
            sb.Append(kept);
            var message = $"{why}: kept '{kept}' as written (an unresolved placeholder)";
            if (_warned.Add((_line, message)))
            {
                _warnings.Add(new Diagnostic(DiagnosticCodes.ImportUnresolved, Severity.Warning, file, _line, 1, "", message,
                    "set the value in the script (NAME=value before the command), or edit the imported recipe"));
            }
        }

        private int Closing(int open, char opening, char closing)
        {
            var depth = 0;
            for (var i = open; i < text.Length; i++)
            {
                if (text[i] == opening)
                {
                    depth++;
                }
                else if (text[i] == closing && --depth == 0)
                {
                    return i + 1;
                }
                else if (text[i] == '\n')
                {
                    _line++;
                }
            }

            return text.Length;
        }

        private char Peek(int offset) => _at + offset < text.Length ? text[_at + offset] : '\0';

        private sealed record Word(string Text, int Line, bool PassThrough);
    }

    /// <summary>Bash integer arithmetic (<c>$((1024 * 4))</c>, <c>$((a + b))</c>) over the script's variables; null when it cannot.</summary>
    internal static class Arithmetic
    {
        public static long? Evaluate(string expression, IReadOnlyDictionary<string, string> variables)
        {
            var at = 0;
            try
            {
                var value = Sum(expression, ref at, variables, 0);
                Skip(expression, ref at);
                return at == expression.Length ? value : null;
            }
            catch (FormatException)
            {
                return null;
            }
            catch (DivideByZeroException)
            {
                return null;
            }
        }

        private static long Sum(string e, ref int at, IReadOnlyDictionary<string, string> vars, int depth)
        {
            var value = Product(e, ref at, vars, depth);
            while (true)
            {
                Skip(e, ref at);
                if (at < e.Length && e[at] is '+' or '-')
                {
                    var op = e[at++];
                    var right = Product(e, ref at, vars, depth);
                    value = op == '+' ? checked(value + right) : checked(value - right);
                }
                else
                {
                    return value;
                }
            }
        }

        private static long Product(string e, ref int at, IReadOnlyDictionary<string, string> vars, int depth)
        {
            var value = Unary(e, ref at, vars, depth);
            while (true)
            {
                Skip(e, ref at);
                if (at < e.Length && e[at] is '*' or '/' or '%' && !(e[at] == '*' && at + 1 < e.Length && e[at + 1] == '*'))
                {
                    var op = e[at++];
                    var right = Unary(e, ref at, vars, depth);
                    value = op switch
                    {
                        '*' => checked(value * right),
                        '/' => value / right,
                        _ => value % right,
                    };
                }
                else
                {
                    return value;
                }
            }
        }

        private static long Unary(string e, ref int at, IReadOnlyDictionary<string, string> vars, int depth)
        {
            Skip(e, ref at);
            if (at >= e.Length || depth > 32)
            {
                throw new FormatException();
            }

            if (e[at] is '-' or '+')
            {
                var negative = e[at++] == '-';
                var value = Unary(e, ref at, vars, depth + 1);
                return negative ? -value : value;
            }

            if (e[at] == '(')
            {
                at++;
                var value = Sum(e, ref at, vars, depth + 1);
                Skip(e, ref at);
                if (at >= e.Length || e[at] != ')')
                {
                    throw new FormatException();
                }

                at++;
                return value;
            }

            var start = at;
            if (char.IsAsciiDigit(e[at]))
            {
                while (at < e.Length && char.IsAsciiDigit(e[at]))
                {
                    at++;
                }

                return long.Parse(e[start..at], System.Globalization.CultureInfo.InvariantCulture);
            }

            if (e[at] == '$')
            {
                at++;
                start = at;
            }

            while (at < e.Length && (char.IsAsciiLetterOrDigit(e[at]) || e[at] == '_'))
            {
                at++;
            }

            var name = e[start..at];
            return name.Length > 0 && vars.TryGetValue(name, out var text) && long.TryParse(text.Trim(), System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new FormatException();
        }

        private static void Skip(string e, ref int at)
        {
            while (at < e.Length && char.IsWhiteSpace(e[at]))
            {
                at++;
            }
        }
    }
}
