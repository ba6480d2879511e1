using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Recipes;

/// <summary>Whose history: a project recipe id (or the path of a recipe file), seen from a working directory.</summary>
public sealed record RecipeHistoryRequest(string Recipe, string WorkingDirectory);

/// <summary>
/// The recipe file as one commit left it. <paramref name="Hash"/> is the SHA-256 of the whole recipe's
/// canonical form (as <c>render</c> prints it); <paramref name="ContentChanged"/> compares the
/// canonical form without <c>version</c> with the previous commit's, so comments and formatting do not count.
/// </summary>
public sealed record RecipeRevision(
    string Commit,
    DateTimeOffset Date,
    string Author,
    string Subject,
    string Path,
    string? Version,
    string? Hash,
    bool ContentChanged,
    bool Unbumped,
    string Note);

/// <summary>A recipe's revisions, newest first.</summary>
public sealed record RecipeHistoryReport(string Id, string Path, IReadOnlyList<RecipeRevision> Revisions)
{
    public int UnbumpedCount => Revisions.Count(r => r.Unbumped);

    public int VersionCount => Revisions.Select(r => r.Version).OfType<string>().Distinct(StringComparer.Ordinal).Count();
}

/// <summary>A history, or why there is none (an input error).</summary>
public sealed record RecipeHistoryResult(RecipeHistoryReport? Report, string? Error, string? Hint)
{
    public static RecipeHistoryResult Fail(string error, string? hint = null) => new(null, error, hint);
}

/// <summary>
/// The versions of a recipe file through git history (<c>git log --follow</c>, so renames are
/// followed), flagging every commit that changed the content without raising the version.
/// </summary>
public static class RecipeHistory
{
    private const char RecordSeparator = '\u001e';
    private const char FieldSeparator = '\u001f';

    public static RecipeHistoryResult Run(RecipeHistoryRequest request)
    {
        var project = ProjectContext.Discover(request.WorkingDirectory);
        var file = FindFile(request.Recipe, project, out var error, out var hint);
        if (file is null)
        {
            return RecipeHistoryResult.Fail(error!, hint);
        }

        try
        {
            var git = GitRepository.Open(project.WorkingDirectory);
            var relative = git.RelativePath(file);
            if (relative.StartsWith("..", StringComparison.Ordinal))
            {
                return RecipeHistoryResult.Fail($"{project.Display(file)} is outside the git repository {git.Root}");
            }

            if (!git.HasCommits)
            {
                return RecipeHistoryResult.Fail($"the repository {git.Root} has no commit yet", "commit the recipe first: history reads it from git");
            }

            var log = git.Text("log", "--follow", "--format=" + RecordSeparator + "%H" + FieldSeparator + "%aI" + FieldSeparator + "%an" + FieldSeparator + "%s",
                "--name-status", "--", relative);
            var commits = Parse(log);
            if (commits.Count == 0)
            {
                return RecipeHistoryResult.Fail($"{project.Display(file)} has no commits in git yet", "commit it first: history reads it from git");
            }

            var revisions = Revisions(git, commits);
            var id = revisions.Select(r => r.Id).LastOrDefault(i => i is not null) ?? System.IO.Path.GetFileNameWithoutExtension(file);
            return new RecipeHistoryResult(new RecipeHistoryReport(id, project.Display(file), revisions.Select(r => r.Revision).Reverse().ToArray()), null, null);
        }
        catch (UserErrorException ex)
        {
            return RecipeHistoryResult.Fail(ex.Message, ex.Hint);
        }
    }

    /// <summary>
    /// The canonical hash of a recipe tree without its <c>version</c> (and, for a renamed file, its
    /// <c>id</c>): what "content changed" compares.
    /// </summary>
    public static string ContentKey(JsonNode root, bool ignoreId = false)
    {
        var copy = root.DeepClone();
        if (copy is JsonObject o)
        {
            o.Remove("version");
            if (ignoreId)
            {
                o.Remove("id");
            }
        }

        return CanonicalJson.Sha256(copy);
    }

    private sealed record LogEntry(string Commit, DateTimeOffset Date, string Author, string Subject, string? Path, bool Deleted);

