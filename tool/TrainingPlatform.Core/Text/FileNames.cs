namespace TrainingPlatform.Core.Text;

/// <summary>What to say about a path that cannot be found, when its name is the reason.</summary>
public static class FileNames
{
    /// <summary>
    /// Why <paramref name="path"/> was not found: .NET turns bytes of a file name that are not UTF-8 into U+FFFD,
    /// so such a name can be listed but never opened; say that instead of "does not exist".
    /// </summary>
    public static string? NotUtf8(string path) =>
        path.Contains('\uFFFD', StringComparison.Ordinal)
            ? "cannot be opened: its name is not valid UTF-8 (\uFFFD stands for the bytes that are not), and trainplat reads only UTF-8 file names"
            : null;

    public const string RenameHint = "rename it to a UTF-8 name (e.g. `convmv -f latin1 -t utf8 --notest FILE`)";
}
