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

internal static class ShowCommand
{
    public static Command Build(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "A job id or a unique prefix (4+ characters)." };
        var config = new Option<bool>("--config") { Description = "Print the job's rendered config instead, with its header, as `render` does (text: YAML; json: render's JSON)." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("show", "Everything recorded about a job: recipe version, config, datasets, git, parent and children, history, metrics.") { id, config, store, format };
        command.SetAction(parse =>
        {
            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store));
            var job = JobRules.Resolve(lineage, parse.GetValue(id)!);
            if (parse.GetValue(config))
            {
                var text = lineage.GetConfig(job.ConfigHash) ?? throw new UserErrorException($"the store lacks config {job.ConfigHash[..12]} of job {job.Id}");
                context.Out.Write(format.Get(parse) == TextFormat.Json ? RecordedConfigWriter.Json(job, text) : RecordedConfigWriter.Yaml(job, text));
                return ExitCodes.Ok;
            }

            var children = lineage.FindJobs(new JobQuery(ParentId: job.Id));
            var recipes = job.Chain.Select(lineage.GetRecipeVersion).OfType<RecipeVersionRecord>().ToArray();
            JobFormatter.WriteShow(context.Out, job, recipes, children, format.Get(parse));

            return ExitCodes.Ok;
        });
        return command;
    }
}
