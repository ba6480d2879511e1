using System.CommandLine;

namespace TrainingPlatform.Tool.Commands;

/// <summary>
/// <c>--format</c>, declared once: its values are the formatter's enum (lower-cased, the first one the default),
/// listed in the help, and an unknown value is a usage error that names them.
/// </summary>
internal static class FormatOption
{
    public static FormatOption<TFormat> Create<TFormat>()
        where TFormat : struct, Enum => new();
}

/// <summary>
/// The option itself is an <c>Option&lt;string&gt;</c>: System.CommandLine's generic code for a value type is compiled
/// at start-up for every enum it is used with (about 15 ms before any command runs), while its string form is
/// precompiled; <see cref="Get"/> turns the checked name into the enum.
/// </summary>
internal sealed class FormatOption<TFormat> : Option<string>
    where TFormat : struct, Enum
{
    private readonly string[] _names;

    public FormatOption()
        : base("--format", "-f")
    {
        _names = Enum.GetNames<TFormat>();
        for (var i = 0; i < _names.Length; i++)
        {
            _names[i] = _names[i].ToLowerInvariant();
        }

        Description = "Output format: " + string.Join(", ", _names) + ". [default: " + _names[0] + "]";
        HelpName = string.Join("|", _names);
        this.AcceptOnlyFromAmong([.. _names, .. _names[0] == "text" ? [TableSynonym] : Array.Empty<string>()]);
    }

    /// <summary>The name human output had in some commands before it was <c>text</c> everywhere; still read as <c>text</c>.</summary>
    public const string TableSynonym = "table";

    /// <summary>The format given (the enum's first value when none was, or when the synonym <c>table</c> was).</summary>
    public TFormat Get(ParseResult parse) =>
        parse.GetValue(this) is { } name && Array.IndexOf(_names, name) is var index and >= 0 ? Enum.GetValues<TFormat>()[index] : default;
}
