using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class ExportCommand
{
    public static Command Build(CliContext context)
    {
        var ids = new Argument<string[]>("id") { Description = "Jobs to export (ids or unique prefixes).", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Export every job, recipe version, config, dataset version and metric point." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output.", HelpName = "file" };
        var store = StoreAccess.Option();
        var command = new Command("export", "Write jobs with their lineage and metrics as JSON Lines, to move them to another machine (`job import` keeps the ids).") { ids, all, output, store };
        command.SetAction(parse =>
        {
            var given = parse.GetValue(ids) ?? [];
            if (given.Length == 0 == !parse.GetValue(all))
            {
                throw new UserErrorException(given.Length == 0 ? "give job ids or --all" : "give job ids or --all, not both");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            var location = StoreAccess.Location(context, project, parse.GetValue(store));
            var target = parse.GetValue(output) is { } file
                ? OutputFile.Target(context, file, "job export", StoreAccess.Inputs(location))
                : null;
            LineageBundle bundle;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                bundle = lineage.Export(given.Length == 0 ? null : [.. given.Select(g => JobRules.Resolve(lineage, g).Id).Distinct()]);
            }

            if (target is not null)
            {
                OutputFile.Write(target, stream => LineageExchange.Write(stream, bundle, ToolVersion.Current));
                context.Error.WriteLine(JobFormatter.Exported(bundle, parse.GetValue(output)!));
            }
            else
            {
                using var buffer = new MemoryStream();
                LineageExchange.Write(buffer, bundle, ToolVersion.Current);
                context.Out.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The files an export must not overwrite: the store file, its lock and its write-ahead log.</summary>
}
