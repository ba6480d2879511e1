using System.Text;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>The export lines of the source-generated context: the manifest's optional <c>link</c>, and fields that may be absent.</summary>
public sealed class ExchangeLinesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void A_manifest_link_is_written_only_for_a_link_and_reads_back()
    {
        var dataset = new DatasetVersion("data", "data", true, "folder", 10, "sha256", new string('b', 64), 3, ["text"], T0,
        [
            new FileEntry("a.jsonl", 10, new string('c', 64), "jsonl", 3, ["text"]),
            new FileEntry("shared", 0, "", "link", null, []) { LinkTarget = "../shared" },
        ]);
        using var buffer = new MemoryStream();
        LineageExchange.Write(buffer, new LineageBundle([], [], [dataset], [], []), "1.2.3");
        var text = Encoding.UTF8.GetString(buffer.ToArray());

        Assert.Equal(
            "{\"type\":\"header\",\"format\":\"trainplat-lineage\",\"version\":1,\"tool\":\"1.2.3\",\"jobs\":0,\"points\":0}\n"
            + "{\"type\":\"dataset_version\",\"name\":\"data\",\"path\":\"data\",\"kind\":\"folder\",\"format\":\"folder\",\"size\":10,\"algorithm\":\"sha256\","
            + $"\"hash\":\"{new string('b', 64)}\",\"samples\":3,\"fields\":[\"text\"],\"created\":\"2026-03-01T09:00:00.123Z\",\"files\":["
            + $"{{\"path\":\"a.jsonl\",\"size\":10,\"hash\":\"{new string('c', 64)}\",\"format\":\"jsonl\",\"samples\":3,\"fields\":[\"text\"]}},"
            + "{\"path\":\"shared\",\"size\":0,\"hash\":\"\",\"format\":\"link\",\"samples\":null,\"fields\":[],\"link\":\"../shared\"}]}\n",
            text);

        buffer.Position = 0;
        var read = LineageExchange.ReadRecords(buffer, "x.jsonl");
        Assert.Empty(read.Problems);
        Assert.Equal([null, "../shared"], read.Bundle.Datasets.Single().Files.Select(f => f.LinkTarget));
    }

    [Fact]
    public void A_missing_required_field_is_reported_at_its_line_and_optional_ones_may_be_absent()
    {
        var header = "{\"type\":\"header\",\"format\":\"trainplat-lineage\",\"version\":1,\"tool\":\"t\",\"jobs\":0,\"points\":0}\n";
        var noLink = "{\"type\":\"dataset_version\",\"name\":\"d\",\"path\":\"d.jsonl\",\"kind\":\"file\",\"format\":\"jsonl\",\"size\":1,\"algorithm\":\"sha256\",\"hash\":\"h\","
            + "\"samples\":null,\"fields\":[],\"created\":\"2026-03-01T09:00:00.123Z\",\"files\":[]}\n";
        var noHash = "{\"type\":\"recipe_version\",\"recipe\":\"r\",\"version\":\"1\",\"task\":\"sft\",\"algorithm\":\"sft\",\"recorded\":\"2026-03-01T09:00:00.123Z\",\"text\":\"\"}\n";
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(header + noLink + noHash));

        var read = LineageExchange.ReadRecords(input, "x.jsonl");

        Assert.Single(read.Bundle.Datasets);
        Assert.Equal([(3L, "a required field is missing")], read.Problems.Select(p => (p.Line, p.Message)));
    }
}
