using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Tool.Output;

/// <summary>Writes a file whole or not at all (temp file, then rename).</summary>
internal static class OutputFile
{
    public static void Write(string path, string text)
    {
        if (Directory.Exists(path))
        {
            throw new UserErrorException($"{path} is a folder", "give a file name with -o");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            throw new UserErrorException($"folder {folder} does not exist", "create it first");
        }

        var temp = Path.Combine(folder, "." + Path.GetFileName(path) + ".tmp");
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
