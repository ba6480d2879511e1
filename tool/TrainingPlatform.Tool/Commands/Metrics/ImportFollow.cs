using System.Runtime.InteropServices;
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
    public static int Run(CliContext context, string job, string shown, string path, string? storeOption, bool skipBad, bool start, TextFormat format)
    {
        if (!Directory.Exists(path))
        {
            if (!File.Exists(path))
            {
                throw new UserErrorException($"{shown}: no such file or folder", "--follow reads a metrics file or a folder of them that exists; create the file (or folder) first");
            }

            if (MetricsFollowFormats.ForFile(path) is null)
            {
                MetricsFile.FormatOf(path); // the format message for an unknown extension
                throw new UserErrorException($"{shown}: this format cannot be followed", "--follow reads JSON Lines, CSV and TSV files");
            }
        }

        var project = ProjectContext.Discover(context.WorkingDirectory);
        string id;
        using (var lineage = StoreAccess.Open(context, project, storeOption))
        {
            var record = JobRules.Resolve(lineage, job);
            id = record.Id;
            var admitted = JobRules.ForMetrics(record, start, "metrics import", JobRules.Truncate(context.Clock.GetUtcNow()));
            if (!ReferenceEquals(admitted, record))
            {
                lineage.UpdateJob(admitted);
            }
        }

        using var cancel = new CancellationTokenSource();
        var signal = 0;
        void Stop(PosixSignalContext s)
        {
            s.Cancel = true; // not the default exit: what is complete is recorded first
            Interlocked.CompareExchange(ref signal, s.Signal == PosixSignal.SIGTERM ? LogCommand.TerminatedExitCode : LogCommand.InterruptedExitCode, 0);
            cancel.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        var options = new MetricsFollowOptions { SkipBad = skipBad };
        var result = MetricsFollow.Run(path, shown, id,
            () => StoreAccess.Open(context, project, storeOption), () => StoreAccess.OpenForReading(context, project, storeOption),
            context.Clock, options, e => MetricsFormatter.WriteFollowEvent(context.Error, e), cancel.Token);
        MetricsFormatter.WriteFollow(format == TextFormat.Json ? context.Out : context.Error, id, shown, result, format);
        return !result.Interrupted ? ExitCodes.Ok : signal == 0 ? LogCommand.InterruptedExitCode : signal;
    }
}
