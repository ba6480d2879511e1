namespace TrainingPlatform.Core.Remote;

/// <summary>POSIX <c>sh</c> quoting: the only way a remote path reaches a remote command (inside a script fed to <c>sh -s</c>).</summary>
public static class ShellQuote
{
    /// <summary>The text in single quotes, each <c>'</c> written as <c>'\''</c>: sh expands nothing inside. A NUL byte cannot be passed to sh at all.</summary>
    public static string Quote(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a path with a NUL byte cannot be passed to sh", nameof(s));
        }

        return "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
