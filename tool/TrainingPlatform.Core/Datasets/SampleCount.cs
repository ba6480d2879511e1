namespace TrainingPlatform.Core.Datasets;

/// <summary>A line (or record) that failed <c>--check</c>, 1-based.</summary>
public sealed record LineProblem(long Line, string Message);

/// <summary>What counting found in one file: samples (null: the format has none), fields, and <c>--check</c> problems.</summary>
internal sealed record SampleCount(long? Samples, IReadOnlyList<string> Fields, IReadOnlyList<LineProblem> Problems, long ProblemCount)
{
    public static SampleCount None { get; } = new(null, [], [], 0);

    public const int MaxProblems = SnapshotLimits.MaxProblems;

    public const int FieldSampleCount = SnapshotLimits.FieldSampleCount;
}

public static class SnapshotLimits
{
    /// <summary>How many problems of a file are listed at most; the total is still counted.</summary>
    public const int MaxProblems = 20;

    /// <summary>How many samples (lines, elements) are read for the union of top-level keys.</summary>
    public const int FieldSampleCount = 100;
}

/// <summary>Collects the first <see cref="SampleCount.MaxProblems"/> problems and counts them all.</summary>
internal sealed class ProblemList
{
    private readonly List<LineProblem> _items = [];

    public long Count { get; private set; }

    public IReadOnlyList<LineProblem> Items => _items;

    public void Add(long line, string message)
    {
        Count++;
        if (_items.Count < SampleCount.MaxProblems)
        {
            _items.Add(new LineProblem(line, message));
        }
    }
}

/// <summary>Field names in first-seen order, without duplicates.</summary>
internal sealed class FieldUnion
{
    private readonly List<string> _names = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _names;

    public void Add(string name)
    {
        if (_seen.Add(name))
        {
            _names.Add(name);
        }
    }
}

/// <summary>Byte signatures (C# <c>"\x8B"u8</c> would be the UTF-8 of U+008B, so they are spelled as bytes).</summary>
internal static class Signatures
{
    public static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static ReadOnlySpan<byte> GzipMagic => [0x1F, 0x8B];
}
