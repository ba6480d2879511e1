using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Tool;

/// <summary>What a command may touch: its output writers, the working directory, whether colour is wanted.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, string WorkingDirectory, bool Color, bool ErrorIsTerminal)
{
    /// <summary>The time recorded on jobs and metrics (tests pin it).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Standard input, opened by the one command that reads it (`metrics log --stdin`); tests give a stream.</summary>
    public Func<Stream> Input { get; init; } = Console.OpenStandardInput;

    /// <summary>Where new job ids come from: null for cryptographic randomness (tests give a seeded one).</summary>
    public Random? IdRandom { get; init; }

    /// <summary>Who and where, recorded on every job: TRAINPLAT_USER (else the login name), the host name, this tool's version.</summary>
    /// <remarks>Read on first use, so a command that records nothing (`--version`, validate) never loads the lineage types.</remarks>
    public JobOrigin Origin
    {
        get => _origin ??= new(
            Environment.GetEnvironmentVariable("TRAINPLAT_USER") is { Length: > 0 } u ? u : Environment.UserName,
            Environment.MachineName,
            ToolVersion.Current);
        init => _origin = value;
    }

    /// <summary>
    /// How the lineage store is opened: this tool's version, TRAINPLAT_STORE_TIMEOUT (seconds to wait for another
    /// process, default 60), and the system clock for the store's own bookkeeping (also in tests: metric batches keep
    /// their write order by it, so it must move even when <see cref="Clock"/> is pinned).
    /// </summary>
    public StoreOpenOptions StoreOptions
    {
        get => _storeOptions ??= new(TimeProvider.System)
        {
            ToolVersion = ToolVersion.Current,
            Timeout = StoreOpenOptions.TimeoutFrom(Environment.GetEnvironmentVariable("TRAINPLAT_STORE_TIMEOUT")),
        };
        init => _storeOptions = value;
    }

    /// <summary>TRAINPLAT_STORE: the lineage store when <c>--store</c> is not given (a path or a <c>postgresql://</c> URL).</summary>
    public string? StoreVariable { get; init; } = Environment.GetEnvironmentVariable("TRAINPLAT_STORE");

    private JobOrigin? _origin;
    private StoreOpenOptions? _storeOptions;

    public static CliContext FromConsole()
    {
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) ||
                      Environment.GetEnvironmentVariable("TERM") == "dumb";
        var output = Output.Posix.IsWritable(1) ? Console.Out : new Output.ClosedOutput();
        return new CliContext(output, Console.Error, Environment.CurrentDirectory,
            Color: !noColor && !Console.IsOutputRedirected, ErrorIsTerminal: !Console.IsErrorRedirected);
    }
}

