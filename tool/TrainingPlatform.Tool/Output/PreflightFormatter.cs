using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Text;

namespace TrainingPlatform.Tool.Output;

/// <summary>Pre-flight findings on stderr: <c>render: error TP0301 [parallelism.tensor_parallel_size]: …</c>.</summary>
internal static class PreflightFormatter
{
    /// <param name="command">The line's prefix: <c>render</c>, <c>job create</c>.</param>
    /// <param name="forced">The job was recorded anyway (<c>--force</c>): errors read "error (forced)" and hints are left out.</param>
    public static void WriteLines(TextWriter error, string command, IEnumerable<Diagnostic> findings, Style style, bool forced)
    {
        foreach (var f in findings)
        {
            var level = f.IsError ? style.Red(forced ? "error (forced)" : "error") : style.Yellow("warning");
            error.WriteLine($"{command}: {level} {f.Code} [{PointerText.Dotted(f.Pointer)}]: {f.Message}");
            if (!forced && f.Hint is not null)
            {
                error.WriteLine($"  hint: {f.Hint}");
            }
        }
    }
}
