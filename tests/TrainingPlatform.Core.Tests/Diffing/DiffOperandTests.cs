using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diffing;

namespace TrainingPlatform.Core.Tests.Diffing;

public sealed class DiffOperandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "trainplat-operand-" + Guid.NewGuid().ToString("N")[..12]);

    public DiffOperandTests()
    {
        Directory.CreateDirectory(_dir);
    }

    [Theory]
    [InlineData("grpo_basic", OperandKind.Recipe)]
    [InlineData("my-recipe", OperandKind.Recipe)]
    [InlineData("x.yaml", OperandKind.File)]
    [InlineData("x.YML", OperandKind.File)]
    [InlineData("rendered.json", OperandKind.File)]
    [InlineData("configs/ppo", OperandKind.File)]
    [InlineData(@"configs\ppo", OperandKind.File)]
    [InlineData(@"C:\configs\ppo.yaml", OperandKind.File)]
    [InlineData("C:/configs/ppo.yaml", OperandKind.File)]
    [InlineData("HEAD~1:recipes/x.yaml", OperandKind.GitRevision)]
    [InlineData("main:x.yaml", OperandKind.GitRevision)]
    [InlineData("v1.0:recipes/x", OperandKind.GitRevision)]
    [InlineData(":recipes/x.yaml", OperandKind.GitRevision)]
    [InlineData("job:42", OperandKind.Job)]
    [InlineData("job:run-2024-01", OperandKind.Job)]
    public void Operands_are_told_apart_by_their_spelling(string text, OperandKind expected)
    {
        Assert.Equal(expected, DiffOperand.Classify(text, _dir));
    }

    [Theory]
    [InlineData("grpo_basic")]
    [InlineData("HEAD:x.yaml")]
    [InlineData("job:1")]
    public void An_existing_file_wins(string name)
    {
        if (OperatingSystem.IsWindows() && name.Contains(':', StringComparison.Ordinal))
        {
            return; // Windows file names cannot hold a colon
        }

        File.WriteAllText(Path.Combine(_dir, name), "a: 1\n");
        Assert.Equal(OperandKind.File, DiffOperand.Classify(name, _dir));
    }

    [Fact]
    public void Rendered_json_loses_its_trainplat_metadata_and_yaml_comments_are_ignored()
    {
        const string Json = """
            {
              "trainplat": {"tool_version": "0.1.0", "recipe": "grpo_basic", "config_sha256": "abc"},
              "optimizer": {"learning_rate": 1.0e-06}
            }
            """;
        const string Yaml = "# Rendered by trainplat 0.1.0. Do not edit.\n# config:  sha256:def\noptimizer:\n  learning_rate: 1e-6\n";
        var json = DiffOperand.Parse(Json, "a.json", OperandKind.File, "a.json", out _)!;
        var yaml = DiffOperand.Parse(Yaml, "a.yaml", OperandKind.File, "a.yaml", out _)!;
        Assert.False(((JsonObject)json.Tree).ContainsKey("trainplat"));
        Assert.Empty(ConfigDiff.Compare(json.Tree, yaml.Tree));
    }

    [Fact]
    public void A_framework_config_keeps_a_trainplat_key_that_is_not_render_metadata()
    {
        var operand = DiffOperand.Parse("trainplat: {enabled: true}\n", "x.yaml", OperandKind.File, "x.yaml", out _)!;
        Assert.True(((JsonObject)operand.Tree).ContainsKey("trainplat"));
        Assert.False(operand.TrainplatLayout);
    }

    [Fact]
    public void Recipe_and_project_files_have_the_trainplat_layout()
    {
        Assert.True(DiffOperand.Parse("apiVersion: trainplat/v1\nid: x\n", "x.yaml", OperandKind.File, "x.yaml", out _)!.TrainplatLayout);
        Assert.False(DiffOperand.Parse("apiVersion: apps/v1\n", "x.yaml", OperandKind.File, "x.yaml", out _)!.TrainplatLayout);
    }

    [Theory]
    [InlineData("a: [1, 2\nb: 3\n", "TP0001")]
    [InlineData("- 1\n- 2\n", "TP0011")]
    [InlineData("", "TP0010")]
    [InlineData("a: 1\na: 2\n", "TP0004")]
    public void Unreadable_text_is_a_failure_with_file_line_col_diagnostics(string text, string code)
    {
        Assert.Null(DiffOperand.Parse(text, "bad.yaml", OperandKind.File, "bad.yaml", out var failure));
        Assert.Contains("bad.yaml", failure!.Message);
        var d = Assert.Single(failure.FileDiagnostics);
        Assert.Equal(("bad.yaml", code), (d.File, d.Code));
        Assert.StartsWith("fix the error shown above at bad.yaml:", failure.Hint);
    }

    [Theory]
    [InlineData("recipes/x.yaml", "recipes/x.yaml")]
    [InlineData("sub/../recipes/./x.yaml", "recipes/x.yaml")]
    [InlineData("sub/../../x.yaml", null)]
    [InlineData("../x.yaml", null)]
    [InlineData(".", null)]
    public void Repository_paths_are_normalized_and_may_not_leave_the_repository(string path, string? expected)
    {
        Assert.Equal(expected, GitRevisionFile.Normalize(path));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }
}
