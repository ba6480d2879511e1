using System.Text;
using System.Text.Json;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>Which reader reads a file: detected from its first bytes and its name, or named with <c>--as</c>.</summary>
public static partial class MetricsFile
{
    /// <summary>How many bytes of a file detection looks at.</summary>
    internal const int DetectBytes = 64 * 1024;

    /// <summary>The names <c>metrics import --as</c> takes, in the order help lists them.</summary>
    public static IReadOnlyList<(string Name, MetricsFileFormat Format)> FormatNames { get; } =
    [
        ("jsonl", MetricsFileFormat.JsonLines),
        ("csv", MetricsFileFormat.Csv),
        ("tsv", MetricsFileFormat.Tsv),
        ("verl", MetricsFileFormat.Verl),
        ("verl-console", MetricsFileFormat.VerlConsole),
        ("trainer-state", MetricsFileFormat.TrainerState),
        ("wandb", MetricsFileFormat.Wandb),
        ("tensorboard", MetricsFileFormat.TensorBoard),
    ];

    /// <summary>The <c>--as</c> name of a format.</summary>
    public static string FormatName(MetricsFileFormat format) => FormatNames.First(f => f.Format == format).Name;

    /// <summary>The format an <c>--as</c> name means (ignoring case), or null.</summary>
    public static MetricsFileFormat? ParseFormatName(string name) =>
        FormatNames.FirstOrDefault(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) is { Name: not null } found ? found.Format : null;

    /// <summary>
    /// The format of a file from its first bytes and its name. The content decides where it can: a JSON object that
    /// starts on a line of its own with a <c>log_history</c> is a <c>trainer_state.json</c> (so is any file of that
    /// name); JSON Lines whose first line is <c>{"step": …, "data": {…}}</c> are verl's file logger; a CSV header with
    /// <c>_step</c> and <c>_runtime</c> or <c>_timestamp</c> is a W&amp;B history; a file with a line
    /// <c>step:N - key:value</c> is verl's console output. Otherwise the extension says (<see cref="FormatOf"/>).
    /// </summary>
    /// <exception cref="UserErrorException">Neither the content nor the name says.</exception>
    public static MetricsFileFormat Detect(string? path, ReadOnlySpan<byte> head)
    {
        var byName = path is null ? null : FormatOfName(path);
        if (path is not null && Path.GetFileName(path).Equals("trainer_state.json", StringComparison.OrdinalIgnoreCase))
        {
            return MetricsFileFormat.TrainerState;
        }

        var start = head.IndexOfAnyExcept(Blank);
        if (start < 0)
        {
            return byName ?? throw UnknownFormat(path);
        }

        var firstLine = FirstLine(head[start..]);
        if (head[start] == '{')
        {
            if (firstLine.Trim(" \t\r"u8).SequenceEqual("{"u8) && head.IndexOf("\"log_history\""u8) >= 0)
            {
                return MetricsFileFormat.TrainerState;
            }

            if (IsVerlFileLine(firstLine))
            {
                return MetricsFileFormat.Verl;
            }
        }

        if (byName == MetricsFileFormat.Csv)
        {
            var header = Encoding.UTF8.GetString(firstLine).Split(',').Select(h => h.Trim().Trim('"')).ToArray();
            return header.Contains("_step") && (header.Contains("_runtime") || header.Contains("_timestamp"))
                ? MetricsFileFormat.Wandb
                : MetricsFileFormat.Csv;
        }

        if (byName is { } named)
        {
            return named;
        }

        // No extension that says: console lines anywhere in the head, else JSON Lines when it starts like them.
        return HasConsoleLine(head) ? MetricsFileFormat.VerlConsole
            : head[start] == '{' ? MetricsFileFormat.JsonLines
            : throw UnknownFormat(path);
    }

    /// <summary>The format a file's name says, or null: the extension, and <c>.log</c>, <c>.txt</c>, <c>.out</c> for console output.</summary>
    private static MetricsFileFormat? FormatOfName(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".JSONL" or ".NDJSON" or ".JSON" => MetricsFileFormat.JsonLines,
        ".CSV" => MetricsFileFormat.Csv,
        ".TSV" => MetricsFileFormat.Tsv,
        ".LOG" or ".TXT" or ".OUT" => MetricsFileFormat.VerlConsole,
        _ => null,
    };

    private static UserErrorException UnknownFormat(string? path)
    {
        var extension = Path.GetExtension(path ?? "");
        return new UserErrorException(
            (extension.Length == 0 ? "unknown metrics format (no extension)" : $"unknown metrics format '{extension}'")
            + ": expected .jsonl, .ndjson, .json (JSON Lines, verl's file logger, trainer_state.json), .csv, .tsv, .log/.txt/.out (verl's console output), or a TensorBoard event file (events.out.tfevents.*) or log folder",
            "name the format with --as " + string.Join("|", FormatNames.Select(f => f.Name)))
        { FilePath = path };
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> text)
    {
        var end = text.IndexOf((byte)'\n');
        return end < 0 ? text : text[..end];
    }

    /// <summary>True when the line is one JSON object whose members are a <c>step</c> and a <c>data</c> object, as verl's FileLogger writes.</summary>
    private static bool IsVerlFileLine(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            bool step = false, data = false, other = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isStep = reader.ValueTextEquals("step"u8);
                var isData = reader.ValueTextEquals("data"u8);
                reader.Read();
                step |= isStep;
                data |= isData && reader.TokenType == JsonTokenType.StartObject;
                other |= !isStep && !isData;
                reader.Skip();
            }

            return step && data && !other;
        }
        catch (JsonException)
        {
            // Bare NaN in the line, or a cut line: the first line of a verl file has its metrics; look at the start only.
            return line.StartsWith("{\"step\": "u8) && line.IndexOf(", \"data\": {"u8) > 0;
        }
    }

    internal static bool HasConsoleLine(ReadOnlySpan<byte> head)
    {
        while (!head.IsEmpty)
        {
            var end = head.IndexOf((byte)'\n');
            var line = end < 0 ? head : head[..end];
            if (VerlConsoleReader.Record(line) >= 0)
            {
                return true;
            }

            head = end < 0 ? default : head[(end + 1)..];
        }

        return false;
    }
}
