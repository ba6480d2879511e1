using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Experience;

/// <summary>
/// A past job with the config it ran with, flattened to <c>section.key</c> leaves. The config is read
/// only when a suggestion first needs it, so jobs outside the evidence never cost a fetch or a parse.
/// Not thread-safe: one suggestion reads a set of evidence jobs at a time.
/// </summary>
public sealed class EvidenceJob
{
    private readonly Lazy<ConfigLeaf[]> _values;
    private TrainingMethod? _method;

    public EvidenceJob(JobRecord job, JsonObject config)
        : this(job, ConfigScalar.Flatten(config))
    {
    }

    private EvidenceJob(JobRecord job, ConfigLeaf[] values)
        : this(job, () => values)
    {
    }

    private EvidenceJob(JobRecord job, Func<ConfigLeaf[]> values)
    {
        Job = job;
        _values = new Lazy<ConfigLeaf[]>(values, LazyThreadSafetyMode.None);
    }

    public JobRecord Job { get; }

    /// <summary>The job's training method, from its config (<see cref="TrainingMethods"/>).</summary>
    public TrainingMethod Method => _method ??= TrainingMethods.Of(Job.Algorithm, Values);

    /// <summary>The config's scalar leaves (arrays, objects and anything deeper than <c>section.key</c> are left out).</summary>
    internal ConfigLeaf[] Values => _values.Value;

    /// <summary>A job with its config as stored (canonical JSON of the rendered config).</summary>
    /// <exception cref="InvalidDataException">The text is not a JSON object.</exception>
    public static EvidenceJob FromJson(JobRecord job, string configJson) =>
        new(job, ConfigScalar.Parse(configJson, job.Id, new StringPool()));

    /// <summary>
    /// Jobs with their configs fetched by hash (<see cref="ILineageStore.GetConfig"/>), lazily: a config is
    /// fetched and parsed once per hash, and only when the job turns out to be evidence. A job whose config
    /// is missing counts as evidence that covers no key. A broken config throws
    /// <see cref="InvalidDataException"/> (naming the job) when it is first read.
    /// </summary>
    public static IReadOnlyList<EvidenceJob> Load(IEnumerable<JobRecord> jobs, Func<string, string?> configByHash) => [.. Read(jobs, configByHash)];

    /// <summary>As <see cref="Load"/>, as the jobs come (a caller may stop early).</summary>
    internal static IEnumerable<EvidenceJob> Read(IEnumerable<JobRecord> jobs, Func<string, string?> configByHash)
    {
        var cache = new Dictionary<string, ConfigLeaf[]>(StringComparer.Ordinal);
        var pool = new StringPool();
        return jobs.Select(job => new EvidenceJob(job, () =>
        {
            if (!cache.TryGetValue(job.ConfigHash, out var values))
            {
                var text = configByHash(job.ConfigHash);
                values = text is null ? [] : ConfigScalar.Parse(text, job.Id, pool);
                cache[job.ConfigHash] = values;
            }

            return values;
        }));
    }
}

internal enum ScalarKind
{
    Null,
    Number,
    String,
    Boolean,
}

/// <summary>One leaf of a flattened config: its dotted key and scalar value.</summary>
internal readonly record struct ConfigLeaf(string Key, ConfigScalar Value);

