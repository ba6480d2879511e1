namespace TrainingPlatform.Core.Diagnostics;

/// <summary>
/// A user mistake Core cannot go on with: what is wrong, what to do, and the findings behind it. The CLI catches
/// it in one place and prints <c>trainplat: error: …</c> and <c>  hint: …</c> with exit code 2.
/// </summary>
public sealed class UserErrorException : Exception
{
    public UserErrorException()
        : this("a user error")
    {
    }

    public UserErrorException(string message)
        : this(message, hint: null)
    {
    }

    public UserErrorException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public UserErrorException(string message, string? hint, Exception inner)
        : base(message, inner)
    {
        Hint = hint;
    }

    public UserErrorException(string message, string? hint, IReadOnlyList<Diagnostic>? diagnostics = null)
        : base(message)
    {
        Hint = hint;
        Diagnostics = diagnostics ?? [];
    }

    /// <summary>What to do about it, or null.</summary>
    public string? Hint { get; }

    /// <summary>The findings that led to the error (printed before it), often none.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>The file the message is about, shown before it relative to the working directory (a dataset file).</summary>
    public string? FilePath { get; init; }

    /// <summary>Further files with a problem each (every bad entry of a dataset folder), printed one line each before the message.</summary>
    public IReadOnlyList<(string Path, string Message)> PathErrors { get; init; } = [];

    /// <summary>
    /// True when the input was read and found wanting (a check's finding: exit 1), false for a usage or input
    /// error (exit 2).
    /// </summary>
    public bool IsFinding { get; init; }
}
