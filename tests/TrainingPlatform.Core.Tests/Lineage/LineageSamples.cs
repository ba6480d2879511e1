using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>Small, realistic lineage records for the store tests; every time has whole milliseconds, as the store keeps them.</summary>
internal static class LineageSamples
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, 123, TimeSpan.Zero);

    public static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static RecipeVersionRecord Recipe(string id, string version, string task, DateTimeOffset recorded, string? extends = null)
    {
        var text = $"# {id}: a test recipe\nid: {id}\nversion: {version}\ntask: {task}\n" + (extends is null ? "" : $"extends: {extends}\n") + "training:\n  lr: 2.0e-5\n";
        return new RecipeVersionRecord(Sha(text), id, version, task, task, text, recorded);
    }

    public static DatasetVersion FileDataset(string name, string content, long samples, DateTimeOffset created) =>
        new(name, name, false, "jsonl", Encoding.UTF8.GetByteCount(content), "sha256", Sha(content), samples, ["prompt", "response"], created, []);

    public static DatasetVersion FolderDataset(string name, DateTimeOffset created, params (string Path, string Content, long Samples)[] files)
    {
        var entries = files.Select(f => new FileEntry(f.Path, Encoding.UTF8.GetByteCount(f.Content), Sha(f.Content), "jsonl", f.Samples, ["prompt", "response"])).ToArray();
        var hash = Sha(string.Join("\n", entries.Select(e => $"{e.Hash}  {e.Path}")));
        return new DatasetVersion(name, name, true, "folder", entries.Sum(e => e.Size), "sha256", hash, entries.Sum(e => e.Samples), ["prompt", "response"], created, entries);
    }

    public static JobDataset Use(string role, DatasetVersion v) => new(role, v.Name, v.Algorithm, v.Hash);

    /// <summary>A pending job of <paramref name="recipe"/> (chain: <paramref name="chain"/> then the recipe) with a config of its own.</summary>
    public static NewJob NewJob(string id, RecipeVersionRecord recipe, DateTimeOffset created, IReadOnlyList<(string Role, DatasetVersion Version)>? datasets = null,
        IReadOnlyList<RecipeVersionRecord>? chain = null, string modelSize = "8B", double parameters = 8.03e9, string? parentId = null, string lr = "2e-05")
    {
        var config = $"{{\"model\":{{\"size\":\"{modelSize}\"}},\"recipe\":\"{recipe.RecipeId}\",\"training\":{{\"lr\":{lr}}}}}";
        var recipes = (chain ?? []).Append(recipe).ToArray();
        var used = datasets ?? [];
        var job = new JobRecord
        {
            Id = id,
            Name = "run " + id[..4],
            Tags = ["nightly"],
            Status = JobStatus.Pending,
            RecipeId = recipe.RecipeId,
            RecipeVersion = recipe.Version,
            RecipeHash = recipe.Hash,
            Chain = [.. recipes.Select(r => r.Hash)],
            Task = recipe.Task,
            Algorithm = recipe.Algorithm,
            Model = modelSize == "8B" ? "llama-3.1-8b" : null,
            ModelSize = modelSize,
            Parameters = parameters,
            Gpus = 8,
            Nodes = 1,
            ConfigHash = Sha(config),
            Sets = ["training.lr=" + lr],
            Datasets = [.. used.Select(d => Use(d.Role, d.Version))],
            Git = new GitState("0123456789abcdef0123456789abcdef01234567", false, "main"),
            ParentId = parentId,
            User = "ada",
            Host = "gpu-01",
            ToolVersion = "0.2.0",
            Created = created,
            Updated = created,
            Events = [new JobEvent(created, JobStatus.Pending, parentId is null ? "created" : "cloned from " + parentId)],
        };
        return new NewJob(job, recipes, config, [.. used.Select(d => d.Version)]);
    }

    public static MetricPoint[] Points(string name, long firstStep, int count, Func<long, double> value, DateTimeOffset start) =>
        [.. Enumerable.Range(0, count).Select(i => new MetricPoint(firstStep + i, name, value(firstStep + i), start.AddMilliseconds(i)))];

    /// <summary>Everything a user sees of a job: its export line and its metric summaries.</summary>
    public static string Describe(JobRecord job)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            LineageExchange.WriteJob(writer, job);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n" + string.Join("\n", job.Metrics.Select(m => m.ToString()));
    }

    /// <summary>The export of the whole store, as <c>trainplat job export --all</c> writes it.</summary>
    public static byte[] ExportBytes(ILineageStore store)
    {
        using var buffer = new MemoryStream();
        LineageExchange.Write(buffer, store.Export(null), "0.2.0");
        return buffer.ToArray();
    }
}

