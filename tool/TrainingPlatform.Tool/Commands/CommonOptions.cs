using System.CommandLine;

namespace TrainingPlatform.Tool.Commands;

/// <summary>Options shared by several commands, declared once.</summary>
internal static class CommonOptions
{
    public static Option<string> Format(string defaultValue, params string[] allowed)
    {
        var option = new Option<string>("--format", "-f")
        {
            Description = "Output format: " + string.Join(", ", allowed) + ".",
            DefaultValueFactory = _ => defaultValue,
            HelpName = string.Join("|", allowed),
        };
        option.AcceptOnlyFromAmong(allowed);
        return option;
    }
}
