using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Jobs;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class ImportCommand
{
    public static Command Build(CliContext context)
    {
        var file = new Argument<string>("file") { Description = "A file written by `trainplat job export`." };
        var allowUnbumped = new Option<bool>("--allow-unbumped")
        {
            Description = "Import a recipe version whose id@version this store has with another content anyway, as VERSION+sha.HASH.",
        };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("import", "Add the jobs, versions and metrics of an export, keeping ids; what is there already is left alone (a newer copy of a job wins). One transaction.")
        {
            file, allowUnbumped, store, format,
        };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, parse.GetValue(file)!));
            if (!File.Exists(path))
            {
                throw new UserErrorException($"{parse.GetValue(file)}: no such file");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            var shown = parse.GetValue(file)!;
            var result = JobImporter.Import(path, () => StoreAccess.Open(context, project, parse.GetValue(store)), parse.GetValue(allowUnbumped));
            JobFormatter.WriteImportProblems(context.Error, shown, result.Problems);
            if (result.VersionConflicts)
            {
                throw new UserErrorException(
                    string.Create(CultureInfo.InvariantCulture, $"{shown}: {result.Problems.Count:N0} recipe version{(result.Problems.Count == 1 ? " has" : "s have")} another content in this store under the same id@version; nothing was imported"),
                    "one id@version means one content: import it anyway with --allow-unbumped (recorded as VERSION+sha.HASH)")
                {
                    IsFinding = true,
                };
            }

            if (result.Counts is not { } counts)
            {
                throw new UserErrorException(
                    string.Create(CultureInfo.InvariantCulture, $"{shown}: {result.Problems.Count:N0} bad line{(result.Problems.Count == 1 ? "" : "s")}; nothing was imported"),
                    "the file must be an unchanged `trainplat job export`; fix or remove the lines above");
            }

            JobFormatter.WriteImport(context.Out, shown, counts, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