/// <summary>
/// A run of tests/TrainingPlatform.StoreWriter (built for the same configuration as the tests) as <c>dotnet DLL ARGS</c>,
/// with each stdout line timed as it arrives.
/// </summary>
internal sealed class StoreWriterRun : IDisposable
{
    public const long PerWriter = 1_000_000;
    public const long ImportFirst = 1000;

    private static readonly Lazy<string> DllPath = new(Find);
    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(string Line, TimeSpan At)> _lines = [];
    private readonly StringBuilder _error = new();

    private StoreWriterRun(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (_lines)
                {
                    _lines.Add((line, _clock.Elapsed));
                    Monitor.PulseAll(_lines);
                }
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_error)
            {
                _error.AppendLine(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string Dll => DllPath.Value;

    public int ExitCode => _process.ExitCode;

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    public static StoreWriterRun Start(params string[] args)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return new StoreWriterRun(Process.Start(start) ?? throw new InvalidOperationException("cannot start " + Dll));
    }

    /// <summary>When a line <paramref name="word"/> (or <c>WORD ...</c>) arrived (since the start), or null if none did (yet).</summary>
    public TimeSpan? When(string word)
    {
        lock (_lines)
        {
            return _lines.FirstOrDefault(l => l.Line == word || l.Line.StartsWith(word + " ", StringComparison.Ordinal)) is { Line: not null } seen ? seen.At : null;
        }
    }

    /// <summary>The number on the line <c>WORD NUMBER</c>, or null.</summary>
    public double? Reported(string word)
    {
        lock (_lines)
        {
            return _lines.FirstOrDefault(l => l.Line.StartsWith(word + " ", StringComparison.Ordinal)) is { Line: { } line }
                ? double.Parse(line.AsSpan(word.Length + 1), CultureInfo.InvariantCulture)
                : null;
        }
    }

    /// <summary>Waits until <paramref name="line"/> is printed; false on timeout or when the process ended without printing it.</summary>
    public bool WaitFor(string line, TimeSpan timeout)
    {
        var deadline = _clock.Elapsed + timeout;
        while (When(line) is null)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit(); // drains the output events
                return When(line) is not null;
            }

            if (_clock.Elapsed >= deadline)
            {
                return false;
            }

            lock (_lines)
            {
                Monitor.Wait(_lines, TimeSpan.FromMilliseconds(5));
            }
        }

        return true;
    }

    public override string ToString() => _process.HasExited ? $"exited {_process.ExitCode}: {Error}" : "running";

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout))
        {
            return false;
        }

        _process.WaitForExit(); // drains the output events
        return true;
    }

    /// <summary>SIGKILL on Linux: no finally blocks, no Dispose, no LiteDB shutdown.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it exited already
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private static string Find()
    {
        var path = typeof(StoreWriterRun).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "StoreWriterPath")?.Value;
        return path is { Length: > 0 } && File.Exists(path)
            ? path
            : throw new InvalidOperationException($"the store writer helper is not built ('{path}'); build tests/TrainingPlatform.Core.Tests");
    }
}

/// <summary>A temporary folder holding a store, deleted on dispose.</summary>
internal sealed class StoreDir : IDisposable
{
    private readonly DatasetsTempDir _dir = new();

    public string Path => _dir.Path;

    public string Store => File("lineage.db");

    public string File(string name) => _dir.File(name);

    /// <summary>The files in the folder, sorted: shows a stray <c>-log.db</c> or backup.</summary>
    public string[] Files() => [.. Directory.GetFiles(Path).Select(f => System.IO.Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public void Dispose() => _dir.Dispose();
}
