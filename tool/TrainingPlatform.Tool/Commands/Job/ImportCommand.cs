using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
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
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("import", "Add the jobs, versions and metrics of an export, keeping ids; what is there already is left alone (a newer copy of a job wins). One transaction.")
        {
            file, store, format,
        };
        command.SetAction(parse =>
        {
            var path = Path.GetFullPath(Path.Combine(context.WorkingDirectory, parse.GetValue(file)!));
            if (!File.Exists(path))
            {
                throw new UserErrorException($"{parse.GetValue(file)}: no such file");
            }

            var bundle = LineageExchange.Read(path);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            ImportCounts counts;
            using (var lineage = StoreAccess.Open(context, project, parse.GetValue(store)))
            {
                counts = lineage.Import(bundle);
            }

            JobFormatter.WriteImport(context.Out, parse.GetValue(file)!, counts, parse.GetValue(format));
            return ExitCodes.Ok;
        });
        return command;
    }
}
