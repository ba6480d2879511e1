using System.Reflection;

namespace TrainingPlatform.Tool;

internal static class ToolVersion
{
    /// <summary>The package version (no source-revision suffix), as <c>--version</c> prints it.</summary>
    public static string Current { get; } =
        (typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}
