using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class ListCommand
{
    /// <summary>The columns of <c>--format csv</c> without <c>--columns</c>: the table's, each value in its own field.</summary>
    private static readonly string[] DefaultColumns = ["id", "status", "recipe", "recipe_version", "size", "model", "gpus", "created", "name"];

    public static Command Build(CliContext context)
    {
        var status = new Option<string?>("--status") { Description = "Only jobs with this status: " + JobStatuses.Names + ".", HelpName = "status" };
        var recipe = new Option<string?>("--recipe", "-r") { Description = "Only jobs of this recipe: ID or ID@VERSION.", HelpName = "ID[@VERSION]" };
        var task = new Option<string?>("--task") { Description = "Only jobs of this task (sft, dpo, grpo, …)." };
        var algorithm = new Option<string?>("--algorithm") { Description = "Only jobs of this algorithm." };
        var modelSize = new RenderTargetOptions().ModelSize;
        var since = new Option<string?>("--since") { Description = "Only jobs created on or after DATE (2026-11-01, or an ISO 8601 time in UTC).", HelpName = "DATE" };
        var tag = new Option<string?>("--tag") { Description = "Only jobs with this tag." };
        var limit = new Option<int>("--limit") { Description = "Show at most N jobs, newest first (0: all).", DefaultValueFactory = _ => 100, HelpName = "N" };
        var columns = new Option<string[]>("--columns", "-c")
        {
            Description = "The run table's columns after the id, comma-separated: a config path (optimizer.learning_rate), a job field (" + string.Join(", ", RunTables.Fields) +
                ") or metric:NAME.last|first|min|max|best|count; * and ? match several. Repeatable.",
            HelpName = "KEY,…",
            Arity = ArgumentArity.OneOrMore,
        };
        var sort = new Option<string?>("--sort") { Description = "Order by KEY (a --columns key), ascending; -KEY descending. Jobs without a value come last.", HelpName = "[-]KEY" };
        var where = new Option<string[]>("--where") { Description = "Only jobs where KEY=VALUE (VALUE may have * and ?), KEY!=VALUE, or KEY>N, KEY<N, KEY>=N, KEY<=N on numbers. Repeatable: all must hold.", HelpName = "KEY=VALUE", Arity = ArgumentArity.OneOrMore };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TableCsvFormat>();
        var command = new Command("list", "List jobs, newest first, with filters (--model-size: only jobs at this model size); --columns, --sort and --where make a run table of config values and metrics.")
        {
            status, recipe, task, algorithm, modelSize, since, tag, limit, columns, sort, where, store, format,
        };
        command.SetAction(parse =>
        {
            var query = JobQueries.Parse(parse.GetValue(status), parse.GetValue(recipe), parse.GetValue(task), parse.GetValue(algorithm), parse.GetValue(modelSize), parse.GetValue(since), parse.GetValue(tag));
            if (parse.GetValue(limit) < 0)
            {
                throw new UserErrorException("--limit must be 0 (all) or a positive number");
            }

            var keys = (parse.GetValue(columns) ?? []).SelectMany(c => c.Split(',')).ToArray();
            var filters = parse.GetValue(where) ?? [];
            var order = parse.GetValue(sort);
            var chosen = format.Get(parse);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            var max = parse.GetValue(limit);
            if (keys.Length == 0 && filters.Length == 0 && order is null && chosen != TableCsvFormat.Csv)
            {
                JobRecord[] jobs;
                using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
                {
                    // One more than shown tells whether there are more.
                    jobs = max > 0 ? [.. lineage.ListJobs(query).Take(max + 1)] : [.. lineage.ListJobs(query)];
                }

                JobFormatter.WriteList(context.Out, max > 0 && jobs.Length > max ? jobs[..max] : jobs, more: max > 0 && jobs.Length > max, chosen == TableCsvFormat.Json ? TableFormat.Json : TableFormat.Text);
                return ExitCodes.Ok;
            }

            // The run table filters and sorts every job the query matches (summaries from the job index; configs once per hash), then limits.
            RunTable table;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                var request = new RunTableRequest(keys.Length == 0 && chosen == TableCsvFormat.Csv ? DefaultColumns : keys, order, filters);
                table = RunTables.Build([.. lineage.ListJobs(query)], lineage.GetConfig, request);
            }

            var more = max > 0 && table.Rows.Count > max;
            var rows = more ? table.Rows.Take(max).ToArray() : table.Rows;
            if (keys.Length == 0 && chosen != TableCsvFormat.Csv)
            {
                JobFormatter.WriteList(context.Out, [.. rows.Select(r => r.Job)], more, chosen == TableCsvFormat.Json ? TableFormat.Json : TableFormat.Text);
                return ExitCodes.Ok;
            }

            RunTableFormatter.Write(context.Out, table with { Rows = rows }, more, keys.Length == 0 ? null : order, chosen);
            return ExitCodes.Ok;
        });
        return command;
    }
}
