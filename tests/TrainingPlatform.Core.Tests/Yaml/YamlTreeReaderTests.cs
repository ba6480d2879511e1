using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Validation;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Tests.Yaml;

public sealed class YamlTreeReaderTests
{
    [Fact]
    public void Scalars_resolve_by_the_yaml_1_2_core_schema()
    {
        var tree = YamlTreeReader.Parse("""
            a: 1
            b: -2.5
            c: 1e-6
            d: true
            e: ~
            f: "1"
            g: yes
            h: 0x1F
            i: 1.0e+3
            j:
            k: 'text'
            """, "t.yaml");
        Assert.Empty(tree.Diagnostics);
        var o = tree.Root!.AsObject();
        Assert.Equal(1L, o["a"]!.GetValue<long>());
        Assert.Equal(-2.5, o["b"]!.GetValue<double>());
        Assert.Equal(1e-6, o["c"]!.GetValue<double>());
        Assert.True(o["d"]!.GetValue<bool>());
        Assert.Null(o["e"]);
        Assert.Equal("1", o["f"]!.GetValue<string>());
        Assert.Equal("yes", o["g"]!.GetValue<string>());
        Assert.Equal(31L, o["h"]!.GetValue<long>());
        Assert.Equal(1000.0, o["i"]!.GetValue<double>());
        Assert.True(o.ContainsKey("j"));
        Assert.Null(o["j"]);
        Assert.Equal("text", o["k"]!.GetValue<string>());
    }

    [Fact]
    public void Every_key_and_value_has_its_position()
    {
        var tree = YamlTreeReader.Parse("apiVersion: trainplat/v1\nconfig:\n  optimizer:\n    learning_rate: 0.1\n  tags: [a, b]\n", "t.yaml");
        Assert.Equal(new SourcePosition(4, 5), tree.KeyPositionOf("/config/optimizer/learning_rate"));
        Assert.Equal(new SourcePosition(4, 20), tree.PositionOf("/config/optimizer/learning_rate"));
        Assert.Equal(new SourcePosition(5, 13), tree.PositionOf("/config/tags/1"));
        Assert.Equal(new SourcePosition(4, 20), tree.PositionOf("/config/optimizer/learning_rate/missing"));
    }

