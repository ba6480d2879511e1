using System.CommandLine;

namespace TrainingPlatform.Tool.Commands;

/// <summary>
/// <c>--format</c>, declared once: its values are the formatter's enum (lower-cased, the first one the default),
/// listed in the help, and an unknown value is a usage error that names them.
/// </summary>
internal static class FormatOption
{
    public static Option<TFormat> Create<TFormat>()
        where TFormat : struct, Enum
    {
        var values = Enum.GetValues<TFormat>();
        var names = values.Select(Name).ToArray();
        var option = new Option<TFormat>("--format", "-f")
        {
            // The enum's first value is also default(TFormat): no default factory, so help shows the lower-case name given here.
            Description = "Output format: " + string.Join(", ", names) + ". [default: " + names[0] + "]",
            HelpName = string.Join("|", names),
            CustomParser = result =>
            {
                var index = Array.IndexOf(names, result.Tokens.Count > 0 ? result.Tokens[^1].Value : names[0]);
                return index < 0 ? default : values[index];
            },
        };
        option.AcceptOnlyFromAmong(names);
        return option;
    }

    /// <summary>The value as typed on the command line: <c>json</c>, <c>markdown</c>.</summary>
    public static string Name<TFormat>(TFormat format)
        where TFormat : struct, Enum => format.ToString().ToLowerInvariant();
}
