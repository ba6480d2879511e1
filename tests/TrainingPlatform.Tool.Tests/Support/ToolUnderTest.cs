using System.Diagnostics;

namespace TrainingPlatform.Tool.Tests.Support;

/// <summary>
/// The build the end-to-end tests run: the native executable named by <c>TRAINPLAT_BIN</c> when it is set (test.sh's
/// second pass, against the Native AOT build), else the trainplat.dll built next to the tests, under <c>dotnet</c>.
/// When <c>TRAINPLAT_BIN</c> is set, <see cref="CliRun.InProcess"/> runs it as a process too, so every CLI test that
/// needs only arguments, a working directory and the environment tests that binary; the tests that need in-process
/// state carry <c>[Trait(ToolBuild.Trait, ToolBuild.InProcessOnly)]</c> and the second pass leaves them out.
/// </summary>
internal static class ToolUnderTest
{
    public const string Variable = "TRAINPLAT_BIN";

    private static readonly Lazy<string?> NativeBinary = new(() => Resolve(Environment.GetEnvironmentVariable(Variable)));

    /// <summary>The trainplat.dll of the JIT build beside the tests.</summary>
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "trainplat.dll");

    /// <summary>The executable in <c>TRAINPLAT_BIN</c>, or null when it is not set (the JIT build).</summary>
    /// <exception cref="InvalidOperationException">TRAINPLAT_BIN is set but names no executable file: a run must never test another tool.</exception>
    public static string? Binary => NativeBinary.Value;

    /// <summary>True when the tests run the binary in <c>TRAINPLAT_BIN</c>.</summary>
    public static bool IsBinary => Binary is not null;

    /// <summary>How to start the tool under test, ready for arguments: the binary, or <c>dotnet trainplat.dll</c>.</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory)
    {
        ProcessStartInfo start;
        if (Binary is { } binary)
        {
            start = new ProcessStartInfo(binary);
        }
        else
        {
            start = new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(Dll);
        }

        start.WorkingDirectory = workingDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return start;
    }

    /// <summary>The tool under test as a shell command word (quoted), for tests that run it under sh or bash.</summary>
    public static string ShellCommand => Binary is { } binary ? Quote(binary) : "dotnet " + Quote(Dll);

    public static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// The executable <paramref name="value"/> names (null when it is empty), or an exception saying why it cannot be the
    /// tool under test: a relative path, a missing file, a folder, a file without execute permission.
    /// </summary>
    public static string? Resolve(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        static InvalidOperationException Refuse(string what, string hint) =>
            new($"{Variable} {what}, so the end-to-end tests have no tool to run\n  hint: {hint}");

        if (!Path.IsPathFullyQualified(value))
        {
            throw Refuse($"is '{value}', a relative path", "give the absolute path of the native trainplat executable, e.g. the one `dotnet publish -p:PublishAot=true -o DIR` writes to DIR/trainplat");
        }

        if (Directory.Exists(value))
        {
            throw Refuse($"is {value}, a folder", $"name the executable itself, e.g. {Path.Combine(value, "trainplat")}");
        }

        if (!File.Exists(value))
        {
            throw Refuse($"is {value}, which does not exist", "publish the native build there (`dotnet publish tool/TrainingPlatform.Tool -c Release -r linux-x64 -p:PublishAot=true -o DIR`), or unset the variable to test the JIT build");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(value) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            throw Refuse($"is {value}, which is not executable", $"chmod +x {value}, or name the executable the publish wrote");
        }

        return value;
    }
}

/// <summary>The trait that keeps a test out of the pass against the native binary (test.sh filters on it).</summary>
internal static class ToolBuild
{
    public const string Trait = "Build";

    /// <summary>Needs in-process state: a pinned clock or seeded ids, colour or terminal flags a redirected process cannot have, or the tool's internals.</summary>
    public const string InProcessOnly = "InProcessOnly";

    /// <summary>Does not run the tool under test at all (unit tests of the tool's classes, builds and packages of their own): the JIT pass covers it.</summary>
    public const string JitOnly = "JitOnly";
}