    [Fact]
    public void A_duplicate_key_is_an_error_at_the_second_key_and_the_first_wins()
    {
        var tree = YamlTreeReader.Parse("a: 1\nb:\n  c: 2\n  c: 3\n", "t.yaml");
        var d = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.DuplicateKey, d.Code);
        Assert.Equal((4, 3), (d.Line, d.Column));
        Assert.Contains("first at line 3", d.Message);
        Assert.Equal(2L, tree.Root!["b"]!["c"]!.GetValue<long>());
    }

    [Fact]
    public void An_alias_bomb_stops_fast_and_small()
    {
        var sb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= 9; i++)
        {
            sb.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n");
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var tree = YamlTreeReader.Parse(sb.ToString(), "bomb.yaml");
        watch.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(tree.Diagnostics, d => d.Code == DiagnosticCodes.AliasExpansion);
        Assert.Null(tree.Root);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        Assert.True(allocated < 200L * 1024 * 1024, $"allocated {allocated / 1024 / 1024} MiB");
    }

    [Fact]
    public void Small_aliases_are_expanded()
    {
        var tree = YamlTreeReader.Parse("base: &b {lr: 0.1}\ncopy: *b\n", "t.yaml");
        Assert.Empty(tree.Diagnostics);
        Assert.Equal(0.1, tree.Root!["copy"]!["lr"]!.GetValue<double>());
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(51)]
    public void Deep_nesting_is_an_error_not_a_crash(int depth)
    {
        var text = "a: " + new string('[', depth) + new string(']', depth) + "\n";
        var tree = YamlTreeReader.Parse(text, "deep.yaml");
        var d = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.NestingTooDeep, d.Code);
        Assert.Null(tree.Root);
    }

    [Fact]
    public void Nesting_at_the_limit_is_accepted()
    {
        var depth = YamlTreeReader.MaxDepth - 1; // the root mapping is one level
        var text = "a: " + new string('[', depth) + new string(']', depth) + "\n";
        Assert.Empty(YamlTreeReader.Parse(text, "deep.yaml").Diagnostics);
    }

    [Theory]
    [InlineData("a: !!python/object:os.system x\n", "!!python/object:os.system")]
    [InlineData("a: !!python/object/apply:os.system [\"ls\"]\n", "!!python/object/apply:os.system")]
    [InlineData("a: !custom 1\n", "!custom")]
    public void Custom_tags_are_rejected(string text, string tag)
    {
        var tree = YamlTreeReader.Parse(text, "t.yaml");
        var d = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnsupportedTag, d.Code);
        Assert.Contains(tag, d.Message);
    }

    [Fact]
    public void Standard_tags_coerce()
    {
        var tree = YamlTreeReader.Parse("a: !!str 1\nb: !!float 2\n", "t.yaml");
        Assert.Empty(tree.Diagnostics);
        Assert.Equal("1", tree.Root!["a"]!.GetValue<string>());
    }

    [Fact]
    public void Merge_keys_are_rejected()
    {
        var tree = YamlTreeReader.Parse("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", "t.yaml");
        var d = Assert.Single(tree.Diagnostics);
        Assert.Equal((DiagnosticCodes.MergeKey, 3, 3), (d.Code, d.Line, d.Column));
        Assert.False(tree.Root!["other"]!.AsObject().ContainsKey("x"));
    }

    [Fact]
    public void Tabs_in_indentation_are_named()
    {
        var tree = YamlTreeReader.Parse("a:\n\tb: 1\n", "t.yaml");
        var d = Assert.Single(tree.Diagnostics);
        Assert.Equal((DiagnosticCodes.TabIndentation, 2, 1), (d.Code, d.Line, d.Column));
    }

    [Fact]
    public void Syntax_errors_carry_a_position()
    {
        var tree = YamlTreeReader.Parse("a: 1\nb: \"unclosed\nc: 2\n", "t.yaml");
        var d = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.YamlSyntax, d.Code);
        Assert.True(d.Line >= 2);
        Assert.DoesNotContain("Line:", d.Message);
    }

    [Theory]
    [InlineData("", DiagnosticCodes.EmptyFile)]
    [InlineData("# only a comment\n", DiagnosticCodes.EmptyFile)]
    [InlineData("- a\n- b\n", DiagnosticCodes.NotAMapping)]
    [InlineData("just text\n", DiagnosticCodes.NotAMapping)]
    [InlineData("a: 1\n---\nb: 2\n", DiagnosticCodes.MultipleDocuments)]
    [InlineData("? [a]\n: 1\n", DiagnosticCodes.ComplexKey)]
    public void Structural_problems_have_their_codes(string text, string code)
    {
        var tree = YamlTreeReader.Parse(text, "t.yaml");
        Assert.Equal(code, Assert.Single(tree.Diagnostics).Code);
        Assert.Null(tree.Root);
    }

    [Fact]
    public void Invalid_utf8_is_an_error_with_its_line_not_a_replacement()
    {
        var bytes = Encoding.UTF8.GetBytes("a: 1\ndescription: caf").Concat(new byte[] { 0xE9, 0x0A }).ToArray();
        Assert.Null(SourceFile.Decode(bytes, "t.yaml", out var error));
        Assert.Equal((DiagnosticCodes.InvalidUtf8, 2, 17), (error!.Code, error.Line, error.Column));
        Assert.Contains("0xE9", error.Message);
    }

    [Fact]
    public void A_byte_order_mark_is_dropped()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("a: 1\n")).ToArray();
        Assert.Equal("a: 1\n", SourceFile.Decode(bytes, "t.yaml", out var error));
        Assert.Null(error);
    }

    [Fact]
    public void A_folder_or_a_missing_file_is_unreadable()
    {
        Assert.Null(SourceFile.Read(Path.GetTempPath(), "tmp", out var folder));
        Assert.Equal(DiagnosticCodes.Unreadable, folder!.Code);
        Assert.Contains("is a folder", folder.Message);
        Assert.Null(SourceFile.Read(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString()), "missing.yaml", out var missing));
        Assert.Equal(DiagnosticCodes.Unreadable, missing!.Code);
    }

    [Fact]
    public void Plain_scalars_are_kept_for_lint_rules()
    {
        var tree = YamlTreeReader.Parse("a: 1e-6\nb: \"1e-6\"\n", "t.yaml");
        var s = Assert.Single(tree.PlainScalars);
        Assert.Equal(("/a", "1e-6"), (s.Pointer, s.Text));
    }

    [Fact]
    public void Keys_with_slashes_are_escaped_in_pointers()
    {
        var tree = YamlTreeReader.Parse("set:\n  a/b: 1\n", "t.yaml");
        Assert.Equal(new SourcePosition(2, 3), tree.KeyPositionOf("/set/a~1b"));
        Assert.IsType<JsonObject>(tree.Root);
    }
}
