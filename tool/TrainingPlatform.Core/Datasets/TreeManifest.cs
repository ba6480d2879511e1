using System.Globalization;
using System.Text;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// The canonical manifest of a folder, whose hash is the folder's tree hash (compare DVC's <c>.dir</c> hash).
/// UTF-8 text, LF line ends: a first line <c>trainplat-tree-v1 ALGORITHM</c>, then one line per file,
/// <c>HASH SIZE PATH</c> (lower-case hex, decimal bytes, the path relative to the folder with <c>/</c>, a
/// backslash written <c>\\</c> and a newline <c>\n</c>), sorted by the UTF-8 bytes of the path. Samples and
/// formats are not part of it: the tree hash depends on the paths and the bytes only. A link to a folder
/// (recorded, never followed) is a line <c>link TARGET PATH</c>, its target text escaped like a path and a space
/// written <c>\s</c>; a folder without such links has exactly the manifest it had before links were recorded.
/// </summary>
public static class TreeManifest
{
    public const string Header = "trainplat-tree-v1";

    public static string Text(string algorithm, IEnumerable<FileEntry> files)
    {
        var text = new StringBuilder().Append(Header).Append(' ').Append(algorithm).Append('\n');
        foreach (var f in Sort(files))
        {
            AppendLine(text, f);
        }

        return text.ToString();
    }

    public static string Hash(string algorithm, IEnumerable<FileEntry> files) => HashSorted(algorithm, Sort(files));

    /// <summary>Sorted by the UTF-8 bytes of the path (what <c>LC_ALL=C sort</c> gives).</summary>
    public static IReadOnlyList<FileEntry> Sort(IEnumerable<FileEntry> files)
    {
        var array = files.ToArray();
        Array.Sort(array, (a, b) => Compare(a.Path, b.Path));
        return array;
    }

    /// <summary>UTF-8 byte order of two strings (ordinal UTF-16 order differs only where surrogates meet U+E000–U+FFFF).</summary>
    internal static int Compare(string x, string y)
    {
        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var (a, b) = (x[i], y[i]);
            if (a != b)
            {
                // A surrogate is part of a code point above U+FFFF, so it follows every other UTF-16 unit.
                return char.IsSurrogate(a) == char.IsSurrogate(b) ? a.CompareTo(b) : char.IsSurrogate(a) ? 1 : -1;
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    /// <summary>The tree hash of entries already in manifest order, hashed in pieces (no manifest-sized string).</summary>
    internal static string HashSorted(string algorithm, IReadOnlyList<FileEntry> sorted)
    {
        using var hash = SnapshotAlgorithms.Create(algorithm);
        var text = new StringBuilder().Append(Header).Append(' ').Append(algorithm).Append('\n');
        var bytes = Array.Empty<byte>();
        for (var i = 0; i <= sorted.Count; i++)
        {
            if (i < sorted.Count)
            {
                AppendLine(text, sorted[i]);
            }

            if (text.Length >= 1 << 16 || (i == sorted.Count && text.Length > 0))
            {
                var count = Encoding.UTF8.GetMaxByteCount(text.Length);
                if (bytes.Length < count)
                {
                    bytes = new byte[count];
                }

                var n = Encoding.UTF8.GetBytes(text.ToString(), bytes);
                hash.AppendData(bytes, 0, n);
                text.Clear();
            }
        }

        return SnapshotAlgorithms.Hex(hash);
    }

    private static void AppendLine(StringBuilder text, FileEntry f)
    {
        if (f.LinkTarget is { } target)
        {
            text.Append("link ").Append(Escape(target).Replace(" ", "\\s", StringComparison.Ordinal)).Append(' ');
        }
        else
        {
            text.Append(f.Hash).Append(' ').Append(f.Size.ToString(CultureInfo.InvariantCulture)).Append(' ');
        }

        text.Append(Escape(f.Path)).Append('\n');
    }

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
