namespace TrainingPlatform.Core.Diagnostics;

public enum Severity
{
    Error,
    Warning,
}

/// <summary>A finding about a user's file: stable code, where it is, what is wrong and what to do.</summary>
/// <param name="Pointer">JSON pointer of the offending node ("" for the whole document).</param>
public sealed record Diagnostic(
    string Code,
    Severity Severity,
    string File,
    int Line,
    int Column,
    string Pointer,
    string Message,
    string? Hint = null)
{
    public bool IsError => Severity == Severity.Error;

    /// <summary>Orders diagnostics by file, position, then code, so output is deterministic.</summary>
    public static IComparer<Diagnostic> Order { get; } = Comparer<Diagnostic>.Create(static (a, b) =>
    {
        var c = string.CompareOrdinal(a.File, b.File);
        if (c != 0)
        {
            return c;
        }

        c = a.Line.CompareTo(b.Line);
        if (c != 0)
        {
            return c;
        }

        c = a.Column.CompareTo(b.Column);
        return c != 0 ? c : string.CompareOrdinal(a.Code, b.Code);
    });
}
