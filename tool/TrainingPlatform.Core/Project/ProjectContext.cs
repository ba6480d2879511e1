using TrainingPlatform.Core.Diagnostics;
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

    /// <summary>
    /// Full paths of the project's recipe folders (they need not exist: <see cref="MissingRecipeFolders"/>). An
    /// entry of <c>recipes:</c> outside the project root is refused (<c>recipes: [/]</c> would walk /proc).
    /// </summary>
    public IReadOnlyList<string> RecipeFolders
    {
        get
        {
            var folders = Config.RecipeFolders.Select(f => (Entry: f, Full: Path.GetFullPath(Path.Combine(Root, f)))).ToArray();
            foreach (var (entry, full) in folders)
            {
                var relative = Path.GetRelativePath(Root, full);
                if (relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative))
                {
                    throw new UserErrorException(
                        $"{Display(ProjectFile ?? Path.Combine(Root, ProjectFileName))}: recipes entry '{entry}' is outside the project ({Root}); "
                        + "list recipe folders inside the project, relative to trainplat.yaml (such as 'recipes')");
                }
            }

            return [.. folders.Select(f => f.Full)];
        }
    }

    /// <summary>
    /// The <c>recipes:</c> entries whose folder does not exist (a warning: nothing is read from them). Only entries
    /// trainplat.yaml lists: the default <c>recipes</c> folder need not exist.
    /// </summary>
    public IReadOnlyList<string> MissingRecipeFolders =>
        ReferenceEquals(Config.RecipeFolders, ProjectConfig.Default.RecipeFolders)
            ? []
            : [.. Config.RecipeFolders.Where(f => !Directory.Exists(Path.GetFullPath(Path.Combine(Root, f))))];

    /// <summary>The stat cache of dataset snapshots: <c>.trainplat/stat-cache.json</c> under the root.</summary>
    public string StatCachePath => Path.Combine(Root, ".trainplat", "stat-cache.json");

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

    /// <summary>
    /// Every <c>*.yaml</c>/<c>*.yml</c> under a folder, sorted, skipping hidden entries. Links to folders are not
    /// followed (so <c>ln -s . loop</c> cannot make the walk loop or grow exponentially); any other entry with a
    /// recipe's name is returned, so that reading it reports a FIFO, a device or a link loop instead of opening it.
    /// </summary>
    public static IEnumerable<string> YamlFilesUnder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = false,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
            IgnoreInaccessible = true,
            MatchType = MatchType.Simple,
        };
        var found = new List<string>();
        var pending = new Stack<string>();
        pending.Push(folder);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            // A class, not a value tuple: the enumerator's code over a reference type ships precompiled, over a tuple it is JIT-compiled at every start.
            var entries = new System.IO.Enumeration.FileSystemEnumerable<FoundEntry>(dir,
                (ref System.IO.Enumeration.FileSystemEntry e) => new FoundEntry(e.ToFullPath(), (e.Attributes & FileAttributes.ReparsePoint) != 0, e.IsDirectory), options);
            foreach (var (path, isLink, isDirectory) in entries)
            {
                var name = Path.GetFileName(path);
                if (name.StartsWith('.'))
                {
                    continue;
                }

                if (isDirectory && !isLink)
                {
                    pending.Push(path);
                }
                else if ((name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    && !(isLink && Text.FileSystemEntry.TargetOf(path) == Text.EntryKind.Directory))
                {
                    found.Add(path);
                }
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    private sealed record FoundEntry(string Path, bool IsLink, bool IsDirectory);

    /// <summary>True when the tree came from a project file rather than a recipe.</summary>
    public static bool IsProjectFile(string path) =>
        string.Equals(Path.GetFileName(path), ProjectFileName, StringComparison.Ordinal);
}