    private static List<LogEntry> Parse(string log)
    {
        var entries = new List<LogEntry>();
        foreach (var record in log.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = record.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var fields = lines[0].Split(FieldSeparator);
            if (fields.Length < 4)
            {
                continue;
            }

            string? path = null;
            var deleted = false;
            foreach (var line in lines.Skip(1))
            {
                var parts = line.Split('\t');
                if (parts.Length >= 2)
                {
                    path = parts[^1];
                    deleted = parts[0].StartsWith('D');
                }
            }

            var date = DateTimeOffset.Parse(fields[1], CultureInfo.InvariantCulture, DateTimeStyles.None);
            entries.Add(new LogEntry(fields[0], date, fields[2], fields[3], path, deleted));
        }

        entries.Reverse(); // oldest first: each commit is compared with the one before it
        return entries;
    }

    private sealed record Step(RecipeRevision Revision, string? Id);

    private static List<Step> Revisions(GitRepository git, List<LogEntry> commits)
    {
        using var files = git.OpenBlobReader(); // one git process for every commit's file
        var steps = new List<Step>();
        string? previousKey = null;
        string? previousVersion = null;
        foreach (var c in commits)
        {
            var path = c.Path ?? "";
            var bytes = c.Deleted || path.Length == 0 ? null : files.Read(c.Commit, path);
            if (bytes is null)
            {
                steps.Add(new Step(new RecipeRevision(c.Commit, c.Date, c.Author, c.Subject, path, null, null, false, false, "deleted"), null));
                previousKey = null;
                previousVersion = null;
                continue;
            }

            var text = SourceFile.Decode(bytes, path, out var decodeError);
            var doc = text is null ? null : RecipeDocument.Parse(text, path);
            if (doc?.Tree.Root is not JsonObject root || doc.Tree.HasErrors)
            {
                var reason = decodeError?.Message ?? doc?.Tree.Diagnostics.FirstOrDefault(d => d.IsError)?.Message ?? "not a YAML mapping";
                steps.Add(new Step(new RecipeRevision(c.Commit, c.Date, c.Author, c.Subject, path, null, null, false, false, "not readable: " + reason), null));
                continue;
            }

            var version = root["version"] is JsonValue v ? (v.TryGetValue<string>(out var s) ? s : v.ToJsonString()) : null;
            var key = ContentKey(root);
            var hash = CanonicalJson.Sha256(root);
            var first = previousKey is null;
            var contentChanged = !first && key != previousKey;
            var bumped = IsAbove(version, previousVersion);
            var unbumped = contentChanged && !bumped;
            var note = first ? "first version"
                : unbumped ? $"content changed but version {version ?? "(none)"} was not bumped"
                : contentChanged ? "content changed"
                : version != previousVersion ? "version only"
                : "comments or formatting only";
            steps.Add(new Step(new RecipeRevision(c.Commit, c.Date, c.Author, c.Subject, path, version, hash, contentChanged, unbumped, note), doc.Recipe?.Id));
            previousKey = key;
            previousVersion = version;
        }

        return steps;
    }

    private static bool IsAbove(string? version, string? previous) =>
        SemanticVersion.TryParse(version, out var now) && SemanticVersion.TryParse(previous, out var before) && now > before;

    private static string? FindFile(string reference, ProjectContext project, out string? error, out string? hint)
    {
        error = null;
        hint = null;
        var asPath = Path.GetFullPath(Path.Combine(project.WorkingDirectory, reference));
        if ((reference.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || reference.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
             reference.Contains('/', StringComparison.Ordinal)) && File.Exists(asPath))
        {
            return asPath;
        }

        var registry = RecipeRegistry.Load(project);
        var entry = registry.Find(reference);
        if (entry is null)
        {
            (error, hint) = registry.NotFound(reference);
            return null;
        }

        if (entry.Origin == RecipeOrigin.BuiltIn || entry.Document.FullPath is null)
        {
            error = $"'{reference}' is a built-in recipe: its history is the tool's, not this repository's";
            hint = "history covers project recipes; `trainplat recipe new my_id --from " + reference + "` makes one";
            return null;
        }

        return entry.Document.FullPath;
    }
}
