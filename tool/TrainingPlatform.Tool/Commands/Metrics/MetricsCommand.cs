using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Metrics;

/// <summary><c>trainplat metrics log|import|show|compare</c>: a job's metric points.</summary>
internal static class MetricsCommand
{
    public static Command Build(CliContext context)
    {
        var metrics = new Command("metrics", "A job's metrics: log points as training runs, import what a trainer wrote, show summaries, trends and series, compare jobs.");
        metrics.Subcommands.Add(LogCommand.Build(context));
        metrics.Subcommands.Add(ImportCommand.Build(context));
        metrics.Subcommands.Add(ShowCommand.Build(context));
        metrics.Subcommands.Add(CompareCommand.Build(context));
        return metrics;
    }
}
