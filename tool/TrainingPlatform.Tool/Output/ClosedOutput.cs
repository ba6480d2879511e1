using TrainingPlatform.Core.Diagnostics;
namespace TrainingPlatform.Tool.Output;

/// <summary>
/// Standard output when its descriptor is closed (<c>trainplat … &gt;&amp;-</c>): a command that prints nothing still
/// runs; the first write is one clear error instead of .NET's "Access to the path is denied". Nothing is ever
/// written to descriptor 1, which the process may have reused for a file it opened.
/// </summary>
internal sealed class ClosedOutput : TextWriter
{
    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    public override void Write(char value) => throw Closed();

    public override void Write(string? value) => throw Closed();

    public override void Write(char[] buffer, int index, int count) => throw Closed();

    private static UserErrorException Closed() =>
        new("cannot write to standard output: it is closed (or open only for reading)", "run the command with standard output open, or redirect it (> FILE, or > /dev/null to discard it)");
}
