using System.Runtime.CompilerServices;

namespace TrainingPlatform.Tool.Tests.Support;

/// <summary>
/// Golden files: compares output with the committed <c>Approved/NAME.approved.txt</c>. On a difference
/// (or when none is committed) it writes <c>NAME.received.txt</c> beside it and fails; accept a change
/// by renaming received to approved (or run the tests once with TRAINPLAT_APPROVE=1 and review the diff).
/// </summary>
internal static class Approvals
{
    public static void Verify(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        var folder = Path.Combine(FindTestsProjectFolder(callerFile), "Approved");
        Directory.CreateDirectory(folder);
        var approvedPath = Path.Combine(folder, name + ".approved.txt");
        var receivedPath = Path.Combine(folder, name + ".received.txt");
        var normalized = actual.Replace("\r\n", "\n", StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("TRAINPLAT_APPROVE") == "1" && Environment.GetEnvironmentVariable("CI") is null)
        {
            File.WriteAllText(approvedPath, normalized);
        }

        if (File.Exists(approvedPath) && File.ReadAllText(approvedPath).Replace("\r\n", "\n", StringComparison.Ordinal) == normalized)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, normalized);
        Assert.Fail(File.Exists(approvedPath)
            ? $"Output differs from {approvedPath}; see {receivedPath} (rename it to accept the change)."
            : $"No approved file {approvedPath}; review {receivedPath} and rename it to accept.");
    }

    private static string FindTestsProjectFolder(string callerFile)
    {
        var dir = Path.GetDirectoryName(callerFile)!;
        while (!Directory.EnumerateFiles(dir, "*.csproj").Any())
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("test project folder not found");
        }

        return dir;
    }
}
