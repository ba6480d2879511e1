using System.Collections.Concurrent;
using System.Text.Json;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>A file's hash and samples as the stat cache keeps them.</summary>
internal sealed record CachedFile(string Format, string Hash, long? Samples, IReadOnlyList<string> Fields, bool Checked, IReadOnlyList<LineProblem> Problems, long ProblemCount);

/// <summary>
/// The stat cache: <c>.trainplat/stat-cache.json</c> under the project root, keyed by full path and algorithm,
/// valid while the file's <see cref="FileStamp"/> (size, mtime ns, and on Linux ctime, inode, device) is
/// unchanged. It is only ever an optimisation: a missing, unreadable or corrupt cache is ignored and rewritten;
/// writes go to a temporary file that replaces the cache atomically (concurrent runs may drop each other's new
/// entries, never corrupt them). A file whose mtime or ctime is within 2 s of the moment it was read is not
/// cached, since a write in the same timestamp tick could go unseen (git's "racy clean" problem).
/// </summary>
internal sealed class StatCache
{
    private const int Version = 1;
    private static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

    private readonly string? _path;
    private readonly ConcurrentDictionary<string, (FileStamp Stamp, CachedFile File)> _entries = new(StringComparer.Ordinal);
    private bool _dirty;

    private StatCache(string? path) => _path = path;

    public static StatCache Disabled { get; } = new(null);

    public static StatCache Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw new UserErrorException($"the stat cache {path} is a folder, not a file",
                "remove that folder: trainplat keeps only its cache file there (`data snapshot --no-cache` does without the cache)");
        }

        var cache = new StatCache(path);
        try
        {
            if (!File.Exists(path))
            {
                return cache;
            }

            Read(File.ReadAllBytes(path), cache._entries);
        }
#pragma warning disable CA1031 // A broken cache is never an error: it is rebuilt.
        catch (Exception)
