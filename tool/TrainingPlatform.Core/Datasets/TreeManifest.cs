using System.Text;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// The canonical manifest of a folder, whose hash is the folder's tree hash (compare DVC's <c>.dir</c> hash).
/// UTF-8 text, LF line ends: a first line <c>trainplat-tree-v1 ALGORITHM</c>, then one line per file,
/// <c>HASH SIZE PATH</c> (lower-case hex, decimal bytes, the path relative to the folder with <c>/</c>, a
/// backslash written <c>\\</c> and a newline <c>\n</c>), sorted by the UTF-8 bytes of the path. Samples and
/// formats are not part of it: the tree hash depends on the paths and the bytes only.
/// </summary>
public static class TreeManifest
{
    public const string Header = "trainplat-tree-v1";

    public static string Text(string algorithm, IEnumerable<FileEntry> files)
    {
        var text = new StringBuilder().Append(Header).Append(' ').Append(algorithm).Append('\n');
        foreach (var f in Sort(files))
        {
            text.Append(f.Hash).Append(' ')
                .Append(f.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(' ')
                .Append(f.Path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('\n');
        }

        return text.ToString();
    }

    public static string Hash(string algorithm, IEnumerable<FileEntry> files) =>
        SnapshotAlgorithms.HashOf(algorithm, Encoding.UTF8.GetBytes(Text(algorithm, files)));

    /// <summary>Sorted by the UTF-8 bytes of the path (what <c>LC_ALL=C sort</c> gives).</summary>
    public static IReadOnlyList<FileEntry> Sort(IEnumerable<FileEntry> files) =>
        [.. files.Select(f => (Key: Encoding.UTF8.GetBytes(f.Path), File: f))
            .OrderBy(p => p.Key, Utf8Order.Instance)
            .Select(p => p.File)];

    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
