using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Datasets;

/// <summary>Sample counts against independent counts: Python's csv and json modules, and a full Parquet.Net row scan.</summary>
public sealed class DatasetsCountTests
{
    /// <summary>Counts with Python: DictReader rows for CSV/TSV (header not counted, empty rows skipped), json.loads of every non-blank line for JSONL, len() of a JSON array.</summary>
    private const string PythonCounter = """
        import csv, gzip, json, sys
        out = {}
        for path in json.load(sys.stdin):
            opener = (lambda p, **k: gzip.open(p, "rt", **k)) if path.endswith(".gz") else open
            name = path[:-3] if path.endswith(".gz") else path
            if name.endswith(".jsonl"):
                with opener(path, encoding="utf-8-sig", newline="\n") as f:
                    rows = [json.loads(l) for l in f if l.strip(" \t\r\n")]
                keys = []
                for r in rows[:100]:
                    for k in (r if isinstance(r, dict) else {}):
                        if k not in keys: keys.append(k)
                out[path] = {"samples": len(rows), "fields": keys}
            elif name.endswith(".csv") or name.endswith(".tsv"):
                with opener(path, encoding="utf-8-sig", newline="") as f:
                    reader = csv.DictReader(f, delimiter="\t" if name.endswith(".tsv") else ",")
                    n = sum(1 for _ in reader)
                    out[path] = {"samples": n, "fields": reader.fieldnames or []}
            elif name.endswith(".json"):
                with opener(path, encoding="utf-8-sig") as f:
                    text = f.read()
                value = json.loads(text) if text.strip() else []
                out[path] = {"samples": len(value) if isinstance(value, list) else 1, "fields": []}
        json.dump(out, sys.stdout)
        """;

    internal static Dictionary<string, string> TextCases()
    {
        var random = new Random(42);
        var cases = new Dictionary<string, string>(StringComparer.Ordinal);
        string Obj(int i) => $"{{\"id\":{i},\"text\":\"line {i} ünïcødé \\n escaped\",\"score\":{i * 0.5}}}";

        cases["plain.jsonl"] = string.Concat(Enumerable.Range(0, 50).Select(i => Obj(i) + "\n"));
        cases["crlf.jsonl"] = string.Concat(Enumerable.Range(0, 50).Select(i => Obj(i) + "\r\n"));
        cases["bom.jsonl"] = "\uFEFF" + string.Concat(Enumerable.Range(0, 10).Select(i => Obj(i) + "\n"));
        cases["no-final-newline.jsonl"] = string.Join("\n", Enumerable.Range(0, 10).Select(Obj));
        cases["blank-lines.jsonl"] = "\n\n" + Obj(1) + "\n\n   \n\t\n" + Obj(2) + "\r\n\r\n" + Obj(3) + "\n \n";
        cases["only-blank.jsonl"] = "\n \n\r\n\t\n";
        cases["empty.jsonl"] = "";
        cases["keys-vary.jsonl"] = "{\"a\":1}\n{\"b\":{\"nested\":1},\"a\":2}\n[1,2]\n\"s\"\n{\"c\":null}\n";
        var big = new StringBuilder("\uFEFF");
        for (var i = 0; i < 60_000; i++)
        {
            big.Append(Obj(i)).Append(random.Next(10) switch { 0 => "\r\n", 1 => "\n\n", 2 => "\n  \n", _ => "\n" });
        }

        cases["big-mixed.jsonl"] = big.ToString().TrimEnd('\n');

        cases["plain.csv"] = "id,text\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"{i},row {i}\n"));
        cases["quoted-newlines.csv"] = "id,text,note\n1,\"two\nlines\",x\n2,\"crlf\r\ninside\",\"a \"\"quote\"\"\"\n3,\"comma, inside\",\n";
        cases["crlf.csv"] = "id,text\r\n1,a\r\n2,\"b\r\nc\"\r\n3,d\r\n";
        cases["bom.csv"] = "\uFEFFid,text\n1,a\n2,b\n";
        cases["no-final-newline.csv"] = "id,text\n1,a\n2,\"b\nc\"";
        cases["blank-lines.csv"] = "id,text\n\n1,a\n\n\n2,b\r\n\r\n3,c\n\n";
        cases["whitespace-row.csv"] = "id,text\n \n1,a\n";
        cases["header-only.csv"] = "id,text\n";
        cases["empty.csv"] = "";
        cases["stray-quote.csv"] = "id,text\n1,12\" screen\n2,b\n";
        cases["ragged.csv"] = "a,b,c\n1\n1,2,3,4\n";
        var bigCsv = new StringBuilder("id,text,label\r\n");
        for (var i = 0; i < 40_000; i++)
        {
            bigCsv.Append(i).Append(',').Append(random.Next(4) == 0 ? $"\"multi\nline {i}, with \"\"quotes\"\"\"" : $"plain {i}").Append(",x").Append(random.Next(3) == 0 ? "\r\n" : "\n");
            if (random.Next(50) == 0)
            {
                bigCsv.Append('\n');
            }
        }

        cases["big-mixed.csv"] = bigCsv.ToString();
        cases["plain.tsv"] = "id\ttext\n1\ta,b\n2\t\"x\ty\"\n\n3\tc";
        cases["array.json"] = "[" + string.Join(",\n", Enumerable.Range(0, 30).Select(Obj)) + "]";
        cases["bom-array.json"] = "\uFEFF [ ]";
        cases["single-object.json"] = "{\"data\": [1, 2, 3]}";
        return cases;
    }

