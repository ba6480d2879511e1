using System.Reflection;

namespace TrainingPlatform.Core.Schema;

/// <summary>Reads the files embedded into Core at build time (recipes/*.yaml, schemas/*.json).</summary>
internal static class EmbeddedResources
{
    private static readonly Assembly CoreAssembly = typeof(EmbeddedResources).Assembly;

    public static IEnumerable<string> Names(string folder) =>
        CoreAssembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(folder + "/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    public static string ReadText(string name)
    {
        using var stream = CoreAssembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource '{name}' is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
