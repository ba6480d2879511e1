using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Tests.Schema;

/// <summary>
/// QuickSchema may only say "certainly valid" where JsonSchema.Net agrees: every shipped recipe, the examples, the
/// project file and thousands of mutations of them (each value replaced by values of every JSON type, at and beyond
/// bounds, non-ASCII and multi-line strings, duplicates in lists; keys removed and added). It must also say yes to
/// the valid files themselves, or the quick path would never be taken.
/// </summary>
public sealed class QuickSchemaTests
{
    private static readonly Func<JsonNode?>[] Replacements =
    [
        () => null, () => true, () => false, () => "", () => "text", () => "x y", () => "ünï", () => "a\nb", () => "1.0.0\n",
        () => 0, () => -1, () => 1, () => 2, () => 0.5, () => -0.5, () => 1e-12, () => 1e20, () => 1L << 60, () => 3.0,
        () => new JsonArray(), () => new JsonArray("a", "a"), () => new JsonArray("a", "b"), () => new JsonArray(1, 2),
        () => new JsonObject(), () => new JsonObject { ["zz_unknown"] = 1 },
    ];

    public static TheoryData<string> ValidFiles()
    {
        var data = new TheoryData<string>();
        foreach (var doc in RecipeRegistry.BuiltIns)
        {
            data.Add(doc.DisplayPath);
        }

        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "examples", "recipes"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(TestPaths.RepoRoot, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void A_valid_recipe_is_accepted_quickly_and_no_mutation_of_it_is_accepted_that_JsonSchema_Net_rejects(string file)
    {
        var root = Load(file);
        var quick = QuickSchema.Compile(SchemaDocument.Recipe.Tree);
        var full = new CompiledSchema(SchemaDocument.Recipe.Text);
        Assert.True(quick.CertainlyValid(root), $"{file}: the quick check does not accept a valid recipe");
        Assert.Empty(Full(full, root));

        var (accepted, rejected) = Mutate(root, quick, full, file);

        // Both answers occur: the mutations reach the rules, and the quick path says yes to many harmless ones.
        Assert.True(accepted > 50, $"{file}: only {accepted} mutations accepted");
        Assert.True(rejected > 100, $"{file}: only {rejected} mutations rejected");
    }

    [Fact]
    public void The_config_schema_of_scaling_rules_and_overrides_agrees_with_JsonSchema_Net()
    {
        var config = RecipeSchema.Current.ConfigDocument;
        var quick = QuickSchema.Compile(config.Tree);
        var full = new CompiledSchema(config.Text);
        foreach (var doc in RecipeRegistry.BuiltIns)
        {
            var instance = doc.Tree.Root!["config"]!.DeepClone();
            Assert.True(quick.CertainlyValid(instance), doc.DisplayPath);
            Mutate(instance, quick, full, doc.DisplayPath + " config");
        }
    }

    [Fact]
    public void The_project_file_schema_agrees_with_JsonSchema_Net()
    {
        var root = YamlTreeReader.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "examples", "trainplat.yaml")), "trainplat.yaml").Root!;
        var quick = QuickSchema.Compile(SchemaDocument.Project.Tree);
        var full = new CompiledSchema(SchemaDocument.Project.Text);
        Assert.True(quick.CertainlyValid(root));
        Mutate(root, quick, full, "examples/trainplat.yaml");
    }

    [Fact]
    public void Values_at_a_bound_and_numbers_beyond_exact_doubles_are_left_to_JsonSchema_Net()
    {
        var quick = QuickSchema.Compile(JsonNode.Parse("""
            {"type": "object", "properties": {
              "lr": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
              "n": {"type": "integer", "minimum": 1},
              "id": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2}}}
            """)!);
        Assert.True(quick.CertainlyValid(JsonNode.Parse("""{"lr": 0.5, "n": 3, "id": "ab"}""")));
        Assert.True(quick.CertainlyValid(JsonNode.Parse("""{"lr": 1}""")));                        // equal to the maximum
        Assert.False(quick.CertainlyValid(JsonNode.Parse("""{"lr": 0}""")));                       // equal to the exclusive minimum
        Assert.True(quick.CertainlyValid(JsonNode.Parse("""{"n": 1}""")));                         // equal to the minimum
        Assert.False(QuickSchema.Compile(JsonNode.Parse("""{"maximum": 0.10000000000000000001}""")!).CertainlyValid(0.1)); // more digits than a double
        Assert.False(quick.CertainlyValid(new JsonObject { ["n"] = 1L << 60 }));                    // beyond 2^53: not sure
        Assert.False(quick.CertainlyValid(JsonNode.Parse("""{"n": 2.5}""")));                      // not an integer
        Assert.True(quick.CertainlyValid(JsonNode.Parse("""{"n": 2.0}""")));                       // 2.0 is an integer in JSON Schema
        Assert.False(quick.CertainlyValid(JsonNode.Parse("""{"id": "ab\n"}""")));                  // .NET's $ matches before \n
        Assert.False(quick.CertainlyValid(JsonNode.Parse("""{"id": "é"}""")));                     // non-ASCII under a length rule
        Assert.False(QuickSchema.Compile(JsonNode.Parse("""{"anyOf": [{"type": "string"}]}""")!).CertainlyValid("x")); // unknown keyword
    }

    private static JsonNode Load(string file)
    {
        if (file.StartsWith("builtin:", StringComparison.Ordinal))
        {
            return RecipeRegistry.BuiltIns.Single(d => d.DisplayPath == file).Tree.Root!;
        }

        return YamlTreeReader.Parse(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, file)), file).Root!;
    }

    private static IReadOnlyList<SchemaFailure> Full(CompiledSchema full, JsonNode? instance)
    {
        using var doc = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        return full.Evaluate(doc.RootElement);
    }

    private static (int Accepted, int Rejected) Mutate(JsonNode root, QuickSchema quick, CompiledSchema full, string file)
    {
        var accepted = 0;
        var rejected = 0;
        foreach (var pointer in Pointers(root, ""))
        {
            foreach (var mutant in Mutants(root, pointer))
            {
                if (!quick.CertainlyValid(mutant))
                {
                    rejected++;
                    continue;
                }

                accepted++;
                var failures = Full(full, mutant);
                Assert.True(failures.Count == 0,
                    $"{file}: the quick check accepts a change at {pointer} that JsonSchema.Net rejects: {mutant.ToJsonString()[..Math.Min(400, mutant.ToJsonString().Length)]} " +
                    string.Join("; ", failures.Select(f => $"{f.InstancePointer} {f.Keyword} {f.Message}")));
            }
        }

        return (accepted, rejected);
    }

    private static IEnumerable<string> Pointers(JsonNode? node, string pointer)
    {
        if (pointer.Length > 0)
        {
            yield return pointer;
        }

        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    foreach (var p in Pointers(value, pointer + "/" + YamlTreeReader.EscapePointerToken(key)))
                    {
                        yield return p;
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    foreach (var p in Pointers(a[i], pointer + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    {
                        yield return p;
                    }
                }

                break;
        }
    }

    private static IEnumerable<JsonNode> Mutants(JsonNode root, string pointer)
    {
        foreach (var replacement in Replacements)
        {
            var copy = root.DeepClone();
            Replace(copy, pointer, replacement());
            yield return copy;
        }

        // The key removed, and an unknown key added beside it.
        var removed = root.DeepClone();
        if (Parent(removed, pointer, out var token) is JsonObject o)
        {
            o.Remove(token);
            yield return removed;
            var added = root.DeepClone();
            ((JsonObject)Parent(added, pointer, out _)!)["zz_" + token] = 1;
            yield return added;
        }
    }

    private static void Replace(JsonNode root, string pointer, JsonNode? value)
    {
        switch (Parent(root, pointer, out var token))
        {
            case JsonObject o:
                o[token] = value;
                break;
            case JsonArray a:
                a[int.Parse(token, System.Globalization.CultureInfo.InvariantCulture)] = value;
                break;
        }
    }

    private static JsonNode? Parent(JsonNode root, string pointer, out string token)
    {
        var tokens = TrainingPlatform.Core.Text.PointerText.Tokens(pointer);
        JsonNode? node = root;
        foreach (var t in tokens.Take(tokens.Count - 1))
        {
            node = node is JsonArray a ? a[int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)] : node![t];
        }

        token = tokens[^1];
        return node;
    }
}