    [Fact]
    public void JsonLines_Csv_Tsv_and_Json_counts_equal_Pythons_csv_and_json_modules_plain_and_gzipped()
    {
        using var dir = new DatasetsTempDir();
        var paths = new List<string>();
        foreach (var (name, text) in TextCases())
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            paths.Add(dir.Write(name, bytes));
            using var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(bytes);
            }

            if (bytes.Length > 0)
            {
                paths.Add(dir.Write(name + ".gz", gz.ToArray()));
            }
        }

        var python = JsonNode.Parse(DatasetsTools.Run("python3", ["-c", PythonCounter], new JsonArray([.. paths.Select(p => (JsonNode)p)]).ToJsonString()))!.AsObject();
        foreach (var path in paths)
        {
            var snapshot = DatasetsTools.Snapshot(path);
            var expected = python[path]!;
            Assert.True(expected["samples"]!.GetValue<long>() == snapshot.Samples, $"{Path.GetFileName(path)}: trainplat {snapshot.Samples}, Python {expected["samples"]}");
            if (!path.Contains(".json", StringComparison.Ordinal) || path.Contains(".jsonl", StringComparison.Ordinal))
            {
                Assert.Equal(expected["fields"]!.AsArray().Select(f => f!.GetValue<string>()), snapshot.Fields);
            }
        }
    }

    [Fact]
    public async Task Parquet_counts_come_from_the_footer_and_equal_a_full_row_scan()
    {
        using var dir = new DatasetsTempDir();
        var id = new DataField<int>("id");
        var text = new DataField<string>("text", true);
        var schema = new ParquetSchema(id, text);
        int[][] groupSizes = [[], [0], [1], [100], [1000, 0, 7, 20_000], [50_000, 50_000, 3]];
        foreach (var (sizes, n) in groupSizes.Select((s, n) => (s, n)))
        {
            var path = dir.File($"p{n}.parquet");
            await using (var stream = File.Create(path))
            await using (var writer = await ParquetWriter.CreateAsync(schema, stream))
            {
                foreach (var rows in sizes)
                {
                    using var group = writer.CreateRowGroup();
                    await group.WriteAsync<int>(id, Enumerable.Range(0, rows).ToArray());
                    await group.WriteAsync(text, Enumerable.Range(0, rows).Select(i => i % 3 == 0 ? null : "t" + i).ToArray());
                }
            }

            var scanned = (await ParquetSerializer.DeserializeUntypedAsync(File.OpenRead(path))).Data.Count;
            var snapshot = DatasetsTools.Snapshot(path);
            Assert.Equal(sizes.Sum(), scanned);
            Assert.Equal(scanned, snapshot.Samples);
            Assert.Equal(["id", "text"], snapshot.Fields);
            Assert.Equal(scanned, DatasetsTools.Snapshot(path, algorithm: "").Samples); // --count-only: footer only
        }
    }
    [Fact]
    public async Task Parquet_fields_of_nested_columns_are_the_top_level_names_Parquet_Net_reads()
    {
        using var dir = new DatasetsTempDir();
        var path = dir.File("nested.parquet");
        var rows = Enumerable.Range(0, 40).Select(i => new NestedRow
        {
            Id = i,
            Meta = i % 4 == 0 ? null : new NestedMeta { Source = "s" + i, Weight = i / 3.0 },
            Tags = [.. Enumerable.Range(0, i % 3).Select(t => "t" + t)],
            Counts = new Dictionary<string, int> { ["a"] = i },
            At = DateTime.UnixEpoch.AddDays(i),
            Price = i * 1.25m,
            Name = i % 5 == 0 ? null : "n" + i,
        }).ToList();
        await using (var stream = File.Create(path))
        {
            await ParquetSerializer.SerializeAsync(rows, stream);
        }

        string[] expected;
        await using (var stream = File.OpenRead(path))
        await using (var reader = await ParquetReader.CreateAsync(stream))
        {
            expected = [.. reader.Schema.Fields.Select(f => f.Name)];
        }

        var snapshot = DatasetsTools.Snapshot(path, check: true);
        Assert.Equal(["Id", "Meta", "Tags", "Counts", "At", "Price", "Name"], expected);
        Assert.Equal(expected, snapshot.Fields);
        Assert.Equal(40, snapshot.Samples);
        Assert.Equal(0, snapshot.ProblemCount);
    }

    private sealed class NestedRow
    {
        public int Id { get; set; }

        public NestedMeta? Meta { get; set; }

        public List<string> Tags { get; set; } = [];

        public Dictionary<string, int> Counts { get; set; } = [];

        public DateTime At { get; set; }

        public decimal Price { get; set; }

        public string? Name { get; set; }
    }

    private sealed class NestedMeta
    {
        public string Source { get; set; } = "";

        public double Weight { get; set; }
    }
}
