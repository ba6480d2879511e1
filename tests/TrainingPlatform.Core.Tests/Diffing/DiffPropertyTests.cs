using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Rendering;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Core.Tests.Diffing;

/// <summary>Every built-in recipe rendered at 1.5B, 7B and 72B, once for all the property tests.</summary>
public sealed class RenderedBuiltIns : IDisposable
{
    public static readonly string[] Sizes = ["1.5B", "7B", "72B"];

    private readonly string _empty = Path.Combine(Path.GetTempPath(), "trainplat-props-" + Guid.NewGuid().ToString("N")[..12]);

    public RenderedBuiltIns()
    {
        // An empty folder: no trainplat.yaml or git root above it to add project recipes.
        Directory.CreateDirectory(_empty);
        var configs = new List<(string Name, ResolvedConfig Config)>();
        foreach (var id in RecipeRegistry.BuiltInOnly().Ids)
        {
            foreach (var size in Sizes)
            {
                var result = RecipeResolver.Resolve(new RenderRequest(id, size, null, null, null, null, [], _empty));
                Assert.True(result.Config is not null, $"{id} at {size}: {result.Error}");
                configs.Add(($"{id}@{size}", result.Config));
            }
        }

        Configs = configs;
    }

    public IReadOnlyList<(string Name, ResolvedConfig Config)> Configs { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_empty, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }
}

public sealed class DiffPropertyTests(RenderedBuiltIns builtIns) : IClassFixture<RenderedBuiltIns>
{
    [Fact]
    public void There_are_three_sizes_of_every_builtin()
    {
        Assert.Equal(RecipeRegistry.BuiltInOnly().Ids.Count() * 3, builtIns.Configs.Count);
    }

    [Fact]
    public void A_config_against_itself_is_empty_as_a_tree_as_rendered_yaml_and_as_rendered_json()
    {
        Assert.All(builtIns.Configs, c =>
        {
            Assert.Empty(ConfigDiff.Compare(c.Config.Config, c.Config.Config));
            Assert.Empty(ConfigDiff.Compare(c.Config.Config, c.Config.Config.DeepClone()));
            var yaml = Load(RenderedConfigWriter.Yaml(c.Config, "0.0.0-test", explain: true), c.Name + ".yaml");
            var json = Load(RenderedConfigWriter.Json(c.Config, "0.0.0-test"), c.Name + ".json");
            Assert.Empty(ConfigDiff.Compare(c.Config.Config, yaml));
            Assert.Empty(ConfigDiff.Compare(yaml, json));
        });
    }

    [Fact]
    public void Diff_b_a_mirrors_diff_a_b_for_every_pair()
    {
        var configs = builtIns.Configs;
        var nonEmpty = 0;
        for (var i = 0; i < configs.Count; i++)
        {
            for (var j = i + 1; j < configs.Count; j++)
            {
                var forward = ConfigDiff.Compare(configs[i].Config.Config, configs[j].Config.Config);
                var backward = ConfigDiff.Compare(configs[j].Config.Config, configs[i].Config.Config);
                var pair = $"{configs[i].Name} vs {configs[j].Name}";
                Assert.True(forward.Count == backward.Count, pair);
                var mirrored = backward.Select(Mirror).ToList();
                mirrored.Sort(ConfigDiff.Order);
                for (var k = 0; k < forward.Count; k++)
                {
                    var (f, m) = (forward[k], mirrored[k]);
                    Assert.True(f.Path == m.Path && f.Kind == m.Kind && f.Severity == m.Severity, $"{pair}: {f} vs mirrored {m}");
                    Assert.True(ConfigDiff.ValueEquals(f.Old, m.Old) && ConfigDiff.ValueEquals(f.New, m.New), $"{pair}: {f.Path}");
                    // A ratio of 0 (to zero) mirrors no ratio (from zero).
                    Assert.True(NonZero(f.Ratio) is null == NonZero(m.Ratio) is null, $"{pair}: {f.Path} ratio");
                    if (NonZero(f.Ratio) is { } r)
                    {
                        Assert.True(Math.Abs(r - m.Ratio!.Value) <= 1e-5 * Math.Abs(r), $"{pair}: {f.Path} ratio {r} vs {m.Ratio}"); // 6 significant digits each way
                    }

                    Assert.Equal(f.OrdersOfMagnitude is null, m.OrdersOfMagnitude is null);
                    if (f.OrdersOfMagnitude is { } o)
                    {
                        Assert.True(Math.Abs(o - m.OrdersOfMagnitude!.Value) <= 1e-5 * Math.Abs(o), $"{pair}: {f.Path} orders {o} vs {m.OrdersOfMagnitude}");
                    }
                }

                nonEmpty += forward.Count > 0 ? 1 : 0;
            }
        }

        Assert.True(nonEmpty > configs.Count, "the pairs should mostly differ");
    }

    [Fact]
    public void Rewriting_every_number_in_another_notation_and_reversing_key_order_gives_no_change()
    {
        Assert.All(builtIns.Configs, c =>
        {
            var rendered = RenderedConfigWriter.Yaml(c.Config, "0.0.0-test", explain: false);
            var rewritten = RewrittenYaml.Write(c.Config.Config);
            Assert.NotEqual(rendered, rewritten);
            var changes = ConfigDiff.Compare(Load(rendered, c.Name + ".yaml"), Load(rewritten, c.Name + "-rewritten.yaml"));
            Assert.True(changes.Count == 0, c.Name + ":\n" + string.Join("\n", changes) + "\n" + rewritten);
        });
    }

