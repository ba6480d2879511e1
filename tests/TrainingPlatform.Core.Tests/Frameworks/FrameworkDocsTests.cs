using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Frameworks;

public sealed class FrameworkDocsTests
{
    [Fact]
    public void Docs_frameworks_md_is_generated_from_the_current_mapping_tables()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "docs", "frameworks.md");
        var generated = FrameworkDocs.Markdown();
        if (Environment.GetEnvironmentVariable("TRAINPLAT_APPROVE") == "1" && Environment.GetEnvironmentVariable("CI") is null)
        {
            File.WriteAllText(path, generated);
        }

        Assert.True(File.Exists(path) && File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal) == generated,
            "docs/frameworks.md is not what the mapping tables say; regenerate it with " +
            "TRAINPLAT_APPROVE=1 dotnet test tests/TrainingPlatform.Core.Tests --filter FrameworkDocsTests and review the diff");
    }

    [Fact]
    public void Every_mapped_key_of_every_table_appears_in_the_docs()
    {
        var text = FrameworkDocs.Markdown();
        foreach (var row in VerlMappings.Rows("0.9.0", megatron: false).Where(r => r.VerlKeys != "(none)"))
        {
            Assert.Contains("`" + row.VerlKeys.Split(", ")[0] + "`", text, StringComparison.Ordinal);
        }

        foreach (var row in TrlExport.MappingRows("GRPOConfig"))
        {
            Assert.Contains(row.TrlField.Split(", ")[0], text, StringComparison.Ordinal);
        }
    }
}
