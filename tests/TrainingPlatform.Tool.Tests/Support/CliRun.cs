using System.Diagnostics;

namespace TrainingPlatform.Tool.Tests.Support;

internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Error}";
}

/// <summary>
/// Runs the CLI in-process with captured writers, or as a real process (end-to-end). When <c>TRAINPLAT_BIN</c> is set
/// (see <see cref="ToolUnderTest"/>), every run but <see cref="Pinned"/> is a process of that binary.
/// </summary>
internal static class CliRun
{
    /// <summary>
    /// The CLI with arguments and a working directory, in-process (no colour, standard error not a terminal, as a
    /// redirected process has) — or, when <c>TRAINPLAT_BIN</c> is set, that binary as a process with the same inputs.
    /// </summary>
    public static CliResult InProcess(string workingDirectory, params string[] args)
    {
        if (ToolUnderTest.IsBinary)
        {
            return Process(workingDirectory, null, args);
        }

        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = Cli.Run(args, new CliContext(output, error, workingDirectory, Color: false, ErrorIsTerminal: false));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>In-process with a pinned clock and seeded job ids, for golden output of the lineage commands.</summary>
    public static CliResult Pinned(string workingDirectory, DateTimeOffset now, int seed, params string[] args)
    {
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var context = new CliContext(output, error, workingDirectory, Color: false, ErrorIsTerminal: false)
        {
            Clock = new FixedClock(now),
            IdRandom = new Random(seed),
        };
        var code = Cli.Run(args, context);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>The tool under test as a separate process: the binary in <c>TRAINPLAT_BIN</c>, else <c>dotnet trainplat.dll</c> (the JIT build next to the tests).</summary>
    public static CliResult Process(string workingDirectory, IDictionary<string, string>? environment, params string[] args)
    {
        var start = ToolUnderTest.StartInfo(workingDirectory);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        return Exec(start, TimeSpan.FromMinutes(2));
    }

    /// <summary>Any program (dotnet, an installed tool) in <paramref name="workingDirectory"/>, without .NET's telemetry and logo.</summary>
    public static CliResult Program(string file, string workingDirectory, params string[] args) =>
        Exec(StartInfo(file, workingDirectory, args), TimeSpan.FromMinutes(5));

    /// <summary>
    /// How to start <paramref name="file"/> with <paramref name="args"/> in <paramref name="workingDirectory"/>, its output
    /// captured and .NET's telemetry and logo off: for tests that add their own environment or time limit before
    /// <see cref="Exec"/>.
    /// </summary>
    public static ProcessStartInfo StartInfo(string file, string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return start;
    }

    public static CliResult Exec(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish in {timeout}");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>A clock that always says the same time.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
