using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// The export format: JSON Lines, one record per line, each with a <c>type</c>: a <c>header</c>
/// (format name and version, the tool), then <c>recipe_version</c>, <c>config</c>, <c>dataset_version</c>,
/// <c>job</c> and <c>metrics</c> lines (a batch of one metric of one job: <c>[step, value, unix_ms]</c> triples;
/// non-finite values as the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>). Ids and hashes are
/// kept, so importing the same file twice changes nothing. Keys are written in a fixed order; the same
/// store gives the same bytes.
/// </summary>
public static class LineageExchange
{
    public const string Format = "trainplat-lineage";
    public const int FormatVersion = 1;

    public static void Write(Stream output, LineageBundle bundle, string toolVersion)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = false });
        var lines = ExchangeContext.Default;
        void Line<T>(T value, JsonTypeInfo<T> type)
        {
            JsonSerializer.Serialize(writer, value, type);
            writer.Flush();
            output.WriteByte((byte)'\n');
            writer.Reset(output);
        }

        Line(new HeaderLine("header", Format, FormatVersion, toolVersion, bundle.Jobs.Count, bundle.Metrics.Sum(m => (long)m.Points.Count)), lines.HeaderLine);
        foreach (var r in bundle.Recipes)
        {
            Line(new RecipeVersionLine("recipe_version", r.Hash, r.RecipeId, r.Version, r.Task, r.Algorithm, Time(r.Recorded), r.Text), lines.RecipeVersionLine);
        }

        foreach (var (hash, json) in bundle.Configs)
        {
            Line(new ConfigLine("config", hash, new RawJson(json)), lines.ConfigLine);
        }

        foreach (var d in bundle.Datasets)
        {
            Line(
                new DatasetVersionLine("dataset_version", d.Name, d.Path, d.IsFolder ? "folder" : "file", d.Format, d.Size, d.Algorithm, d.Hash, d.Samples,
                    d.Fields, Time(d.Created), [.. d.Files.Select(f => new ManifestEntryLine(f.Path, f.Size, f.Hash, f.Format, f.Samples, f.Fields, f.LinkTarget))]),
                lines.DatasetVersionLine);
        }

        foreach (var j in bundle.Jobs)
        {
            Line(ToLine(j), lines.JobLine);
        }

        foreach (var b in bundle.Metrics)
        {
            Line(new MetricsLine("metrics", b.Id, b.JobId, b.Name, b.Source, [.. b.Points.Select(p => new PointLine(p.Step, p.Value, p.Time.ToUnixTimeMilliseconds()))]), lines.MetricsLine);
        }
    }

    /// <summary>Reads an export; a malformed line is a <see cref="UserErrorException"/> naming the file and line, and nothing is returned.</summary>
    public static LineageBundle Read(string path)
    {
        var read = ReadRecords(path);
        if (read.Problems.Count > 0)
        {
            throw new UserErrorException($"{path}:{read.Problems[0].Line}: {read.Problems[0].Message}", NothingImported);
        }

        return read.Bundle;
    }

    private const string NothingImported = "the file must be written by `trainplat job export`; nothing was imported";

    /// <summary>
    /// Reads an export line by line from a stream (so a file of any size reads, not only those under 2 GB), collecting
    /// a problem for every line that does not read instead of stopping at the first. A file that is no export at all
    /// (no header first, another format, a newer version) is a <see cref="UserErrorException"/>.
    /// </summary>
    public static ExchangeRead ReadRecords(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return ReadRecords(stream, path);
    }

    public static ExchangeRead ReadRecords(Stream stream, string path)
    {
        var recipes = new List<RecipeVersionRecord>();
        var configs = new List<(string, string)>();
        var datasets = new List<DatasetVersion>();
        var jobs = new List<JobRecord>();
        var metrics = new List<MetricBatch>();
        var lines = (Recipes: new List<long>(), Configs: new List<long>(), Datasets: new List<long>(), Jobs: new List<long>(), Metrics: new List<long>());
        var problems = new List<ExchangeProblem>();
        long number = 0;
        var sawHeader = false;
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        foreach (var line in Lines(stream))
        {
            // Lines are split as bytes and decoded one by one, so a bad UTF-8 sequence is reported at its own line.
            var raw = line.Span;
            if (raw.Length > 0 && raw[^1] == (byte)'\r')
            {
                raw = raw[..^1];
            }

            number++;
            if (raw.Trim(" \t"u8).Length == 0)
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(strict.GetString(raw));
                var e = doc.RootElement;
                var type = e.GetProperty("type").GetString();
                if (!sawHeader && type != "header")
                {
                    throw new UserErrorException($"{path}:{number}: the first record must be the export header", NothingImported);
                }

                switch (type)
                {
                    case "header":
                        if (e.GetProperty("format").GetString() != Format)
                        {
                            throw new UserErrorException($"{path}:{number}: not a trainplat lineage export (format '{e.GetProperty("format").GetString()}')", NothingImported);
                        }

                        if (e.GetProperty("version").GetInt32() > FormatVersion)
                        {
                            throw new UserErrorException($"{path}:{number}: written by trainplat {e.GetProperty("tool").GetString()} in export format {e.GetProperty("version").GetInt32()}; upgrade trainplat to import it", NothingImported);
                        }

                        sawHeader = true;
                        break;
                    case "recipe_version":
                        recipes.Add(new RecipeVersionRecord(S(e, "hash"), S(e, "recipe"), S(e, "version"), S(e, "task"), S(e, "algorithm"), S(e, "text"), T(e, "recorded")));
                        lines.Recipes.Add(number);
                        break;
                    case "config":
                        configs.Add((S(e, "hash"), e.GetProperty("config").GetRawText()));
                        lines.Configs.Add(number);
                        break;
                    case "dataset_version":
                        datasets.Add(new DatasetVersion(S(e, "name"), S(e, "path"), S(e, "kind") == "folder", S(e, "format"), e.GetProperty("size").GetInt64(),
                            S(e, "algorithm"), S(e, "hash"), L(e, "samples"), Strings(e, "fields"), T(e, "created"),
                            [.. e.GetProperty("files").EnumerateArray().Select(f => new FileEntry(S(f, "path"), f.GetProperty("size").GetInt64(), S(f, "hash"),
                                S(f, "format"), L(f, "samples"), Strings(f, "fields"))
                            {
                                LinkTarget = f.TryGetProperty("link", out var link) && link.ValueKind == JsonValueKind.String ? link.GetString() : null,
                            })]));
                        lines.Datasets.Add(number);
                        break;
                    case "job":
                        jobs.Add(ReadJob(e));
                        lines.Jobs.Add(number);
                        break;
                    case "metrics":
                        metrics.Add(new MetricBatch(S(e, "id"), S(e, "job"), S(e, "name"),
                            [.. e.GetProperty("points").EnumerateArray().Select(p => (p[0].GetInt64(), ReadDouble(p[1]), DateTimeOffset.FromUnixTimeMilliseconds(p[2].GetInt64())))],
                            e.GetProperty("source").ValueKind == JsonValueKind.String ? e.GetProperty("source").GetString() : null));
                        lines.Metrics.Add(number);
                        break;
                    default:
                        throw new FormatException($"unknown record type '{type}'");
                }
            }
            catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or ArgumentException)
            {
                if (!sawHeader)
                {
                    throw new UserErrorException($"{path}:{number}: {Message(ex)}", NothingImported);
                }

                problems.Add(new ExchangeProblem(number, Message(ex)));
            }
        }

        if (!sawHeader)
        {
            throw new UserErrorException($"{path}: empty file, not a trainplat lineage export", NothingImported);
        }

        return new ExchangeRead(
            new LineageBundle(recipes, configs, datasets, jobs, metrics)
            {
                Lines = new BundleLines(lines.Recipes, lines.Configs, lines.Datasets, lines.Jobs, lines.Metrics),
            },
            problems);
    }

    /// <summary>The stream's lines (without their <c>\n</c>), each in a buffer of its own size: no limit but a line's.</summary>
    private static IEnumerable<ReadOnlyMemory<byte>> Lines(Stream stream)
    {
        var buffer = new byte[1 << 16];
        var line = new System.Buffers.ArrayBufferWriter<byte>(1 << 12);
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var chunk = buffer.AsMemory(0, read);
            int end;
            while ((end = chunk.Span.IndexOf((byte)'\n')) >= 0)
            {
                line.Write(chunk.Span[..end]);
                yield return line.WrittenMemory;
                line.ResetWrittenCount();
                chunk = chunk[(end + 1)..];
            }

            line.Write(chunk.Span);
        }

        if (line.WrittenCount > 0)
        {
            yield return line.WrittenMemory;
        }
    }

    private static string Message(Exception ex) => ex switch
    {
        KeyNotFoundException => "a required field is missing",
        DecoderFallbackException => "not UTF-8 text",
        _ => ex.Message.TrimEnd('.'),
    };

    /// <summary>Writes a job's export line (the object, without the newline).</summary>
    public static void WriteJob(Utf8JsonWriter w, JobRecord j) => JsonSerializer.Serialize(w, ToLine(j), ExchangeContext.Default.JobLine);

    private static JobLine ToLine(JobRecord j) => new(
        "job", j.Id, j.Name, j.Tags, JobStatuses.Name(j.Status), j.RecipeId, j.RecipeVersion, j.RecipeHash, j.Chain, j.Task, j.Algorithm, j.Model,
        j.ModelSize, j.Parameters, j.Gpus, j.Nodes, j.ConfigHash, j.Sets,
        [.. j.Datasets.Select(d => new JobDatasetLine(d.Role, d.Name, d.Algorithm, d.Hash))],
        j.Git is { } g ? new GitLine(g.Commit, g.Dirty, g.Branch) : null,
        j.ParentId, j.Forced, j.User, j.Host, j.ToolVersion, Time(j.Created), j.Started is { } s ? Time(s) : null, j.Finished is { } f ? Time(f) : null,
        Time(j.Updated), [.. j.Events.Select(e => new JobEventLine(Time(e.Time), JobStatuses.Name(e.Status), e.Note))]);

    private static JobRecord ReadJob(JsonElement e) => new()
    {
        Id = S(e, "id"),
        Name = N(e, "name"),
        Tags = Strings(e, "tags"),
        Status = JobStatuses.TryParse(S(e, "status"), out var status) ? status : throw new FormatException($"unknown status '{S(e, "status")}'"),
        RecipeId = S(e, "recipe"),
        RecipeVersion = S(e, "recipe_version"),
        RecipeHash = S(e, "recipe_hash"),
        Chain = Strings(e, "chain"),
        Task = S(e, "task"),
        Algorithm = S(e, "algorithm"),
        Model = N(e, "model"),
        ModelSize = S(e, "model_size"),
        Parameters = ReadDouble(e.GetProperty("parameters")),
        Gpus = e.GetProperty("gpus").GetInt32(),
        Nodes = e.GetProperty("nodes").GetInt32(),
        ConfigHash = S(e, "config_hash"),
        Sets = Strings(e, "sets"),
        Datasets = [.. e.GetProperty("datasets").EnumerateArray().Select(d => new JobDataset(S(d, "role"), S(d, "name"), S(d, "algorithm"), S(d, "hash")))],
        Git = e.GetProperty("git").ValueKind == JsonValueKind.Object
            ? new GitState(S(e.GetProperty("git"), "commit"), e.GetProperty("git").GetProperty("dirty").GetBoolean(), N(e.GetProperty("git"), "branch"))
            : null,
        ParentId = N(e, "parent"),
        Forced = Strings(e, "forced"),
        User = S(e, "user"),
        Host = S(e, "host"),
        ToolVersion = S(e, "tool"),
        Created = T(e, "created"),
        Started = N(e, "started") is { } started ? ParseTime(started) : null,
        Finished = N(e, "finished") is { } finished ? ParseTime(finished) : null,
        Updated = T(e, "updated"),
        Events = [.. e.GetProperty("events").EnumerateArray().Select(x => new JobEvent(T(x, "time"),
            JobStatuses.TryParse(S(x, "status"), out var s) ? s : throw new FormatException($"unknown status '{S(x, "status")}'"), N(x, "note")))],
    };

    /// <summary>ISO 8601 UTC with milliseconds, as the store keeps them.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) =>
        DateTimeOffset.ParseExact(s, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static string S(JsonElement e, string name) =>
        e.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' must be a string");

    private static string? N(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? L(JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetInt64();

    private static DateTimeOffset T(JsonElement e, string name) => ParseTime(S(e, name));

    private static string[] Strings(JsonElement e, string name) => [.. e.GetProperty(name).EnumerateArray().Select(x => x.GetString() ?? "")];

    private static double ReadDouble(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var other => throw new FormatException($"'{other}' is not a number"),
        }
        : e.GetDouble();
}
