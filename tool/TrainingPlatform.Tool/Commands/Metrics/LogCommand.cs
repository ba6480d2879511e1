using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Metrics;

internal static class LogCommand
{
    public static Command Build(CliContext context)
    {
        var job = new Argument<string>("job") { Description = "A job id or a unique prefix." };
        var values = new Argument<string[]>("values") { Description = "name=value pairs, e.g. loss=0.42 reward=0.61.", Arity = ArgumentArity.OneOrMore };
        var step = new Option<long>("--step") { Description = "The training step the values belong to.", Required = true, HelpName = "N" };
        var store = StoreAccess.Option();
        var command = new Command("log", "Record metric values of a job at one step (safe from several processes at once).") { job, values, step, store };
        command.SetAction(parse =>
        {
            if (!MetricsFile.IsStep(parse.GetValue(step)))
            {
                throw new UserErrorException($"--step must be 0 or more, not {parse.GetValue(step)}");
            }

            var now = JobRules.Truncate(context.Clock.GetUtcNow());
            var points = (parse.GetValue(values) ?? []).Select(v => ParsePoint(v, parse.GetValue(step), now)).ToArray();
            if (points.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                throw new UserErrorException($"metric '{twice.Key}' is given twice for step {parse.GetValue(step)}", "give each name once per step");
            }

            var project = ProjectContext.Discover(context.WorkingDirectory);
            using var lineage = StoreAccess.Open(context, project, parse.GetValue(store));
            var record = JobRules.Resolve(lineage, parse.GetValue(job)!);
            lineage.AppendMetrics(record.Id, points, source: null, now);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static MetricPoint ParsePoint(string text, long step, DateTimeOffset now)
    {
        var eq = text.LastIndexOf('=');
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new UserErrorException($"'{text}' is not name=value", "e.g. trainplat metrics log JOB --step 100 loss=0.42 reward=0.61");
        }

        var name = text[..eq];
        var value = text[(eq + 1)..];
        if (MetricsFile.NameProblem(name) is { } problem)
        {
            throw new UserErrorException(problem, $"a name is 1-{MetricsFile.MaxNameLength} characters without control characters");
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            number = value.ToUpperInvariant() switch
            {
                "NAN" => double.NaN,
                "INF" or "+INF" or "INFINITY" => double.PositiveInfinity,
                "-INF" or "-INFINITY" => double.NegativeInfinity,
                _ => throw new UserErrorException($"{name}={value}: '{value}' is not a number", "use a plain number such as 0.42 or 1e-5 (NaN and inf are accepted)"),
            };
        }

        return new MetricPoint(step, name, number, now);
    }
}
