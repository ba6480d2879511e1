using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Metrics;

/// <summary>
/// <c>metrics import JOB PATH --follow</c>: the job is resolved (and a pending one refused, or started with --start) before
/// anything is read; then <see cref="MetricsFollow"/> records the complete records of the file (or folder) as a trainer
/// writes them, until Ctrl-C/SIGTERM (exit 130/143, as <c>metrics log --stdin</c>) or until the job is marked finished (exit 0).
/// </summary>
internal static class ImportFollow
{
    public static int Run(CliContext context, string job, string shown, string path, string? storeOption, bool skipBad, bool start, MetricsReadOptions naming, TextFormat format)
    {
        if (!Directory.Exists(path))
        {
            if (!File.Exists(path))
            {
                throw new UserErrorException($"{shown}: no such file or folder", "--follow reads a metrics file or a folder of them that exists; create the file (or folder) first");
            }

            if (MetricsFollowFormats.ForFile(path, naming) is null)
            {
                MetricsFile.FormatOf(path); // the format message for an unknown extension
                throw new UserErrorException($"{shown}: this format cannot be followed",
                    "--follow reads line-framed logs (JSON Lines and verl's file logger, verl's console output, CSV/TSV and W&B CSV); import a trainer_state.json or a TensorBoard folder without --follow");
            }
        }

        var project = ProjectContext.Discover(context.WorkingDirectory);
        using var streaming = StreamingJob.Start(context, project, job, storeOption, start, "metrics import");
        var id = streaming.Id;
        var options = new MetricsFollowOptions { SkipBad = skipBad, Naming = naming };
        var result = MetricsFollow.Run(path, shown, id,
            () => StoreAccess.Open(context, project, storeOption), () => StoreAccess.OpenForReading(context, project, storeOption),
            context.Clock, options, e => MetricsFormatter.WriteFollowEvent(context.Error, e), streaming.Cancellation);
        MetricsFormatter.WriteFollow(format == TextFormat.Json ? context.Out : context.Error, id, shown, result, format);
        return streaming.ExitCode(result.Interrupted);
    }
}