    [Fact]
    public void The_rewriter_really_changes_the_notation()
    {
        var config = JsonNode.Parse("""{"a": {"lr": 1e-6, "n": 16, "x": 0.05, "big": 3e20, "s": "16", "b": true, "z": null, "l": [1, 2.5e-7]}}""")!;
        var text = RewrittenYaml.Write(config);
        Assert.Contains("0.000001", text);
        Assert.Contains("\"s\": \"16\"", text);
        Assert.Contains("300000000000000000000.0", text);
        Assert.Contains("0.00000025", text);
        Assert.Contains("E-002", text);
        Assert.Empty(ConfigDiff.Compare(config, Load(text, "r.yaml")));

        // Not vacuous: a changed number in the rewritten text is found.
        var changed = text.Replace("0.000001", "0.000002", StringComparison.Ordinal);
        Assert.Equal("a.lr", Assert.Single(ConfigDiff.Compare(config, Load(changed, "r.yaml"))).Path);
    }

    private static Change Mirror(Change c) => c with
    {
        Kind = c.Kind switch
        {
            ChangeKind.Added => ChangeKind.Removed,
            ChangeKind.Removed => ChangeKind.Added,
            _ => c.Kind,
        },
        Old = c.New,
        New = c.Old,
        Ratio = c.Ratio is { } r && r != 0 ? 1 / r : null,
        OrdersOfMagnitude = -c.OrdersOfMagnitude,
    };

    private static double? NonZero(double? ratio) => ratio is 0 ? null : ratio;

    private static JsonNode Load(string text, string name)
    {
        var operand = DiffOperand.Parse(text, name, OperandKind.File, name, out var failure);
        Assert.True(operand is not null, failure?.Message + "\n" + text);
        return operand.Tree;
    }
}

/// <summary>
/// Writes a tree as YAML the way nobody else here does: keys in reverse order, every key and string
/// double-quoted, integers as floats (<c>16.0</c>) or in exponent form (<c>1.6000000000000000E+001</c>), floats that
/// render writes with an exponent in plain decimals (<c>0.000001</c>) and the others with an
/// exponent (<c>5.0000000000000003E-002</c>), null as <c>~</c>, lists in flow style.
/// </summary>
internal sealed class RewrittenYaml
{
    private int _numbers;

    public static string Write(JsonNode node)
    {
        var sb = new StringBuilder();
        new RewrittenYaml().Map(sb, (JsonObject)node, 0);
        return sb.ToString();
    }

    private void Map(StringBuilder sb, JsonObject o, int indent)
    {
        foreach (var (key, value) in o.Reverse())
        {
            sb.Append(' ', indent).Append(Quote(key)).Append(':');
            if (value is JsonObject child && child.Count > 0)
            {
                sb.Append('\n');
                Map(sb, child, indent + 2);
            }
            else
            {
                sb.Append(' ').Append(Flow(value)).Append('\n');
            }
        }
    }

    private string Flow(JsonNode? node) => node switch
    {
        null => "~",
        JsonObject o => "{" + string.Join(", ", o.Reverse().Select(p => Quote(p.Key) + ": " + Flow(p.Value)).ToList()) + "}",
        JsonArray a => "[" + string.Join(", ", a.Select(Flow).ToList()) + "]",
        JsonValue v => Scalar(v),
        _ => throw new InvalidOperationException(node.ToJsonString()),
    };

    private string Scalar(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                return Quote(value.GetValue<string>());
            case JsonValueKind.True:
                return "true";
            case JsonValueKind.False:
                return "false";
        }

        _numbers++;
        Assert.True(ConfigDiff.TryNumber(value, out var d, out var isInteger), value.ToJsonString());
        if (isInteger)
        {
            return _numbers % 2 == 0
                ? ((long)d).ToString(CultureInfo.InvariantCulture) + ".0"
                : d.ToString("E16", CultureInfo.InvariantCulture);
        }

        return Numbers.Format(d).Contains('e', StringComparison.Ordinal) ? Decimal(d) : d.ToString("E16", CultureInfo.InvariantCulture);
    }

    /// <summary>The exact shortest round-trip digits of a double, written without an exponent.</summary>
    private static string Decimal(double d)
    {
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var e = r.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return r.Contains('.', StringComparison.Ordinal) ? r : r + ".0";
        }

        var mantissa = r[..e];
        var exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var sign = mantissa.StartsWith('-') ? "-" : "";
        mantissa = mantissa.TrimStart('-');
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = mantissa.Replace(".", "", StringComparison.Ordinal);
        var point = (dot < 0 ? mantissa.Length : dot) + exponent;
        var text = point <= 0 ? "0." + new string('0', -point) + digits
            : point >= digits.Length ? digits + new string('0', point - digits.Length) + ".0"
            : digits[..point] + "." + digits[point..];
        return sign + text;
    }

    private static string Quote(string s) => JsonSerializer.Serialize(s);
}
