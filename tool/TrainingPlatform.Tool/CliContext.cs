namespace TrainingPlatform.Tool;

/// <summary>What a command may touch: its output writers, the working directory, whether colour is wanted.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, string WorkingDirectory, bool Color, bool ErrorIsTerminal)
{
    /// <summary>The time recorded on jobs and metrics (tests pin it).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Where new job ids come from: null for cryptographic randomness (tests give a seeded one).</summary>
    public Random? IdRandom { get; init; }

    public static CliContext FromConsole()
    {
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) ||
                      Environment.GetEnvironmentVariable("TERM") == "dumb";
        var output = Output.Posix.IsWritable(1) ? Console.Out : new Output.ClosedOutput();
        return new CliContext(output, Console.Error, Environment.CurrentDirectory,
            Color: !noColor && !Console.IsOutputRedirected, ErrorIsTerminal: !Console.IsErrorRedirected);
    }
}

/// <summary>A user-facing failure: one clear line on stderr and exit code 2.</summary>
public sealed class CliException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}
