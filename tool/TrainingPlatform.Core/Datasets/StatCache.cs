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

    /// <summary>
    /// Entries by folder (<c>ALGORITHM:/full/folder</c>), then by file name: a file's key is never built as one
    /// string, and 100,000 entries keep one folder string per folder instead of one full path each.
    /// </summary>
    private readonly Dictionary<string, Folder> _folders = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _dirty;

    private StatCache(string? path) => _path = path;

    public static StatCache Disabled { get; } = new(null);

    /// <summary>The entries of one folder and algorithm, by file name.</summary>
    internal sealed class Folder
    {
        public Folder() => ByName = Entries.GetAlternateLookup<ReadOnlySpan<char>>();

        public Dictionary<string, (FileStamp Stamp, CachedFile File)> Entries { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (FileStamp Stamp, CachedFile File)>.AlternateLookup<ReadOnlySpan<char>> ByName { get; }
    }

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

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            var reader = new ChunkedJsonReader(stream);
            if (!Read(reader, cache))
            {
                cache._folders.Clear();
            }
        }
#pragma warning disable CA1031 // A broken cache is never an error: it is rebuilt.
        catch (Exception)
#pragma warning restore CA1031
        {
            cache._folders.Clear();
            cache._dirty = true;
        }

        return cache;
    }

    /// <summary>
    /// Streams the cache file with <see cref="Utf8JsonReader"/> through a small buffer (<see cref="ChunkedJsonReader"/>):
    /// 100,000 entries without holding the file's tens of megabytes, and no string for a property name. A file of another
    /// version (or not an object) gives no entries (false); a malformed one throws.
    /// </summary>
    private static bool Read(ChunkedJsonReader chunks, StatCache cache)
    {
        var reader = chunks.Start();
        chunks.Expect(ref reader, JsonTokenType.StartObject);
        int? version = null;
        while (chunks.Next(ref reader) == JsonTokenType.PropertyName)
        {
            var isVersion = reader.ValueTextEquals("version"u8);
            var isEntries = reader.ValueTextEquals("entries"u8);
            chunks.Next(ref reader);
            if (isVersion && reader.TokenType == JsonTokenType.Number)
            {
                version = reader.GetInt32();
            }
            else if (isEntries && reader.TokenType == JsonTokenType.StartObject && version is null or Version)
            {
                ReadEntries(chunks, ref reader, cache);
            }
            else
            {
                chunks.Skip(ref reader);
            }
        }

        return version == Version;
    }

    private static void ReadEntries(ChunkedJsonReader chunks, ref Utf8JsonReader reader, StatCache cache)
    {
        var key = new char[256];
        var folderKey = "";
        var pending = new List<KeyValuePair<string, (FileStamp, CachedFile)>>();
        while (chunks.Next(ref reader) == JsonTokenType.PropertyName)
        {
            var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
            if (key.Length < length)
            {
                key = new char[length * 2];
            }

            var written = reader.CopyString(key);
            chunks.Next(ref reader);
            var slash = key.AsSpan(0, written).LastIndexOf(Path.DirectorySeparatorChar);
            if (reader.TokenType != JsonTokenType.StartObject || slash < 0)
            {
                chunks.Skip(ref reader);
                continue;
            }

            if (ReadEntry(chunks, ref reader) is not { } entry)
            {
                continue;
            }

            var folderSpan = key.AsSpan(0, slash);
            if (!folderSpan.SequenceEqual(folderKey))
            {
                cache.Add(folderKey, pending);
                folderKey = folderSpan.ToString();
            }

            pending.Add(new(key.AsSpan(slash + 1, written - slash - 1).ToString(), entry));
        }

        cache.Add(folderKey, pending);
    }

    /// <summary>A folder's entries, collected first so that its dictionary is sized once (no garbage from growing it).</summary>
    private void Add(string folderKey, List<KeyValuePair<string, (FileStamp, CachedFile)>> pending)
    {
        if (pending.Count == 0)
        {
            return;
        }

        var entries = FolderFor(folderKey).Entries;
        entries.EnsureCapacity(entries.Count + pending.Count);
        foreach (var (name, entry) in pending)
        {
            entries[name] = entry;
        }

        pending.Clear();
    }

    private Folder FolderFor(string folderKey)
    {
        if (!_folders.TryGetValue(folderKey, out var folder))
        {
            _folders[folderKey] = folder = new Folder();
        }

        return folder;
    }

    private static (FileStamp, CachedFile)? ReadEntry(ChunkedJsonReader chunks, ref Utf8JsonReader reader)
    {
        long? size = null, mtime = null, ctime = null, samples = null, problemCount = null;
        ulong? inode = null, device = null;
        string? format = null, hash = null;
        var isChecked = false;
        IReadOnlyList<string> fields = [];
        IReadOnlyList<LineProblem> problems = [];
        while (chunks.Next(ref reader) == JsonTokenType.PropertyName)
        {
            var name = PropertyOf(ref reader);
            chunks.Next(ref reader);
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            switch (name)
            {
                case Property.Size: size = reader.GetInt64(); break;
                case Property.MtimeNs: mtime = reader.GetInt64(); break;
                case Property.CtimeNs: ctime = reader.GetInt64(); break;
                case Property.Inode: inode = reader.GetUInt64(); break;
                case Property.Device: device = reader.GetUInt64(); break;
                case Property.Format: format = chunks.Shared(ref reader); break;
                case Property.Hash: hash = reader.GetString(); break;
                case Property.Samples: samples = reader.GetInt64(); break;
                case Property.Checked: isChecked = reader.GetBoolean(); break;
                case Property.ProblemCount: problemCount = reader.GetInt64(); break;
                case Property.Fields: fields = chunks.ReadFields(ref reader); break;
                case Property.Problems: problems = ReadProblems(chunks, ref reader); break;
                default: chunks.Skip(ref reader); break;
            }
        }

        if (hash is null || format is null || size is null || mtime is null)
        {
            return null;
        }

        return (new FileStamp(size.Value, mtime.Value, ctime, inode, device),
            new CachedFile(format, hash, samples, fields, isChecked, problems, problemCount ?? 0));
    }

    private enum Property
    {
        Other,
        Size,
        MtimeNs,
        CtimeNs,
        Inode,
        Device,
        Format,
        Hash,
        Samples,
        Checked,
        ProblemCount,
        Fields,
        Problems,
    }

    /// <summary>The property the reader is on, compared as UTF-8 (no string per property name).</summary>
    private static Property PropertyOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("size"u8) ? Property.Size
        : reader.ValueTextEquals("mtime_ns"u8) ? Property.MtimeNs
        : reader.ValueTextEquals("ctime_ns"u8) ? Property.CtimeNs
        : reader.ValueTextEquals("inode"u8) ? Property.Inode
        : reader.ValueTextEquals("device"u8) ? Property.Device
        : reader.ValueTextEquals("format"u8) ? Property.Format
        : reader.ValueTextEquals("hash"u8) ? Property.Hash
        : reader.ValueTextEquals("samples"u8) ? Property.Samples
        : reader.ValueTextEquals("checked"u8) ? Property.Checked
        : reader.ValueTextEquals("problem_count"u8) ? Property.ProblemCount
        : reader.ValueTextEquals("fields"u8) ? Property.Fields
        : reader.ValueTextEquals("problems"u8) ? Property.Problems
        : Property.Other;

    private static LineProblem[] ReadProblems(ChunkedJsonReader chunks, ref Utf8JsonReader reader)
    {
        var list = new List<LineProblem>();
        chunks.Expect(ref reader, JsonTokenType.StartArray, alreadyRead: true);
        while (chunks.Next(ref reader) == JsonTokenType.StartObject)
        {
            long line = 0;
            var message = "";
            while (chunks.Next(ref reader) == JsonTokenType.PropertyName)
            {
                var isLine = reader.ValueTextEquals("line"u8);
                var isMessage = reader.ValueTextEquals("message"u8);
                chunks.Next(ref reader);
                if (isLine)
                {
                    line = reader.GetInt64();
                }
                else if (isMessage)
                {
                    message = reader.GetString()!;
                }
                else
                {
                    chunks.Skip(ref reader);
                }
            }

            list.Add(new LineProblem(line, message));
        }

        return [.. list];
    }

    /// <summary>The entry of a file, when the cache has one for its folder, name and stamp (and a checked one when <paramref name="needChecked"/>).</summary>
    public bool TryGet(string fullPath, string algorithm, FileStamp stamp, bool needChecked, out CachedFile file)
    {
        var slash = fullPath.LastIndexOf(Path.DirectorySeparatorChar);
        return TryGet(FolderOf(fullPath[..Math.Max(0, slash)], algorithm), fullPath.AsSpan(slash + 1), stamp, needChecked, out file);
    }

    /// <summary>The entries of one folder (null when there are none): look it up once, then its files by name.</summary>
    public Folder? FolderOf(string folderFullPath, string algorithm)
    {
        if (_path is null)
        {
            return null;
        }

        lock (_lock)
        {
            return _folders.GetValueOrDefault(algorithm + ":" + folderFullPath);
        }
    }

    public bool TryGet(Folder? folder, ReadOnlySpan<char> name, FileStamp stamp, bool needChecked, out CachedFile file)
    {
        file = null!;
        (FileStamp Stamp, CachedFile File) entry;
        lock (_lock)
        {
            if (folder is null || !folder.ByName.TryGetValue(name, out entry))
            {
                return false;
            }
        }

        if (entry.Stamp != stamp || (needChecked && !entry.File.Checked))
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

        var slash = fullPath.LastIndexOf(Path.DirectorySeparatorChar);
        lock (_lock)
        {
            FolderFor(algorithm + ":" + fullPath[..Math.Max(0, slash)]).Entries[fullPath[(slash + 1)..]] = (stamp, file);
            _dirty = true;
        }
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
                foreach (var (key, (stamp, file)) in _folders.OrderBy(f => f.Key, StringComparer.Ordinal)
                    .SelectMany(f => f.Value.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (f.Key + Path.DirectorySeparatorChar + e.Key, e.Value))))
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
