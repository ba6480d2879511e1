namespace TrainingPlatform.Core.Tests.Support;

internal static class TestPaths
{
    public static string RepoRoot { get; } = Find();

    public static string Recipes => Path.Combine(RepoRoot, "recipes");

    public static string Corpus => Path.Combine(RepoRoot, "tests", "TrainingPlatform.Core.Tests", "Corpus");

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "TrainingPlatform.Core.Tests", "Fixtures");

    private static string Find()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "TrainingPlatform.Tool.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("repository root not found");
        }

        return dir;
    }
}
