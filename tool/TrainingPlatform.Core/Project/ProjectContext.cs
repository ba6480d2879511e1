using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Project;

/// <summary>
/// Where the project is: the nearest ancestor holding <c>trainplat.yaml</c>, else the git root,
/// else the working directory. Paths shown to the user are relative to the working directory.
/// </summary>
public sealed class ProjectContext
{
    public const string ProjectFileName = "trainplat.yaml";

    private ProjectContext(string workingDirectory, string root, string? projectFile, YamlTree? projectTree, string? projectText)
    {
        WorkingDirectory = workingDirectory;
        Root = root;
        ProjectFile = projectFile;
        ProjectTree = projectTree;
        ProjectText = projectText;
        Config = ProjectConfig.FromTree(projectTree?.Root);
    }

    public string WorkingDirectory { get; }

    public string Root { get; }

    /// <summary>Full path of <c>trainplat.yaml</c>, or null when the project has none.</summary>
    public string? ProjectFile { get; }

    /// <summary>The parsed project file (with its diagnostics), or null when there is none.</summary>
    public YamlTree? ProjectTree { get; }

    /// <summary>The project file's text, or null when there is none or it could not be read.</summary>
    public string? ProjectText { get; }

    public ProjectConfig Config { get; }

    /// <summary>Full paths of the project's recipe folders (they need not exist).</summary>
    public IReadOnlyList<string> RecipeFolders =>
        Config.RecipeFolders.Select(f => Path.GetFullPath(Path.Combine(Root, f))).ToArray();

    /// <summary>The stat cache of dataset snapshots: <c>.trainplat/stat-cache.json</c> under the root.</summary>
    public string StatCachePath => Path.Combine(Root, ".trainplat", "stat-cache.json");

    /// <summary><c>--store</c> (relative to the working directory), else <c>store:</c> (relative to trainplat.yaml), else <c>.trainplat/lineage.db</c>.</summary>
    public string StorePath(string? option) =>
        option is not null ? Path.GetFullPath(Path.Combine(WorkingDirectory, option))
        : Config.Store is { } configured ? Path.GetFullPath(Path.Combine(Root, configured))
        : Path.Combine(Root, ".trainplat", "lineage.db");

    public static ProjectContext Discover(string workingDirectory)
    {
        var cwd = Path.GetFullPath(workingDirectory);
        string? gitRoot = null;
        for (var dir = new DirectoryInfo(cwd); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ProjectFileName);
            if (File.Exists(candidate))
            {
                var display = DisplayPath(cwd, candidate);
                var tree = YamlTreeReader.Load(candidate, display, out var text);
                return new ProjectContext(cwd, dir.FullName, candidate, tree, text);
            }

            if (gitRoot is null && Path.Exists(Path.Combine(dir.FullName, ".git")))
            {
                gitRoot = dir.FullName;
            }
        }

        return new ProjectContext(cwd, gitRoot ?? cwd, null, null, null);
    }

    /// <summary>A path as the user should see it: relative to the working directory when inside it.</summary>
    public string Display(string fullPath) => DisplayPath(WorkingDirectory, fullPath);

    internal static string DisplayPath(string workingDirectory, string fullPath)
    {
        var relative = Path.GetRelativePath(workingDirectory, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? fullPath.Replace('\\', '/')
            : relative.Replace('\\', '/');
    }

    /// <summary>Every <c>*.yaml</c>/<c>*.yml</c> under a folder, sorted, skipping hidden entries.</summary>
    public static IEnumerable<string> YamlFilesUnder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
            IgnoreInaccessible = true,
            MatchType = MatchType.Simple,
        };
        return Directory.EnumerateFiles(folder, "*", options)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(p => p.StartsWith('.')))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>True when the tree came from a project file rather than a recipe.</summary>
    public static bool IsProjectFile(string path) =>
        string.Equals(Path.GetFileName(path), ProjectFileName, StringComparison.Ordinal);
}