/// <summary>One scalar config value: a number (as a double), a string, a boolean, or null.</summary>
internal readonly record struct ConfigScalar(ScalarKind Kind, double Number, string? Text)
{
    public bool IsCategorical => Kind is ScalarKind.String or ScalarKind.Boolean;

    /// <summary>The value as the user reads it: <c>adamw</c>, <c>true</c>.</summary>
    public string Display => Kind switch
    {
        ScalarKind.Number => Number.ToString("R", CultureInfo.InvariantCulture),
        ScalarKind.Null => "null",
        _ => Text!,
    };

    public JsonNode? ToNode() => Kind switch
    {
        ScalarKind.Number => JsonValue.Create(Number),
        ScalarKind.String => JsonValue.Create(Text),
        ScalarKind.Boolean => JsonValue.Create(Text == "true"),
        _ => null,
    };

    public static ConfigScalar Of(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return default;
        }

        return v.GetValueKind() switch
        {
            JsonValueKind.Number => new ConfigScalar(ScalarKind.Number, ToDouble(v), null),
            JsonValueKind.String => new ConfigScalar(ScalarKind.String, 0, v.GetValue<string>()),
            JsonValueKind.True => new ConfigScalar(ScalarKind.Boolean, 0, "true"),
            JsonValueKind.False => new ConfigScalar(ScalarKind.Boolean, 0, "false"),
            _ => default,
        };
    }

    /// <summary>The <c>section.key</c> scalar leaves of a config tree; deeper values and arrays are left out.</summary>
    public static ConfigLeaf[] Flatten(JsonObject config)
    {
        var leaves = new List<ConfigLeaf>();
        foreach (var (section, node) in config)
        {
            if (node is not JsonObject keys)
            {
                continue;
            }

            foreach (var (name, value) in keys)
            {
                if (value is null or JsonValue)
                {
                    leaves.Add(new ConfigLeaf(section + "." + name, Of(value)));
                }
            }
        }

        return [.. leaves];
    }

    /// <summary>
    /// As <see cref="Flatten"/>, straight from JSON text with a forward-only reader: no tree is built, and
    /// keys and string values come from <paramref name="pool"/>, so thousands of configs share one copy of each.
    /// </summary>
    public static ConfigLeaf[] Parse(string json, string jobId, StringPool pool)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, bytes);
            return Parse(bytes.AsSpan(0, length), pool);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the config of job {jobId} is not valid JSON: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"the config of job {jobId} is not a JSON object of sections: {e.Message}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static ConfigLeaf[] Parse(ReadOnlySpan<byte> utf8, StringPool pool)
    {
        var leaves = new List<ConfigLeaf>(64);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException("the text does not start with '{'");
        }

        Span<char> path = stackalloc char[256];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var sectionLength = Copy(ref reader, path);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject || sectionLength < 0)
            {
                reader.Skip();
                continue;
            }

            path[sectionLength] = '.';
            var prefix = sectionLength + 1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var nameLength = Copy(ref reader, path[prefix..]);
                reader.Read();
                if (nameLength < 0)
                {
                    reader.Skip();
                    continue;
                }

                var key = pool.Get(path[..(prefix + nameLength)]);
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number:
                        leaves.Add(new ConfigLeaf(key, new ConfigScalar(ScalarKind.Number, reader.GetDouble(), null)));
                        break;
                    case JsonTokenType.String:
                        leaves.Add(new ConfigLeaf(key, new ConfigScalar(ScalarKind.String, 0, ReadText(ref reader, pool))));
                        break;
                    case JsonTokenType.True:
                        leaves.Add(new ConfigLeaf(key, new ConfigScalar(ScalarKind.Boolean, 0, "true")));
                        break;
                    case JsonTokenType.False:
                        leaves.Add(new ConfigLeaf(key, new ConfigScalar(ScalarKind.Boolean, 0, "false")));
                        break;
                    case JsonTokenType.Null:
                        leaves.Add(new ConfigLeaf(key, default));
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }

        return [.. leaves];
    }

    /// <summary>Copies the current property name into <paramref name="into"/>; -1 when it does not fit (such a key is skipped).</summary>
    private static int Copy(ref Utf8JsonReader reader, scoped Span<char> into)
    {
        var room = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        return room < into.Length - 1 ? reader.CopyString(into) : -1;
    }

    private static string ReadText(ref Utf8JsonReader reader, StringPool pool)
    {
        var room = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (room > 128)
        {
            return reader.GetString()!;
        }

        Span<char> buffer = stackalloc char[128];
        return pool.Get(buffer[..reader.CopyString(buffer)]);
    }

    private static double ToDouble(JsonValue v)
    {
        if (v.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }

        return double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}

/// <summary>One shared copy of each key and short string value across the configs of one load.</summary>
internal sealed class StringPool
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    public string Get(ReadOnlySpan<char> text)
    {
        var lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var known))
        {
            return known;
        }

        var s = text.ToString();
        _strings[s] = s;
        return s;
    }
}
