namespace TrainingPlatform.Core.Datasets;

/// <summary>How a file's samples are counted.</summary>
public enum DatasetFormat
{
    /// <summary>Hash and size only; samples "n/a".</summary>
    Other,

    /// <summary>JSON Lines (<c>.jsonl</c>, <c>.ndjson</c>): one sample per non-blank line.</summary>
    JsonLines,

    /// <summary>A <c>.json</c> file: the elements of a top-level array, else the number of top-level values.</summary>
    Json,

    /// <summary>Comma-separated, header row first, records counted through CsvHelper.</summary>
    Csv,

    /// <summary>Tab-separated, as CSV.</summary>
    Tsv,

    /// <summary>Apache Parquet: rows from the footer metadata.</summary>
    Parquet,
}

/// <summary>A file's format as named by its extension, and whether it is gzip-compressed.</summary>
public readonly record struct FileKind(DatasetFormat Format, bool Gzip)
{
    /// <summary>The name shown to users and stored: <c>jsonl</c>, <c>csv.gz</c>, <c>parquet</c>, <c>other</c>…</summary>
    public string Name => Format switch
    {
        DatasetFormat.JsonLines => "jsonl",
        DatasetFormat.Json => "json",
        DatasetFormat.Csv => "csv",
        DatasetFormat.Tsv => "tsv",
        DatasetFormat.Parquet => "parquet",
        _ => "other",
    } + (Gzip ? ".gz" : "");

    /// <summary>From the file name: <c>.jsonl</c>/<c>.ndjson</c>, <c>.json</c>, <c>.csv</c>, <c>.tsv</c> (each also with <c>.gz</c>), <c>.parquet</c>; anything else is Other.</summary>
    public static FileKind FromFileName(string fileName)
    {
        // Only the extension matters: lower-cased on the stack, no string per file (a walk of 100,000 files asks for each).
        var extension = Path.GetExtension(fileName.AsSpan());
        var gzip = extension.Equals(".gz", StringComparison.OrdinalIgnoreCase);
        if (gzip)
        {
            extension = Path.GetExtension(fileName.AsSpan(0, fileName.Length - 3));
        }

        Span<char> buffer = stackalloc char[16];
        if (extension.Length > buffer.Length)
        {
            return new FileKind(DatasetFormat.Other, false);
        }

        var lower = buffer[..extension.Length];
        extension.ToLowerInvariant(lower);
        DatasetFormat format = lower switch
        {
            ".jsonl" or ".ndjson" => DatasetFormat.JsonLines,
            ".json" => DatasetFormat.Json,
            ".csv" => DatasetFormat.Csv,
            ".tsv" => DatasetFormat.Tsv,
            ".parquet" when !gzip => DatasetFormat.Parquet,
            _ => DatasetFormat.Other,
        };
        // A .gz of anything but the text formats is just bytes to hash.
        return format == DatasetFormat.Other ? new FileKind(DatasetFormat.Other, false) : new FileKind(format, gzip);
    }

    public static FileKind Parse(string name) => name switch
    {
        "jsonl" => new(DatasetFormat.JsonLines, false),
        "jsonl.gz" => new(DatasetFormat.JsonLines, true),
        "json" => new(DatasetFormat.Json, false),
        "json.gz" => new(DatasetFormat.Json, true),
        "csv" => new(DatasetFormat.Csv, false),
        "csv.gz" => new(DatasetFormat.Csv, true),
        "tsv" => new(DatasetFormat.Tsv, false),
        "tsv.gz" => new(DatasetFormat.Tsv, true),
        "parquet" => new(DatasetFormat.Parquet, false),
        _ => new(DatasetFormat.Other, false),
    };
}

