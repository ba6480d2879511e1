using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

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
            throw new DatasetLookupException($"the stat cache {path} is a folder, not a file",
                "remove that folder: trainplat keeps only its cache file there (`data snapshot --no-cache` does without the cache)");
        }

        var cache = new StatCache(path);
        try
        {
            if (!File.Exists(path))
            {
                return cache;
            }

            if (JsonNode.Parse(File.ReadAllBytes(path)) is not JsonObject root || (int?)root["version"] != Version || root["entries"] is not JsonObject entries)
            {
                return cache;
            }

            foreach (var (key, value) in entries)
            {
                if (value is JsonObject e && Parse(e) is { } entry)
                {
                    cache._entries[key] = entry;
                }
            }
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

    private static (FileStamp, CachedFile)? Parse(JsonObject e)
    {
        if (e["hash"]?.GetValue<string>() is not { } hash || e["format"]?.GetValue<string>() is not { } format)
        {
            return null;
        }

        var stamp = new FileStamp(
            e["size"]!.GetValue<long>(),
            e["mtime_ns"]!.GetValue<long>(),
            e["ctime_ns"]?.GetValue<long>(),
            e["inode"]?.GetValue<ulong>(),
            e["device"]?.GetValue<ulong>());
        var fields = e["fields"] is JsonArray fa ? fa.Select(f => f!.GetValue<string>()).ToArray() : [];
        var problems = e["problems"] is JsonArray pa
            ? pa.OfType<JsonObject>().Select(p => new LineProblem(p["line"]!.GetValue<long>(), p["message"]!.GetValue<string>())).ToArray()
            : [];
        var file = new CachedFile(format, hash, e["samples"]?.GetValue<long>(), fields, e["checked"]?.GetValue<bool>() ?? false,
            problems, e["problem_count"]?.GetValue<long>() ?? 0);
        return (stamp, file);
    }

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
