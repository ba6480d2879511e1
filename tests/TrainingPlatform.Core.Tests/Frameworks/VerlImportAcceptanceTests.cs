using System.Text.Json.Nodes;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Tests.Support;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Tests.Frameworks;

/// <summary>
/// Issue 14's acceptance for <c>import verl</c>: five of verl's own example scripts at v0.7.0 (Fixtures/verl-scripts,
/// see its README) import to recipes that validate, render at the script's model and cluster with no pre-flight error,
/// and export back to the script's value for every mapped key; every other key is listed under extra.verl.
/// </summary>
public sealed class VerlImportAcceptanceTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("trainplat-import-");

    public static TheoryData<string, string, bool, string?> Scripts => new()
    {
        { "run_qwen2-7b_math.sh", "grpo", false, null },
        { "run_deepseek7b_llm.sh", "ppo", false, null },
        { "run_qwen2_5-3b_gsm8k_grpo_lora.sh", "grpo", false, null },
        { "run_qwen2-7b_math_megatron.sh", "grpo", true, null },
        { "run_qwen2-7b_seq_balance.sh", "ppo", false, null },
    };

    public void Dispose() => _folder.Delete(recursive: true);

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Verl_example_scripts_import_render_and_export_back_to_their_values(string script, string algorithm, bool megatron, string? unused)
    {
        _ = unused;
        var path = Path.Combine(TestPaths.Fixtures, "verl-scripts", script);
        var result = VerlImport.Import(new VerlImportRequest(File.ReadAllText(path), script, null, _folder.FullName));

        Assert.Equal(algorithm, result.Algorithm);
        Assert.Equal(megatron, result.Variant.Megatron);
        var doc = RecipeDocument.Parse(result.RecipeText, result.Id + ".yaml");
        Assert.DoesNotContain(RecipeValidator.ValidateRecipe(doc, RecipeRegistry.BuiltInOnly()), d => d.IsError);
        Assert.Contains(script, doc.Recipe!.Source, StringComparison.Ordinal);

        var request = new RenderRequest(result.Id, result.ModelSize, result.Model, null, null, null, [], _folder.FullName) { Pinned = [doc] };
        var render = RecipeResolver.Resolve(request);
        var resolved = Assert.IsType<ResolvedConfig>(render.Config);
        Assert.DoesNotContain(resolved.Findings, f => f.IsError);
        Assert.Equal(Int(result.Given["trainer.n_gpus_per_node"]), resolved.GpusPerNode);
        Assert.Equal(Int(result.Given["trainer.nnodes"]), resolved.Nodes);

        // Exported back with the export command's own code, to the release the script was read against.
        var export = VerlExport.Export(ExportSource.FromRender(resolved), new FrameworkTarget(Framework.Verl, result.Variant.Release));
        Assert.Equal(result.Variant.Megatron ? "megatron" : "fsdp", export.Variant);
        var exported = export.Keys.ToDictionary(k => VerlMappings.Bare(k.Key), k => k.Value, StringComparer.Ordinal);
        var wrong = result.Mapped
            .Where(key => !exported.TryGetValue(key, out var value) || !VerlImport.SameValue(result.Given[key], value))
            .Select(key => $"{key}: script {result.Given[key]?.ToJsonString()}, export {(exported.TryGetValue(key, out var v) ? v?.ToJsonString() ?? "null" : "(missing)")}")
            .ToArray();
        Assert.True(wrong.Length == 0, string.Join("\n", wrong));

        // Every key of the script is mapped or kept verbatim under extra.verl, and exported as the script has it.
        Assert.All(result.Given.Keys, key => Assert.True(result.Mapped.Contains(key) || result.ExtraVerl.ContainsKey(key), key));
        // extra.verl holds the script's value, or verl's default where the script leaves one that the mapping would change.
        var tree = result.Variant.Tree;
        Assert.All(result.ExtraVerl, p => Assert.True(
            VerlImport.SameValue(result.Given.TryGetValue(p.Key, out var given) ? given : VerlImport.DefaultOf(tree.Find(p.Key)!), exported[p.Key]), p.Key));
        Assert.All(result.ExtraVerl, p => Assert.Contains(result.Warnings, w => w.Message.StartsWith(p.Key, StringComparison.Ordinal)));
        // No key the export writes differs from what the script runs with (its value, or verl's default).
        var changed = exported.Where(p => !VerlImport.SameValue(result.Given.TryGetValue(p.Key, out var g) ? g : tree.Find(p.Key) is { } k ? VerlImport.DefaultOf(k) : p.Value, p.Value))
            .Select(p => p.Key).ToArray();
        Assert.True(changed.Length == 0, string.Join(", ", changed));
    }

    private static int Int(JsonNode? node) => int.Parse(node!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
}
