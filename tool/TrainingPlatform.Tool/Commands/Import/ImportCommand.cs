using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Import;

/// <summary><c>trainplat import trl|...</c>: an existing launch config of another trainer as a trainplat recipe.</summary>
internal static class ImportCommand
{
    public static Command Build(CliContext context)
    {
        var import = new Command("import", "Turn an existing trainer config (TRL, verl) into a trainplat recipe that renders back to the same values.");
        import.Subcommands.Add(ImportTrlCommand.Build(context));
        import.Subcommands.Add(ImportVerlCommand.Build(context));
        return import;
    }
}
