using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Core.Yaml;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace TrainingPlatform.Core.Tests.Yaml;

/// <summary>
/// QuickYaml may only answer where it gives exactly YamlDotNet's events: every shipped recipe, the examples, the model
/// catalog, the corpus of bad files, the verl fixtures, their block-list spellings, and tens of thousands of mutations
/// of them (indents moved, lines dropped or doubled, characters YAML treats specially inserted everywhere). A file it is
/// not sure of must give the same tree through YamlDotNet. And it must answer for the plain files themselves, or the
/// quick path would never be taken.
/// </summary>
public sealed partial class QuickYamlTests
{
    private static readonly string[] Inserts =
    [
        " ", "  ", "\t", "#", " #", ":", ": ", "-", "- ", "'", "\"", "\\", "[", "]", "{", "}", ",", "&a ", "*a", "!", "!!str ", "|", ">",
        "%", "@", "`", "?", "? ", "\r", "\n", "\n\n", "---\n", "...", "é", "\u2028", "\u0085", "\ufeff", "\U0001F600", "\u0001", "~", "<<: ",
    ];

    /// <summary>
    /// The plain files: shipped recipes and examples. (The model catalog is written the same way; mutating its 38 KB
    /// would take a minute in YamlDotNet, so it is only read whole, in both list spellings, below.)
    /// </summary>
    public static TheoryData<string> PlainFiles() => Relative(PlainPaths().Where(f => Path.GetFileName(f) != "models.yaml"));

