using System.Reflection;
using System.Text;
using System.Text.Json;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// Issue 12 item 6: every field of <see cref="JobRecord"/> survives each of its mappings — the store's job document,
/// its job-index row (the fields it carries, and only those) and the export line. The record is filled by reflection
/// with a value of its own in every property, so a field added to the record and forgotten by a mapper fails here.
/// </summary>
public sealed class RecordMappingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, 123, TimeSpan.Zero);

    /// <summary>The fields the job index (<c>job_facts</c>) carries; <see cref="ILineageStore.ListJobs"/> documents them.</summary>
    private static readonly string[] FactsFields =
    [
        "Id", "Name", "Tags", "Status", "RecipeId", "RecipeVersion", "RecipeHash", "Task", "Algorithm", "Model", "ModelSize", "Parameters",
        "Gpus", "Nodes", "ConfigHash", "Sets", "Created", "Updated", "Metrics",
    ];

    private static PropertyInfo[] Fields => typeof(JobRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance);

    /// <summary>A job with only its required members set, each to its type's empty value.</summary>
    private static JobRecord Empty() => new()
    {
        Id = "",
        Status = JobStatus.Pending,
        RecipeId = "",
        RecipeVersion = "",
        RecipeHash = "",
        Task = "",
        Algorithm = "",
        ModelSize = "",
        Parameters = 0,
        Gpus = 0,
        Nodes = 0,
        ConfigHash = "",
        User = "",
        Host = "",
        ToolVersion = "",
        Created = default,
        Updated = default,
    };

    /// <summary>A job whose every property holds a non-default value of its own.</summary>
    private static JobRecord Filled()
    {
        var job = Empty() with { Id = "0123456789ab" };
        var n = 0;
        foreach (var p in Fields)
        {
            n++;
            object value = p.PropertyType switch
            {
                var t when t == typeof(string) => p.Name == "Id" ? "0123456789ab" : $"{p.Name.ToLowerInvariant()}-{n}",
                var t when t == typeof(IReadOnlyList<string>) => new[] { $"{p.Name.ToLowerInvariant()}-{n}", "second" },
                var t when t == typeof(JobStatus) => JobStatus.Running,
                var t when t == typeof(double) => 1.5e9 + n,
                var t when t == typeof(int) => 100 + n,
                var t when t == typeof(DateTimeOffset) || t == typeof(DateTimeOffset?) => T0.AddMinutes(n),
                var t when t == typeof(GitState) => new GitState("0123456789abcdef0123456789abcdef01234567", true, "feature"),
                var t when t == typeof(IReadOnlyList<JobDataset>) => new[] { new JobDataset("train", "data/train.jsonl", "sha256", new string('a', 64)) },
                var t when t == typeof(IReadOnlyList<JobEvent>) => new[] { new JobEvent(T0, JobStatus.Pending, "created"), new JobEvent(T0.AddHours(1), JobStatus.Running, null) },
                var t when t == typeof(IReadOnlyList<MetricSummary>) => new[] { new MetricSummary("loss", 3, 0, 2.5, 2, 1.5, 2, 1.5, 0, 2.5) },
                var t => throw new InvalidOperationException($"JobRecord.{p.Name} has a type this test cannot fill ({t}): give it a value here and map it everywhere"),
            };
            p.SetValue(job, value);
        }

        return job;
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => s,
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Show)) + "]",
        _ => value.ToString() ?? "",
    };

    private static void AssertSame(JobRecord expected, JobRecord actual, IEnumerable<string> fields)
    {
        foreach (var p in Fields.Where(f => fields.Contains(f.Name)))
        {
            Assert.True(Show(p.GetValue(expected)) == Show(p.GetValue(actual)), $"JobRecord.{p.Name}: wrote {Show(p.GetValue(expected))}, read back {Show(p.GetValue(actual))}");
        }
    }

    [Fact]
    public void The_filled_job_has_no_default_value_left()
    {
        var empty = Empty();
        var filled = Filled();
        Assert.All(Fields, p => Assert.True(Show(p.GetValue(filled)) != Show(p.GetValue(empty)), $"JobRecord.{p.Name} was not filled"));
    }

    [Fact]
    public void Every_field_survives_the_job_document()
    {
        var job = Filled();
        AssertSame(job, LineageDocuments.ReadJob(LineageDocuments.Write(job, ["source-1"])), Fields.Select(f => f.Name));
    }

    [Fact]
    public void The_job_index_row_keeps_its_fields_and_no_others()
    {
        var job = Filled();
        var facts = LineageDocuments.ReadFacts(LineageDocuments.WriteFacts(job));
        AssertSame(job, facts, FactsFields);
        var notCarried = Fields.Where(f => !FactsFields.Contains(f.Name)).Select(f => f.Name).ToArray();
        var filledOnlyHere = notCarried.Where(name => Show(typeof(JobRecord).GetProperty(name)!.GetValue(facts)) == Show(typeof(JobRecord).GetProperty(name)!.GetValue(job))).ToArray();
        Assert.True(filledOnlyHere.Length == 0, "the job index carries fields FactsFields does not list: " + string.Join(", ", filledOnlyHere));
    }

    [Fact]
    public void Every_field_but_the_metric_summaries_survives_the_export_line()
    {
        var job = Filled();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            LineageExchange.WriteJob(writer, job);
        }

        var header = "{\"type\":\"header\",\"format\":\"trainplat-lineage\",\"version\":1,\"tool\":\"t\",\"jobs\":1,\"points\":0}\n";
        using var input = new MemoryStream([.. Encoding.UTF8.GetBytes(header), .. buffer.ToArray(), (byte)'\n']);
        var read = LineageExchange.ReadRecords(input, "job.jsonl");
        Assert.Empty(read.Problems);

        // Summaries do not travel: the importing store computes them from the points.
        AssertSame(job, read.Bundle.Jobs.Single(), Fields.Select(f => f.Name).Where(n => n != "Metrics"));
    }

    /// <summary>A stream that hands out a few bytes per read, as a pipe does.</summary>
    private sealed class TrickleStream(byte[] content, int step) : MemoryStream(content)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, step));
    }

    [Fact]
    public void An_export_is_read_as_a_stream_of_lines_whatever_the_reads_return()
    {
        using var dir = new StoreDir();
        using var store = TestStores.Open(dir.Store);
        var recipe = LineageSamples.Recipe("sft-basic", "1.0.0", "sft", T0);
        store.CreateJob(LineageSamples.NewJob("a1b2c3000001", recipe, T0));
        store.AppendMetrics("a1b2c3000001", LineageSamples.Points("loss", 0, 20_000, s => 1.0 / (s + 1), T0), null, T0);
        var bytes = LineageSamples.ExportBytes(store);

        foreach (var step in new[] { 1, 7, 1 << 16, bytes.Length })
        {
            using var stream = new TrickleStream(bytes, step);
            var read = LineageExchange.ReadRecords(stream, "export.jsonl");
            Assert.Empty(read.Problems);
            Assert.Equal(20_000, read.Bundle.Metrics.Sum(b => b.Points.Count));
            Assert.Equal(["a1b2c3000001"], read.Bundle.Jobs.Select(j => j.Id));
        }

        // CRLF line ends and a last line without its newline read the same.
        var crlf = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("\n", "\r\n", StringComparison.Ordinal).TrimEnd());
        var again = LineageExchange.ReadRecords(new MemoryStream(crlf), "export.jsonl");
        Assert.Empty(again.Problems);
        Assert.Equal(20_000, again.Bundle.Metrics.Sum(b => b.Points.Count));
    }
}
