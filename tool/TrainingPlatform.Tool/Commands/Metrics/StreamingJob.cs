using System.Runtime.InteropServices;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;

namespace TrainingPlatform.Tool.Commands.Metrics;

/// <summary>
/// What <c>metrics log --stdin</c> and <c>metrics import --follow</c> share: the job is resolved (a pending one refused,
/// or started with <c>--start</c>) before anything is read, so a wrong id fails before the trainer starts writing; and
/// SIGINT/SIGTERM cancel the run instead of ending the process, so what is complete is recorded first, then the command
/// exits 130/143.
/// </summary>
internal sealed class StreamingJob : IDisposable
{
    /// <summary>The exit code after SIGINT (Ctrl-C) and SIGTERM, by the shell's 128 + signal rule.</summary>
    public const int InterruptedExitCode = 130;

    public const int TerminatedExitCode = 143;

    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private int _signal;

    private StreamingJob(string id)
    {
        Id = id;
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public string Id { get; }

    public CancellationToken Cancellation => _cancel.Token;

    /// <summary>Resolves and admits the job (one short store transaction), then starts listening for the signals.</summary>
    public static StreamingJob Start(CliContext context, ProjectContext project, string job, string? storeOption, bool start, string command)
    {
        using var lineage = StoreAccess.Open(context, project, storeOption);
        var record = JobRules.Resolve(lineage, job);
        var admitted = JobRules.ForMetrics(record, start, command, JobRules.Truncate(context.Clock.GetUtcNow()));
        if (!ReferenceEquals(admitted, record))
        {
            lineage.UpdateJob(admitted);
        }

        return new StreamingJob(record.Id);
    }

    /// <summary>0 when the run ended by itself; else 143 for SIGTERM and 130 for SIGINT (or any other interruption).</summary>
    public int ExitCode(bool interrupted) => !interrupted ? ExitCodes.Ok : _signal == 0 ? InterruptedExitCode : _signal;

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _cancel.Dispose();
    }

    private void Stop(PosixSignalContext s)
    {
        s.Cancel = true; // not the default exit: what is complete is recorded first
        Interlocked.CompareExchange(ref _signal, s.Signal == PosixSignal.SIGTERM ? TerminatedExitCode : InterruptedExitCode, 0);
        _cancel.Cancel();
    }
}
