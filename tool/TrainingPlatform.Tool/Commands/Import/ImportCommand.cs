using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Import;

/// <summary><c>trainplat import verl|trl</c>: an existing launch of a trainer → a trainplat recipe.</summary>
internal static class ImportCommand
{
    public static Command Build(CliContext context)
    {
        var import = new Command("import", "Turn an existing verl launch script or TRL config into a trainplat recipe.");
        import.Subcommands.Add(ImportVerlCommand.Build(context));
        return import;
    }
}
