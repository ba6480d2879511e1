namespace TrainingPlatform.Tool;

/// <summary>Exit codes shared by every command (README: "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>Everything went well; a check found nothing.</summary>
    public const int Ok = 0;

    /// <summary>A check ran and found problems (validation errors, pre-flight errors, differences with --fail-on).</summary>
    public const int Findings = 1;

    /// <summary>The command could not run: bad usage, unknown names, unreadable input.</summary>
    public const int UsageError = 2;
}