    /// <summary>The bad corpus and the verl fixtures: mostly outside the subset on purpose.</summary>
    public static TheoryData<string> OtherFiles()
    {
        var root = TestPaths.RepoRoot;

        // The 200 KB nesting bomb of the bad corpus is left out of the line edits: they would take minutes in YamlDotNet.
        return Relative(Directory.GetFiles(Path.Combine(root, "tests", "TrainingPlatform.Core.Tests", "Corpus"), "*.yaml", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(root, "tests", "TrainingPlatform.Tool.Tests", "Frameworks", "Verl"), "*.yaml"))
            .Where(f => new FileInfo(f).Length < 64 * 1024));
    }

    [Theory]
    [MemberData(nameof(OtherFiles))]
    public void Every_line_edit_of_a_bad_or_framework_file_that_the_quick_reader_answers_gives_YamlDotNets_events(string file)
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, file));
        foreach (var mutated in Mutations(text, inserts: false))
        {
            Check(mutated, file);
        }
    }

    [Theory]
    [MemberData(nameof(PlainFiles))]
    public void Every_mutation_of_a_plain_file_that_the_quick_reader_answers_gives_YamlDotNets_events(string file)
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, file));
        Assert.True(Check(text, file), $"{file}: the quick reader is not sure of a plain file");
        var answered = 0;
        var mutations = 0;
        foreach (var mutated in Mutations(text, inserts: true))
        {
            mutations++;
            if (Check(mutated, file))
            {
                answered++;
            }
        }

        // Both answers occur: the mutations reach the reader's limits, and it answers for many harmless ones.
        Assert.True(answered < mutations, $"{file}: answered all {mutations} mutations");
        Assert.True(answered > mutations / 10, $"{file}: answered only {answered} of {mutations} mutations");
    }

    [Fact]
    public void Every_shipped_recipe_example_and_the_model_catalog_take_the_quick_path_in_both_list_spellings()
    {
        var plain = PlainPaths().ToList();
        Assert.True(plain.Count > 15);
        foreach (var file in plain)
        {
            var text = File.ReadAllText(file);
            foreach (var spelling in new[] { text, BlockLists(text, compact: false), BlockLists(text, compact: true) })
            {
                Assert.True(Check(spelling, file), $"{file}: the quick reader is not sure of a plain file:\n{spelling}");
            }
        }
    }

    [Theory]
    [InlineData("a: 1\nb:\n  c: [x, y]  # note\n  d:\n  - e\n  - f: 'g h'\n    i: \"j\"\nk: -1.5e-3\n")]
    [InlineData("# only a comment first\n\napiVersion: trainplat/v1\nlist:\n  - a\n  -   b\n  - c: d\n    e: []\n")]
    [InlineData("  indented: root\n  second: 2\n")]
    [InlineData("a: x#y\nb: http://h:80/p\nc: ${oc.env:HOME}\nd: über\n")]
    public void Plain_files_take_the_quick_path_and_give_YamlDotNets_events(string text) =>
        Assert.True(Check(text, "inline.yaml"), "the quick reader is not sure of:\n" + text);

    [Theory]
    [InlineData("a:\nb: 1\n")]                  // a key without a value is null
    [InlineData("a: b\n  c\n")]                 // a value that continues on the next line
    [InlineData("a: |\n  text\n")]              // block scalar
    [InlineData("a: &x 1\nb: *x\n")]            // anchor and alias
    [InlineData("a: !!str 1\n")]                // tag
    [InlineData("a: {b: 1}\n")]                 // flow mapping
    [InlineData("a: \"x\\ty\"\n")]              // escape
    [InlineData("a: b: c\n")]                   // syntax error
    [InlineData("---\na: 1\n")]                 // document marker
    [InlineData("- a\n- b\n")]                  // top level is a list
    [InlineData("a: 1\r\nb: 2\r\n")]            // carriage returns
    [InlineData("a:\n  - - x\n")]               // a list in a list
    [InlineData("")]
    [InlineData("# nothing\n")]
    public void Files_outside_the_subset_are_left_to_YamlDotNet(string text)
    {
        Assert.Null(QuickYaml.TryParse(text));
        Check(text, "inline.yaml");
    }

    /// <summary>
    /// True when the quick reader answered. Its events must then be YamlDotNet's (same kinds, positions, values, styles),
    /// and the tree read through the quick path must be the tree read through YamlDotNet alone.
    /// </summary>
    private static bool Check(string text, string file)
    {
        var quick = QuickYaml.TryParse(text);
        if (quick is not null)
        {
            var full = YamlDotNetEvents(text);
            Assert.True(full is not null, $"{file}: the quick reader answered but YamlDotNet refuses:\n{text}");
            Assert.Equal(string.Join('\n', full!), string.Join('\n', quick.Select(Describe)));
        }

        if (quick is null)
        {
            return false; // the quick path then is YamlDotNet's path itself
        }

        var a = YamlTreeReader.Parse(text, file, quick: true);
        var b = YamlTreeReader.Parse(text, file, quick: false);
        Assert.Equal(Describe(b), Describe(a));
        return true;
    }

    private static List<string>? YamlDotNetEvents(string text)
    {
        var parser = new Parser(new StringReader(text));
        var events = new List<string>();
        try
        {
            while (parser.MoveNext())
            {
                events.Add(Describe(parser.Current!));
            }
        }
        catch (Exception ex) when (ex is YamlException or InvalidOperationException)
        {
            return null;
        }

        return events;
    }

    /// <summary>Everything of an event that the tree reader uses (positions of ends and of the stream are not used).</summary>
    private static string Describe(ParsingEvent e) => e switch
    {
        Scalar s => string.Create(CultureInfo.InvariantCulture,
            $"Scalar {s.Start.Line}:{s.Start.Column} {s.Style} key={s.IsKey} tag={s.Tag} anchor={s.Anchor} [{s.Value}]"),
        MappingStart m => string.Create(CultureInfo.InvariantCulture, $"MappingStart {m.Start.Line}:{m.Start.Column} {m.Style} tag={m.Tag} anchor={m.Anchor}"),
        SequenceStart q => string.Create(CultureInfo.InvariantCulture, $"SequenceStart {q.Start.Line}:{q.Start.Column} {q.Style} tag={q.Tag} anchor={q.Anchor}"),
        DocumentStart d => $"DocumentStart implicit={d.IsImplicit}",
        _ => e.GetType().Name,
    };

    private static string Describe(YamlTree t)
    {
        var sb = new StringBuilder();
        sb.AppendLine(t.Root?.ToJsonString() ?? "(no root)");
        foreach (var (k, v) in t.ValuePositions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"value {k} {v}");
        }

        foreach (var (k, v) in t.KeyPositions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"key {k} {v}");
        }

        foreach (var p in t.PlainScalars)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"plain {p}");
        }

        foreach (var d in t.Diagnostics)
        {
            sb.AppendLine(JsonSerializer.Serialize(new[] { d.Code, d.Line.ToString(CultureInfo.InvariantCulture), d.Column.ToString(CultureInfo.InvariantCulture), d.Pointer, d.Message, d.Hint ?? "" }));
        }

        return sb.ToString();
    }

    private static IEnumerable<string> PlainPaths() =>
        Directory.GetFiles(TestPaths.Recipes, "*.yaml")
            .Concat(Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "examples"), "*.yaml", SearchOption.AllDirectories))
            .Append(Path.Combine(TestPaths.RepoRoot, "catalog", "models.yaml"))
            .Order(StringComparer.Ordinal);

    private static TheoryData<string> Relative(IEnumerable<string> files)
    {
        var data = new TheoryData<string>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(TestPaths.RepoRoot, file));
        }

        return data;
    }

    /// <summary>Line edits (indents, drops, doubles, values cut, lists respelled) and special characters inserted at the start, middle and end of lines and around every colon.</summary>
    private static IEnumerable<string> Mutations(string text, bool inserts)
    {
        var lines = text.Split('\n');
        yield return text;
        yield return BlockLists(text, compact: false);
        yield return BlockLists(text, compact: true);
        yield return text.TrimEnd('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var indent = line.Length - line.TrimStart(' ').Length;
            yield return With(lines, i, " " + line);
            yield return With(lines, i, "  " + line);
            if (indent > 0)
            {
                yield return With(lines, i, line[1..]);
                yield return With(lines, i, line[2..]);
            }

            yield return string.Join('\n', lines.Where((_, j) => j != i));
            yield return string.Join('\n', lines.Take(i + 1).Concat(lines.Skip(i)));
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0)
            {
                yield return With(lines, i, line[..(colon + 1)]);
                yield return With(lines, i, line.Remove(colon + 1, 1));
            }

            if (!inserts || line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var points = new SortedSet<int> { indent, Math.Min(line.Length, indent + 1), line.Length / 2, line.Length };
            if (colon > 0)
            {
                points.Add(colon);
                points.Add(colon + 2);
            }

            // Each place gets a third of the characters, rotating with the line, so every character reaches every kind of place.
            var place = 0;
            foreach (var at in points)
            {
                place++;
                for (var k = (i + place) % 3; k < Inserts.Length; k += 3)
                {
                    yield return With(lines, i, line.Insert(at, Inserts[k]));
                }
            }
        }
    }

    private static string With(string[] lines, int i, string line)
    {
        var copy = (string[])lines.Clone();
        copy[i] = line;
        return string.Join('\n', copy);
    }

    /// <summary>The same file with every one-line flow list written as a block list (indented under its key, or compact at its indent).</summary>
    private static string BlockLists(string text, bool compact) =>
        FlowListLine().Replace(text, m =>
        {
            var indent = m.Groups["indent"].Value;
            var items = m.Groups["items"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (items.Length == 0)
            {
                return m.Value;
            }

            var inner = compact ? indent : indent + "  ";
            return indent + m.Groups["key"].Value + ":" + string.Concat(items.Select(item => "\n" + inner + "- " + item));
        });

    [GeneratedRegex(@"^(?<indent> *)(?<key>[A-Za-z0-9_]+): \[(?<items>[^\]\n]*)\][ ]*$", RegexOptions.Multiline)]
    private static partial Regex FlowListLine();
}
