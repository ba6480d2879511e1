using System.Reflection;

namespace TrainingPlatform.Core.Reporting;

/// <summary>
/// The report's whole script (Reporting/Script/report.js, embedded at build time): table sort and filters, chart
/// tooltip, legend toggles and the log-scale switch. Hand-written ES2017, no library, no network, no eval.
/// </summary>
public static class ReportScript
{
    private const string ResourceName = "reporting/report.js";

    public static string Text { get; } = Read();

    private static string Read()
    {
        using var stream = typeof(ReportScript).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource '{ResourceName}' is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }
}
