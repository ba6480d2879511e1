using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
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
        var lineNumbers = (Recipes: new List<long>(), Configs: new List<long>(), Datasets: new List<long>(), Jobs: new List<long>(), Metrics: new List<long>());
        var lines = ExchangeContext.Default;
        var problems = new List<ExchangeProblem>();
        long number = 0;
        var sawHeader = false;
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
                var type = TypeOf(raw);
                if (!sawHeader && type != "header")
                {
                    throw new UserErrorException($"{path}:{number}: the first record must be the export header", NothingImported);
                }

                switch (type)
                {
                    case "header":
                        using (var doc = JsonDocument.Parse(raw.ToArray()))
                        {
                            CheckHeader(doc.RootElement, path, number);
                        }

                        sawHeader = true;
                        break;
                    case "recipe_version":
                        recipes.Add(FromLine(Parse(raw, lines.RecipeVersionLine)));
                        lineNumbers.Recipes.Add(number);
                        break;
                    case "config":
                        var config = Parse(raw, lines.ConfigLine);
                        configs.Add((config.Hash, config.Config.Json));
                        lineNumbers.Configs.Add(number);
                        break;
                    case "dataset_version":
                        datasets.Add(FromLine(Parse(raw, lines.DatasetVersionLine)));
                        lineNumbers.Datasets.Add(number);
                        break;
                    case "job":
                        jobs.Add(FromLine(Parse(raw, lines.JobLine)));
                        lineNumbers.Jobs.Add(number);
                        break;
                    case "metrics":
                        var batch = Parse(raw, lines.MetricsLine);
                        metrics.Add(new MetricBatch(batch.Id, batch.Job, batch.Name,
                            [.. batch.Points.Select(p => (p.Step, p.Value, DateTimeOffset.FromUnixTimeMilliseconds(p.UnixMs)))], batch.Source));
                        lineNumbers.Metrics.Add(number);
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
                Lines = new BundleLines(lineNumbers.Recipes, lineNumbers.Configs, lineNumbers.Datasets, lineNumbers.Jobs, lineNumbers.Metrics),
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

    /// <summary>The line's <c>type</c>: read from the first member when it is the type (as exports write it), else from the whole line.</summary>
    private static string? TypeOf(ReadOnlySpan<byte> line)
    {
        if (!Utf8.IsValid(line))
        {
            throw new DecoderFallbackException("not UTF-8");
        }

        var reader = new Utf8JsonReader(line);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.Read() && reader.TokenType == JsonTokenType.PropertyName
            && reader.ValueTextEquals("type"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        using var doc = JsonDocument.Parse(line.ToArray());
        return doc.RootElement.GetProperty("type").GetString();
    }

    private static void CheckHeader(JsonElement e, string path, long number)
    {
        if (e.GetProperty("format").GetString() != Format)
        {
            throw new UserErrorException($"{path}:{number}: not a trainplat lineage export (format '{e.GetProperty("format").GetString()}')", NothingImported);
        }

        if (e.GetProperty("version").GetInt32() > FormatVersion)
        {
            throw new UserErrorException($"{path}:{number}: written by trainplat {e.GetProperty("tool").GetString()} in export format {e.GetProperty("version").GetInt32()}; upgrade trainplat to import it", NothingImported);
        }
    }

    private static string Message(Exception ex) => ex switch
    {
        KeyNotFoundException => "a required field is missing",
        DecoderFallbackException => "not UTF-8 text",
        JsonException { Message: var m } when m.Contains("missing required properties", StringComparison.Ordinal) => "a required field is missing",
        JsonException { Path: { } at } json when json.InnerException is null or InvalidOperationException or FormatException =>
            json.Message.Split(" Path: ")[0].TrimEnd('.') + $" (at {at})",
        _ => ex.Message.TrimEnd('.'),
    };

    /// <summary>Writes a job's export line (the object, without the newline).</summary>
    public static void WriteJob(Utf8JsonWriter w, JobRecord j) => JsonSerializer.Serialize(w, ToLine(j), ExchangeContext.Default.JobLine);

    /// <summary>A job as its export line's JSON (without the metric summaries, which follow from the points): how the PostgreSQL store keeps the record.</summary>
    internal static string JobJson(JobRecord j) => JsonSerializer.Serialize(ToLine(j), ExchangeContext.Default.JobLine);

    /// <summary>The job of <see cref="JobJson"/>.</summary>
    internal static JobRecord JobFromJson(string json) => FromLine(JsonSerializer.Deserialize(json, ExchangeContext.Default.JobLine) ?? throw new FormatException("the job record is null"));

    /// <summary>A folder's manifest as the export writes it (the <c>files</c> of a dataset line).</summary>
    internal static string ManifestJson(IReadOnlyList<FileEntry> files) =>
        JsonSerializer.Serialize([.. files.Select(f => new ManifestEntryLine(f.Path, f.Size, f.Hash, f.Format, f.Samples, f.Fields, f.LinkTarget))], ExchangeContext.Default.ListManifestEntryLine);

    internal static List<FileEntry> ManifestFromJson(string json) =>
        [.. (JsonSerializer.Deserialize(json, ExchangeContext.Default.ListManifestEntryLine) ?? []).Select(f => new FileEntry(f.Path, f.Size, f.Hash, f.Format, f.Samples, f.Fields) { LinkTarget = f.Link })];

    private static JobLine ToLine(JobRecord j) => new()
    {
        Type = "job",
        Id = j.Id,
        Name = j.Name,
        Tags = j.Tags,
        Status = JobStatuses.Name(j.Status),
        Recipe = j.RecipeId,
        RecipeVersion = j.RecipeVersion,
        RecipeHash = j.RecipeHash,
        Chain = j.Chain,
        Task = j.Task,
        Algorithm = j.Algorithm,
        Model = j.Model,
        ModelSize = j.ModelSize,
        Parameters = j.Parameters,
        Gpus = j.Gpus,
        Nodes = j.Nodes,
        ConfigHash = j.ConfigHash,
        Sets = j.Sets,
        Datasets = [.. j.Datasets.Select(d => new JobDatasetLine(d.Role, d.Name, d.Algorithm, d.Hash))],
        Git = j.Git is { } g ? new GitLine(g.Commit, g.Dirty, g.Branch) : null,
        Parent = j.ParentId,
        Forced = j.Forced,
        Memory = j.MemoryJson,
        User = j.User,
        Host = j.Host,
        Tool = j.ToolVersion,
        Created = Time(j.Created),
        Started = j.Started is { } s ? Time(s) : null,
        Finished = j.Finished is { } f ? Time(f) : null,
        Updated = Time(j.Updated),
        Events = [.. j.Events.Select(e => new JobEventLine(Time(e.Time), JobStatuses.Name(e.Status), e.Note))],
    };

    /// <summary>A line's record; a missing field or one of the wrong type is a <see cref="JsonException"/>.</summary>
    private static T Parse<T>(ReadOnlySpan<byte> line, JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(line, type) ?? throw new FormatException("the record is null");

    private static RecipeVersionRecord FromLine(RecipeVersionLine r) => new(r.Hash, r.Recipe, r.Version, r.Task, r.Algorithm, r.Text, ParseTime(r.Recorded));

    private static DatasetVersion FromLine(DatasetVersionLine d) => new(d.Name, d.Path, d.Kind == "folder", d.Format, d.Size, d.Algorithm, d.Hash, d.Samples,
        d.Fields, ParseTime(d.Created),
        [.. d.Files.Select(f => new FileEntry(f.Path, f.Size, f.Hash, f.Format, f.Samples, f.Fields) { LinkTarget = f.Link })]);

    private static JobRecord FromLine(JobLine j) => new()
    {
        Id = j.Id,
        Name = j.Name,
        Tags = j.Tags,
        Status = Status(j.Status),
        RecipeId = j.Recipe,
        RecipeVersion = j.RecipeVersion,
        RecipeHash = j.RecipeHash,
        Chain = j.Chain,
        Task = j.Task,
        Algorithm = j.Algorithm,
        Model = j.Model,
        ModelSize = j.ModelSize,
        Parameters = j.Parameters,
        Gpus = j.Gpus,
        Nodes = j.Nodes,
        ConfigHash = j.ConfigHash,
        Sets = j.Sets,
        Datasets = [.. j.Datasets.Select(d => new JobDataset(d.Role, d.Name, d.Algorithm, d.Hash))],
        Git = j.Git is { } g ? new GitState(g.Commit, g.Dirty, g.Branch) : null,
        ParentId = j.Parent,
        Forced = j.Forced,
        MemoryJson = j.Memory,
        User = j.User,
        Host = j.Host,
        ToolVersion = j.Tool,
        Created = ParseTime(j.Created),
        Started = j.Started is { } started ? ParseTime(started) : null,
        Finished = j.Finished is { } finished ? ParseTime(finished) : null,
        Updated = ParseTime(j.Updated),
        Events = [.. j.Events.Select(e => new JobEvent(ParseTime(e.Time), Status(e.Status), e.Note))],
    };

    private static JobStatus Status(string name) => JobStatuses.TryParse(name, out var status) ? status : throw new FormatException($"unknown status '{name}'");

    /// <summary>ISO 8601 UTC with milliseconds, as the store keeps them.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) =>
        DateTimeOffset.ParseExact(s, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
