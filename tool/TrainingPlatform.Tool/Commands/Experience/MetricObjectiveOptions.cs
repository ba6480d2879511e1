using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Experience;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Tool.Commands.Experience;

/// <summary><c>--metric</c>, <c>--maximize</c> and <c>--minimize</c>, shared by suggest and recommend.</summary>
internal static class MetricObjectiveOptions
{
    public static Option<string?> Metric() => new("--metric") { Description = "Judge past jobs by this metric's final value (only the best quarter counts for suggest).", HelpName = "NAME" };

    public static Option<bool> Maximize() => new("--maximize") { Description = "Higher is better for --metric (default: guessed from the name; loss-like names are minimized)." };

    public static Option<bool> Minimize() => new("--minimize") { Description = "Lower is better for --metric." };

    public static MetricObjective? Objective(string? metric, bool maximize, bool minimize)
    {
        if (maximize && minimize)
        {
            throw new UserErrorException("give --maximize or --minimize, not both");
        }

        if (metric is null)
        {
            return maximize || minimize ? throw new UserErrorException($"{(maximize ? "--maximize" : "--minimize")} needs --metric NAME") : null;
        }

        return new MetricObjective(metric, maximize ? MetricGoal.Maximize : minimize ? MetricGoal.Minimize : MetricGoals.Guess(metric));
    }
}
