using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Diffing;

/// <summary>
/// Reads a file as it was at a git revision (<c>REV:PATH</c>) with <c>git show</c>, run in the
/// repository holding the working directory. PATH is read as git reads it: from the repository root
/// (<c>HEAD:recipes/x.yaml</c>), or from the current folder when it starts with <c>./</c> or <c>../</c>
/// (<c>HEAD:./x.yaml</c>); an absolute path is that file.
/// </summary>
public static class GitRevisionFile
{
    /// <summary>The file's text, or null and a failure that gives git's reason in one line.</summary>
    public static string? Read(string operand, string workingDirectory, out DiffFailure? failure)
    {
        failure = null;
        var colon = operand.IndexOf(':', StringComparison.Ordinal);
        var revision = operand[..colon];
        var path = operand[(colon + 1)..];
        if (revision.StartsWith('-'))
        {
            failure = new DiffFailure($"'{revision}' in {operand} is not a git revision", "write REV:PATH, e.g. HEAD~1:recipes/x.yaml");
            return null;
        }

        if (path.Length == 0)
        {
            failure = new DiffFailure($"{operand} names no file after the colon", "write REV:PATH, e.g. HEAD~1:recipes/x.yaml");
            return null;
        }

        // Where the working directory is inside the repository: "" at the root, "sub/dir/" below it.
        var where = Git(workingDirectory, out var whereError, "rev-parse", "--show-toplevel", "--show-prefix");
        if (where is null)
        {
            failure = new DiffFailure($"cannot read {operand}: {whereError}",
                whereError!.Contains("not a git repository", StringComparison.Ordinal)
                    ? "REV:PATH reads a file from the git repository holding the current folder; run trainplat inside one"
                    : null);
            return null;
        }

        var lines = System.Text.Encoding.UTF8.GetString(where).Split('\n');
        var root = lines[0].Trim();
        var prefix = lines.Length > 1 ? lines[1].Trim() : "";
        var fromHere = Path.IsPathRooted(path) || path is "." or ".." || path.StartsWith("./", StringComparison.Ordinal) || path.StartsWith("../", StringComparison.Ordinal) ||
                       path.StartsWith(".\\", StringComparison.Ordinal) || path.StartsWith("..\\", StringComparison.Ordinal);
        var relative = Path.IsPathRooted(path) ? Path.GetRelativePath(workingDirectory, path) : path;
        var inRepository = Normalize((fromHere ? prefix : "") + relative.Replace('\\', '/'));
        if (inRepository is null)
        {
            failure = new DiffFailure($"{path} in {operand} is outside the git repository {root}",
                "REV:PATH reads files of the repository holding the current folder; give a path inside it");
            return null;
        }

        var bytes = Git(workingDirectory, out var showError, "show", "--no-textconv", revision + ":" + inRepository);
        if (bytes is null)
        {
            failure = new DiffFailure($"cannot read {operand} from git: {showError}",
                showError!.Contains("invalid object name", StringComparison.Ordinal) || showError.Contains("unknown revision", StringComparison.Ordinal)
                    ? $"check the revision '{revision}' (`git log --oneline` lists them)"
                    : showError.Contains("does not exist", StringComparison.Ordinal) || showError.Contains("exists on disk", StringComparison.Ordinal)
                        ? $"check the path (`git ls-tree -r --name-only {revision}` lists the files at that revision)"
                        : null);
            return null;
        }

        var header = System.Text.Encoding.UTF8.GetBytes("tree " + revision + ":" + inRepository + "\n");
        if (bytes.AsSpan().StartsWith(header))
        {
            failure = new DiffFailure($"{operand} is a folder at that revision, not a file", "give the path of a YAML or JSON file");
            return null;
        }

        if (bytes.Length > SourceFile.MaxBytes)
        {
            failure = new DiffFailure($"{operand} is over the 10 MiB limit for a config file");
            return null;
        }

        var text = SourceFile.Decode(bytes, operand, out var decodeError);
        if (text is null)
        {
            failure = new DiffFailure($"{operand} is not UTF-8 text", decodeError!.Hint, [decodeError]);
        }

        return text;
    }

    /// <summary>Resolves <c>.</c> and <c>..</c> in a repository-relative path; null when it climbs above the root.</summary>
    internal static string? Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    private static byte[]? Git(string workingDirectory, out string? error, params string[] args) =>
        Project.GitRepository.TryRun(workingDirectory, out error, args);
}
