using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
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
        void Line(Action body)
        {
            writer.WriteStartObject();
            body();
            writer.WriteEndObject();
            writer.Flush();
            output.WriteByte((byte)'\n');
            writer.Reset(output);
        }

        Line(() =>
        {
            writer.WriteString("type", "header");
            writer.WriteString("format", Format);
            writer.WriteNumber("version", FormatVersion);
            writer.WriteString("tool", toolVersion);
            writer.WriteNumber("jobs", bundle.Jobs.Count);
            writer.WriteNumber("points", bundle.Metrics.Sum(m => (long)m.Points.Count));
        });
        foreach (var r in bundle.Recipes)
        {
            Line(() =>
            {
                writer.WriteString("type", "recipe_version");
                writer.WriteString("hash", r.Hash);
                writer.WriteString("recipe", r.RecipeId);
                writer.WriteString("version", r.Version);
                writer.WriteString("task", r.Task);
                writer.WriteString("algorithm", r.Algorithm);
                writer.WriteString("recorded", Time(r.Recorded));
                writer.WriteString("text", r.Text);
            });
        }

        foreach (var (hash, json) in bundle.Configs)
        {
            Line(() =>
            {
                writer.WriteString("type", "config");
                writer.WriteString("hash", hash);
                writer.WritePropertyName("config");
                writer.WriteRawValue(json);
            });
        }

        foreach (var d in bundle.Datasets)
        {
            Line(() =>
            {
                writer.WriteString("type", "dataset_version");
                writer.WriteString("name", d.Name);
                writer.WriteString("path", d.Path);
                writer.WriteString("kind", d.IsFolder ? "folder" : "file");
                writer.WriteString("format", d.Format);
                writer.WriteNumber("size", d.Size);
                writer.WriteString("algorithm", d.Algorithm);
                writer.WriteString("hash", d.Hash);
                Number("samples", d.Samples);
                Strings("fields", d.Fields);
                writer.WriteString("created", Time(d.Created));
                writer.WriteStartArray("files");
                foreach (var f in d.Files)
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", f.Path);
                    writer.WriteNumber("size", f.Size);
                    writer.WriteString("hash", f.Hash);
                    writer.WriteString("format", f.Format);
                    Number("samples", f.Samples);
                    Strings("fields", f.Fields);
                    if (f.LinkTarget is { } link)
                    {
                        writer.WriteString("link", link);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            });
        }

        foreach (var j in bundle.Jobs)
        {
            Line(() => WriteJob(writer, j));
        }

        foreach (var b in bundle.Metrics)
        {
            Line(() =>
            {
                writer.WriteString("type", "metrics");
                writer.WriteString("id", b.Id);
                writer.WriteString("job", b.JobId);
                writer.WriteString("name", b.Name);
                if (b.Source is null)
                {
                    writer.WriteNull("source");
                }
                else
                {
                    writer.WriteString("source", b.Source);
                }

                writer.WriteStartArray("points");
                foreach (var (step, value, time) in b.Points)
                {
                    writer.WriteStartArray();
                    writer.WriteNumberValue(step);
                    WriteDouble(writer, value);
                    writer.WriteNumberValue(time.ToUnixTimeMilliseconds());
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
            });
        }

        void Number(string name, long? value)
        {
            if (value is { } v)
            {
                writer.WriteNumber(name, v);
            }
            else
            {
                writer.WriteNull(name);
            }
        }

        void Strings(string name, IEnumerable<string> items)
        {
            writer.WriteStartArray(name);
            foreach (var item in items)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
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

    public static void WriteJob(Utf8JsonWriter w, JobRecord j)
    {
        w.WriteString("type", "job");
        w.WriteString("id", j.Id);
        Str("name", j.Name);
        Arr("tags", j.Tags);
        w.WriteString("status", JobStatuses.Name(j.Status));
        w.WriteString("recipe", j.RecipeId);
        w.WriteString("recipe_version", j.RecipeVersion);
        w.WriteString("recipe_hash", j.RecipeHash);
        Arr("chain", j.Chain);
        w.WriteString("task", j.Task);
        w.WriteString("algorithm", j.Algorithm);
        Str("model", j.Model);
        w.WriteString("model_size", j.ModelSize);
        WriteDouble(w, "parameters", j.Parameters);
        w.WriteNumber("gpus", j.Gpus);
        w.WriteNumber("nodes", j.Nodes);
        w.WriteString("config_hash", j.ConfigHash);
        Arr("sets", j.Sets);
        w.WriteStartArray("datasets");
        foreach (var d in j.Datasets)
        {
            w.WriteStartObject();
            w.WriteString("role", d.Role);
            w.WriteString("name", d.Name);
            w.WriteString("algorithm", d.Algorithm);
            w.WriteString("hash", d.Hash);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (j.Git is { } g)
        {
            w.WriteStartObject("git");
            w.WriteString("commit", g.Commit);
            w.WriteBoolean("dirty", g.Dirty);
            Str("branch", g.Branch);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("git");
        }

        Str("parent", j.ParentId);
        Arr("forced", j.Forced);
        w.WriteString("user", j.User);
        w.WriteString("host", j.Host);
        w.WriteString("tool", j.ToolVersion);
        w.WriteString("created", Time(j.Created));
        Str("started", j.Started is { } s ? Time(s) : null);
        Str("finished", j.Finished is { } f ? Time(f) : null);
        w.WriteString("updated", Time(j.Updated));
        w.WriteStartArray("events");
        foreach (var e in j.Events)
        {
            w.WriteStartObject();
            w.WriteString("time", Time(e.Time));
            w.WriteString("status", JobStatuses.Name(e.Status));
            Str("note", e.Note);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        void Str(string name, string? value)
        {
            if (value is null)
            {
                w.WriteNull(name);
            }
            else
            {
                w.WriteString(name, value);
            }
        }

        void Arr(string name, IEnumerable<string> items)
        {
            w.WriteStartArray(name);
            foreach (var item in items)
            {
                w.WriteStringValue(item);
            }

            w.WriteEndArray();
        }
    }

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

    private static void WriteDouble(Utf8JsonWriter w, string name, double value)
    {
        w.WritePropertyName(name);
        WriteDouble(w, value);
    }

    private static void WriteDouble(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumberValue(value);
        }
        else
        {
            w.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

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
