using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrainingPlatform.Core.Lineage;

// The lines of the export format (see LineageExchange), one record type per kind of line. Properties are written in
// the order declared; the JSON names are the format's. Times are the format's strings (LineageExchange.Time);
// doubles and a config's JSON have converters of their own so the bytes stay what the format has always been.

/// <summary>The first line of an export.</summary>
internal sealed record HeaderLine(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("jobs")] int Jobs,
    [property: JsonPropertyName("points")] long Points);

internal sealed record RecipeVersionLine(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("recipe")] string Recipe,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("recorded")] string Recorded,
    [property: JsonPropertyName("text")] string Text);

internal sealed record ConfigLine(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("config")] RawJson Config);

internal sealed record DatasetVersionLine(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("samples")] long? Samples,
    [property: JsonPropertyName("fields")] IReadOnlyList<string> Fields,
    [property: JsonPropertyName("created")] string Created,
    [property: JsonPropertyName("files")] IReadOnlyList<ManifestEntryLine> Files);

/// <summary>A file of a dataset version's manifest; <c>link</c> only for a recorded link.</summary>
internal sealed record ManifestEntryLine(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("samples")] long? Samples,
    [property: JsonPropertyName("fields")] IReadOnlyList<string> Fields,
    [property: JsonPropertyName("link"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Link = null);

/// <summary>A job; <c>name</c>, <c>model</c>, <c>parent</c>, <c>started</c> and <c>finished</c> may be absent (null), every other field is required.</summary>
internal sealed class JobLine
{
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("tags")]
    public required IReadOnlyList<string> Tags { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("recipe")]
    public required string Recipe { get; init; }

    [JsonPropertyName("recipe_version")]
    public required string RecipeVersion { get; init; }

    [JsonPropertyName("recipe_hash")]
    public required string RecipeHash { get; init; }

    [JsonPropertyName("chain")]
    public required IReadOnlyList<string> Chain { get; init; }

    [JsonPropertyName("task")]
    public required string Task { get; init; }

    [JsonPropertyName("algorithm")]
    public required string Algorithm { get; init; }

    [JsonPropertyName("model")]
    public string? Model { get; init; }

    [JsonPropertyName("model_size")]
    public required string ModelSize { get; init; }

    [JsonPropertyName("parameters"), JsonConverter(typeof(ExchangeDoubleConverter))]
    public required double Parameters { get; init; }

    [JsonPropertyName("gpus")]
    public required int Gpus { get; init; }

    [JsonPropertyName("nodes")]
    public required int Nodes { get; init; }

    [JsonPropertyName("config_hash")]
    public required string ConfigHash { get; init; }

    [JsonPropertyName("sets")]
    public required IReadOnlyList<string> Sets { get; init; }

    [JsonPropertyName("datasets")]
    public required IReadOnlyList<JobDatasetLine> Datasets { get; init; }

    [JsonPropertyName("git")]
    public required GitLine? Git { get; init; }

    [JsonPropertyName("parent")]
    public string? Parent { get; init; }

    [JsonPropertyName("forced")]
    public required IReadOnlyList<string> Forced { get; init; }

    /// <summary>The memory estimate at creation as JSON text (absent for jobs that have none).</summary>
    [JsonPropertyName("memory")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Memory { get; init; }

    [JsonPropertyName("user")]
    public required string User { get; init; }

    [JsonPropertyName("host")]
    public required string Host { get; init; }

    [JsonPropertyName("tool")]
    public required string Tool { get; init; }

    [JsonPropertyName("created")]
    public required string Created { get; init; }

    [JsonPropertyName("started")]
    public string? Started { get; init; }

    [JsonPropertyName("finished")]
    public string? Finished { get; init; }

    [JsonPropertyName("updated")]
    public required string Updated { get; init; }

    [JsonPropertyName("events")]
    public required IReadOnlyList<JobEventLine> Events { get; init; }
}

internal sealed record JobDatasetLine(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("hash")] string Hash);

internal sealed record GitLine(
    [property: JsonPropertyName("commit")] string Commit,
    [property: JsonPropertyName("dirty")] bool Dirty,
    [property: JsonPropertyName("branch")] string? Branch = null);

internal sealed record JobEventLine(
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("note")] string? Note = null);

/// <summary>A batch of one metric of one job; points are <c>[step, value, unix_ms]</c>.</summary>
internal sealed record MetricsLine(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("job")] string Job,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("source")] string? Source,
    [property: JsonPropertyName("points")] IReadOnlyList<PointLine> Points);

/// <summary>A metric point as the export writes it: <c>[step, value, unix_ms]</c>.</summary>
[JsonConverter(typeof(PointLineConverter))]
internal readonly record struct PointLine(long Step, double Value, long UnixMs);

/// <summary>JSON kept as its text (a config), written as it is.</summary>
[JsonConverter(typeof(RawJsonConverter))]
internal readonly record struct RawJson(string Json);

/// <summary>A finite double as a JSON number; NaN and the infinities as the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>.</summary>
internal sealed class ExchangeDoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadValue(ref reader);

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) => WriteValue(writer, value);

    public static double ReadValue(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String
        ? reader.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var other => throw new FormatException($"'{other}' is not a number"),
        }
        : reader.GetDouble();

    public static void WriteValue(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }
}

internal sealed class PointLineConverter : JsonConverter<PointLine>
{
    public override PointLine Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new FormatException("a point must be [step, value, unix_ms]");
        }

        reader.Read();
        var step = reader.GetInt64();
        reader.Read();
        var value = ExchangeDoubleConverter.ReadValue(ref reader);
        reader.Read();
        var time = reader.GetInt64();
        reader.Read();
        return reader.TokenType == JsonTokenType.EndArray ? new PointLine(step, value, time) : throw new FormatException("a point must be [step, value, unix_ms]");
    }

    public override void Write(Utf8JsonWriter writer, PointLine value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.Step);
        ExchangeDoubleConverter.WriteValue(writer, value.Value);
        writer.WriteNumberValue(value.UnixMs);
        writer.WriteEndArray();
    }
}

internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return new RawJson(doc.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) => writer.WriteRawValue(value.Json);
}

/// <summary>The export format's lines, source-generated (no reflection: Native AOT).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(HeaderLine))]
[JsonSerializable(typeof(RecipeVersionLine))]
[JsonSerializable(typeof(ConfigLine))]
[JsonSerializable(typeof(DatasetVersionLine))]
[JsonSerializable(typeof(JobLine))]
[JsonSerializable(typeof(MetricsLine))]
[JsonSerializable(typeof(List<ManifestEntryLine>))]
internal sealed partial class ExchangeContext : JsonSerializerContext;