#pragma warning restore CA1031
        {
            cache._entries.Clear();
            cache._dirty = true;
        }

        return cache;
    }

    /// <summary>
    /// Streams the cache file with <see cref="Utf8JsonReader"/>: 100,000 entries in a fraction of the time and
    /// memory a DOM takes. A file of another version (or not an object) gives no entries; a malformed one throws.
    /// </summary>
    private static void Read(ReadOnlySpan<byte> json, ConcurrentDictionary<string, (FileStamp Stamp, CachedFile File)> entries)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        Expect(ref reader, JsonTokenType.StartObject);
        int? version = null;
        var parsed = new List<(string Key, (FileStamp, CachedFile) Entry)>();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            if (property == "version" && reader.TokenType == JsonTokenType.Number)
            {
                version = reader.GetInt32();
            }
            else if (property == "entries" && reader.TokenType == JsonTokenType.StartObject)
            {
                while (Next(ref reader) == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject && ReadEntry(ref reader) is { } entry)
                    {
                        parsed.Add((key, entry));
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Skip();
            }
        }

        if (version == Version)
        {
            foreach (var (key, entry) in parsed)
            {
                entries[key] = entry;
            }
        }
    }

    private static (FileStamp, CachedFile)? ReadEntry(ref Utf8JsonReader reader)
    {
        long? size = null, mtime = null, ctime = null, samples = null, problemCount = null;
        ulong? inode = null, device = null;
        string? format = null, hash = null;
        var isChecked = false;
        IReadOnlyList<string> fields = [];
        IReadOnlyList<LineProblem> problems = [];
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            switch (name)
            {
                case "size": size = reader.GetInt64(); break;
                case "mtime_ns": mtime = reader.GetInt64(); break;
                case "ctime_ns": ctime = reader.GetInt64(); break;
                case "inode": inode = reader.GetUInt64(); break;
                case "device": device = reader.GetUInt64(); break;
                case "format": format = Shared(reader.GetString()!); break;
                case "hash": hash = reader.GetString(); break;
                case "samples": samples = reader.GetInt64(); break;
                case "checked": isChecked = reader.GetBoolean(); break;
                case "problem_count": problemCount = reader.GetInt64(); break;
                case "fields": fields = SharedFields(ReadStrings(ref reader)); break;
                case "problems": problems = ReadProblems(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        if (hash is null || format is null || size is null || mtime is null)
        {
            return null;
        }

        return (new FileStamp(size.Value, mtime.Value, ctime, inode, device),
            new CachedFile(format, hash, samples, fields, isChecked, problems, problemCount ?? 0));
    }

    /// <summary>Formats are a handful of names: one string each, not one per entry.</summary>
    private static string Shared(string format) => string.Intern(format);

    /// <summary>The files of a dataset mostly share their fields: consecutive equal lists share one array.</summary>
    [ThreadStatic]
    private static string[]? _lastFields;

    private static string[] SharedFields(string[] fields)
    {
        if (_lastFields is { } last && last.AsSpan().SequenceEqual(fields))
        {
            return last;
        }

        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = string.Intern(fields[i]);
        }

        return _lastFields = fields;
    }

    private static string[] ReadStrings(ref Utf8JsonReader reader)
    {
        var list = new List<string>();
        Expect(ref reader, JsonTokenType.StartArray, alreadyRead: true);
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            list.Add(reader.GetString()!);
        }

        return [.. list];
    }

    private static LineProblem[] ReadProblems(ref Utf8JsonReader reader)
    {
        var list = new List<LineProblem>();
        Expect(ref reader, JsonTokenType.StartArray, alreadyRead: true);
        while (Next(ref reader) == JsonTokenType.StartObject)
        {
            long line = 0;
            var message = "";
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "line")
                {
                    line = reader.GetInt64();
                }
                else if (name == "message")
                {
                    message = reader.GetString()!;
                }
                else
                {
                    reader.Skip();
                }
            }

            list.Add(new LineProblem(line, message));
        }

        return [.. list];
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("unexpected end of the stat cache");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, bool alreadyRead = false)
    {
        if ((!alreadyRead && !reader.Read()) || reader.TokenType != type)
        {
            throw new JsonException($"expected {type} in the stat cache");
        }
    }

    public bool TryGet(string fullPath, string algorithm, FileStamp stamp, bool needChecked, out CachedFile file)
    {
        file = null!;
        if (_path is null || !_entries.TryGetValue(Key(fullPath, algorithm), out var entry) || entry.Stamp != stamp)
        {
            return false;
        }

        if (needChecked && !entry.File.Checked)
        {
            return false;
        }

        file = entry.File;
        return true;
    }

    /// <summary>Remembers a file read at <paramref name="readStart"/> unless it changed too recently to trust its stamp.</summary>
    public void Put(string fullPath, string algorithm, FileStamp stamp, CachedFile file, DateTimeOffset readStart)
    {
        if (_path is null)
        {
            return;
        }

        var readStartNs = (readStart.UtcDateTime - DateTime.UnixEpoch).Ticks * 100;
        if (readStartNs - stamp.NewestNs < RacyWindow.Ticks * 100)
        {
            return;
        }

        _entries[Key(fullPath, algorithm)] = (stamp, file);
        _dirty = true;
    }

    public void Save()
    {
        if (_path is null || !_dirty)
        {
            return;
        }

        var temp = _path + "." + Environment.ProcessId + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            using (var stream = File.Create(temp))
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", Version);
                writer.WriteStartObject("entries");
                foreach (var (key, (stamp, file)) in _entries.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    writer.WriteStartObject(key);
                    writer.WriteNumber("size", stamp.Size);
                    writer.WriteNumber("mtime_ns", stamp.ModifiedNs);
                    WriteOptional(writer, "ctime_ns", stamp.ChangedNs);
                    WriteOptional(writer, "inode", stamp.Inode);
                    WriteOptional(writer, "device", stamp.Device);
                    writer.WriteString("format", file.Format);
                    writer.WriteString("hash", file.Hash);
                    WriteOptional(writer, "samples", file.Samples);
                    writer.WriteStartArray("fields");
                    foreach (var f in file.Fields)
                    {
                        writer.WriteStringValue(f);
                    }

                    writer.WriteEndArray();
                    writer.WriteBoolean("checked", file.Checked);
                    writer.WriteNumber("problem_count", file.ProblemCount);
                    writer.WriteStartArray("problems");
                    foreach (var p in file.Problems)
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("line", p.Line);
                        writer.WriteString("message", p.Message);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            File.Move(temp, _path, overwrite: true);
            _dirty = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A cache that cannot be written only costs time on the next run.
        }
        finally
        {
            // A failed replace must not leave the temporary file behind, run after run.
            try
            {
                File.Delete(temp);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Nothing more can be done; the next successful save replaces the cache anyway.
            }
        }
    }

    private static string Key(string fullPath, string algorithm) => algorithm + ":" + fullPath;

    private static void WriteOptional(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, ulong? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }
}
