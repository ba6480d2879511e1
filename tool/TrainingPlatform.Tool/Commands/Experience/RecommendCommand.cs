using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Experience;

/// <summary><c>trainplat recommend</c>: recipe versions ranked by how the team's similar past jobs went.</summary>
internal static class RecommendCommand
{
    public static Command Build(CliContext context)
    {
        var task = new Option<string>("--task") { Description = "The task: sft, preference, reward, rlhf, …", Required = true };
        var algorithm = new Option<string?>("--algorithm") { Description = "Only recipes of this algorithm (grpo, dpo, …)." };
        var target = new RenderTargetOptions();
        var metric = MetricObjectiveOptions.Metric();
        var maximize = MetricObjectiveOptions.Maximize();
        var minimize = MetricObjectiveOptions.Minimize();
        var limit = new Option<int>("--limit") { Description = "Show at most N recipes (0: all).", DefaultValueFactory = _ => 10, HelpName = "N" };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("recommend", "Rank recipe versions by how similar past jobs went: success rate (Wilson lower bound), jobs, median and best final metric. " +
            "Plans for the model size given by --model-size or --model.")
        {
            task, algorithm, target.ModelSize, target.Model, metric, maximize, minimize, limit, store, format,
        };
        command.SetAction(parse =>
        {
            var objective = MetricObjectiveOptions.Objective(parse.GetValue(metric), parse.GetValue(maximize), parse.GetValue(minimize));
            var given = target.Bind(parse);
            var parameters = ModelCatalog.Parameters(given.ModelSize, given.Model, () => ProjectContext.Discover(context.WorkingDirectory).Config);
            if (parse.GetValue(limit) < 0)
            {
                throw new UserErrorException("--limit must be 0 (all) or a positive number");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            IReadOnlyList<JobRecord> jobs;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                jobs = EvidenceQueries.ForRecommend(lineage, parse.GetValue(task)!, parse.GetValue(algorithm), parameters);
            }

            var result = Recommender.Rank(new RecommendRequest(parse.GetValue(task)!, parse.GetValue(algorithm), parameters, jobs) { Metric = objective });
            ExperienceFormatter.WriteRecommend(context.Out, parse.GetValue(task)!, parse.GetValue(algorithm), result, parse.GetValue(limit), format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
