using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Diffing;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Validation;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Checks;

/// <summary>
/// The pull-request check. For every recipe file changed between the base revision and the working
/// tree (<c>git diff --name-status BASE</c> plus untracked files): it must validate; when its content
/// changed (canonical form, <c>version</c> left out) its version must be greater by semver; a deleted
/// recipe is a warning; and each changed recipe is rendered at the base and now at every size and the
/// resolved configs compared, with severities.
/// </summary>
public static class PullRequestCheck
{
    public static CheckResult Run(CheckRequest request)
    {
        if (request.Sizes.Count == 0)
        {
            return CheckResult.Fail("--sizes names no model size", "e.g. --sizes 7B,70B");
        }

        foreach (var size in request.Sizes)
        {
            if (!ModelSize.TryParse(size, out _))
            {
                return CheckResult.Fail($"'{size}' in --sizes is not a model size", "write sizes like 7B, 1.5b, 500M, 70B or 8x7B, separated by commas");
            }
        }

        var project = ProjectContext.Discover(request.WorkingDirectory);
        var rules = SeverityRules.FromGlobs(project.Config.Importance, out var rulesError);
        if (rules is null)
        {
            return CheckResult.Fail(rulesError!, project.ProjectFile is { } file ? "fix `importance:` in " + project.Display(file) : null);
        }

        try
        {
            var git = GitRepository.Open(project.WorkingDirectory);
            var (commit, label) = request.Base is { } given ? ResolveBase(git, given) : git.DefaultBase();
            return new CheckResult(new CheckRun(git, project, rules, commit, label, request.Sizes, request.Recorded).Execute(), null, null);
        }
        catch (UserErrorException ex)
        {
            return CheckResult.Fail(ex.Message, ex.Hint);
        }
    }

    private static (string Commit, string Label) ResolveBase(GitRepository git, string revision)
    {
        if (revision == "HEAD" && !git.HasCommits)
        {
            return (GitRepository.EmptyTree, "HEAD (no commit yet)"); // the first commit: every recipe is new
        }

        return (git.ResolveCommit(revision), revision);
    }

    private sealed record FileChange(RecipeChangeKind Kind, string Path, string? OldPath);

    private sealed class CheckRun(GitRepository git, ProjectContext project, SeverityRules rules, string commit, string label, IReadOnlyList<string> sizes,
        IRecordedRecipes? recorded)
    {
        private readonly List<Diagnostic> _diagnostics = [];
        private RevisionSnapshot? _snapshot;
        private GitBlobReader? _baseFiles;

        private string Short => commit.Length > 7 ? commit[..7] : commit;

        public CheckReport Execute()
        {
            try
            {
                var folders = project.RecipeFolders.Select(git.RelativePath).Where(p => !p.StartsWith("..", StringComparison.Ordinal)).ToArray();
                var projectFile = git.RelativePath(project.ProjectFile ?? Path.Combine(project.Root, ProjectContext.ProjectFileName));
                string[] pathspecs = [.. folders.Select(f => f is "." or "" ? "." : f), projectFile];
                var changes = ChangedFiles(pathspecs);
                var recipes = changes.Where(c => IsRecipePath(c.Path, folders) && c.Path != projectFile).ToArray();

                // Validation of every changed file that exists now, the project file included.
                var present = changes.Where(c => c.Kind != RecipeChangeKind.Deleted && (c.Path == projectFile || IsRecipePath(c.Path, folders)))
                    .Select(c => Path.Combine(git.Root, c.Path)).ToArray();
                if (present.Length > 0)
                {
                    _diagnostics.AddRange(RecipeValidator.Run(new ValidationRequest(present, project.WorkingDirectory) { Recorded = recorded }).Diagnostics);
                }

                var results = recipes.Select(Check).OrderBy(r => r.Path, StringComparer.Ordinal).ToArray();
                _diagnostics.Sort(Diagnostic.Order);
                return new CheckReport(label, commit, sizes, git.Root, project.WorkingDirectory, results, _diagnostics.ToArray());
            }
            finally
            {
                _snapshot?.Dispose();
                _baseFiles?.Dispose();
            }
        }

        private List<FileChange> ChangedFiles(string[] pathspecs)
        {
            var result = new List<FileChange>();
            var fields = git.Text(["diff", "--name-status", "-z", "-M", "--no-ext-diff", commit, "--", .. pathspecs]).Split('\0');
            for (var i = 0; i + 1 < fields.Length; i++)
            {
                var status = fields[i];
                if (status.Length == 0)
                {
                    continue;
                }

                if (status[0] is 'R' or 'C' && i + 2 < fields.Length)
                {
                    result.Add(status[0] == 'R'
                        ? new FileChange(RecipeChangeKind.Renamed, fields[i + 2], fields[i + 1])
                        : new FileChange(RecipeChangeKind.Added, fields[i + 2], null));
                    i += 2;
                    continue;
                }

                result.Add(new FileChange(status[0] switch
                {
                    'A' => RecipeChangeKind.Added,
                    'D' => RecipeChangeKind.Deleted,
                    _ => RecipeChangeKind.Modified,
                }, fields[i + 1], null));
                i += 1;
            }

            foreach (var path in git.Text(["ls-files", "--others", "--exclude-standard", "-z", "--", .. pathspecs]).Split('\0', StringSplitOptions.RemoveEmptyEntries))
            {
                result.Add(new FileChange(RecipeChangeKind.Added, path, null));
            }

            return result;
        }

        private static bool IsRecipePath(string path, string[] folders)
        {
            if (!(path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }

            foreach (var folder in folders)
            {
                var inside = folder is "." or "" ? path : path.StartsWith(folder + "/", StringComparison.Ordinal) ? path[(folder.Length + 1)..] : null;
                if (inside is not null && !inside.Split('/').Any(p => p.StartsWith('.')))
                {
                    return true;
                }
            }

            return false;
        }

        private string Display(string repositoryPath) => project.Display(Path.Combine(git.Root, repositoryPath));

        private RecipeChange Check(FileChange change)
        {
            var display = Display(change.Path);
            var baseDoc = change.Kind is RecipeChangeKind.Added ? null : BaseDocument(change.OldPath ?? change.Path);
            if (change.Kind == RecipeChangeKind.Deleted)
            {
                var what = baseDoc?.Recipe is { } r ? $"recipe {r.Id}@{r.Version}" : "recipe file";
                _diagnostics.Add(new Diagnostic(CheckCodes.RecipeDeleted, Severity.Warning, display, 1, 1, "",
                    $"{what} was deleted; jobs recorded with it may still reference it (job references are checked once the lineage store exists)",
                    "keep the recipe, or make sure no running or reproducible job needs it"));
                return new RecipeChange(change.Kind, display, null, baseDoc?.Recipe?.Id, baseDoc?.Recipe?.Version, null, Hash(baseDoc), null, true, []);
            }

            var full = Path.Combine(git.Root, change.Path);
            var now = RecipeDocument.Load(full, display, RecipeOrigin.Project);
            var oldDisplay = change.OldPath is null ? null : Display(change.OldPath);
            var renamed = change.Kind == RecipeChangeKind.Renamed; // a new file name brings a new id
            var contentChanged = baseDoc?.Tree.Root is not { } baseRoot || now.Tree.Root is not { } nowRoot ||
                                 RecipeHistory.ContentKey(baseRoot, renamed) != RecipeHistory.ContentKey(nowRoot, renamed);
            var valid = !_diagnostics.Any(d => d.IsError && d.File == display);
            if (baseDoc is not null)
            {
                CheckVersion(baseDoc, now, display, contentChanged);
            }

            var diffs = change.Kind != RecipeChangeKind.Added && valid && baseDoc?.Recipe is not null && now.Recipe is not null
                ? sizes.Select(size => Render(change, now, size)).ToArray()
                : [];
            return new RecipeChange(change.Kind, display, oldDisplay, now.Recipe?.Id, baseDoc?.Recipe?.Version, now.Recipe?.Version,
                Hash(baseDoc), Hash(now), contentChanged, diffs);
        }

        private static string? Hash(RecipeDocument? doc) => doc?.Tree.Root is { } root && !doc.Tree.HasErrors ? CanonicalJson.Sha256(root) : null;

        private RecipeDocument? BaseDocument(string repositoryPath)
        {
            _baseFiles ??= git.OpenBlobReader(); // one git process for all the base files
            var bytes = _baseFiles.Read(commit, repositoryPath);
            var text = bytes is null ? null : SourceFile.Decode(bytes, repositoryPath, out _);
            return text is null ? null : RecipeDocument.Parse(text, Short + ":" + repositoryPath, RecipeOrigin.Project);
        }

        private void CheckVersion(RecipeDocument baseDoc, RecipeDocument now, string display, bool contentChanged)
        {
            if (baseDoc.Tree.HasErrors || now.Tree.HasErrors ||
                !SemanticVersion.TryParse(baseDoc.Recipe?.Version, out var before) ||
                !SemanticVersion.TryParse(now.Recipe?.Version, out var after))
            {
                return; // validation reports a version that is not semver; an unreadable base has nothing to compare
            }

            var pos = now.Tree.PositionOf("/version");
            var next = $"{before.Major}.{before.Minor}.{before.Patch + 1} for a fix, {before.Major}.{before.Minor + 1}.0 for a change of behaviour, {before.Major + 1}.0.0 for an incompatible one";
            if (contentChanged && after <= before)
            {
                var message = after.CompareTo(before) == 0
                    ? $"content changed but version {after} was not bumped"
                    : $"content changed but version {after} is below {before} at {label}";
                _diagnostics.Add(new Diagnostic(CheckCodes.VersionNotBumped, Severity.Error, display, pos.Line, pos.Column, "/version", message,
                    $"raise it above {before} ({label}): {next}"));
            }
            else if (!contentChanged && after < before)
            {
                _diagnostics.Add(new Diagnostic(CheckCodes.VersionLowered, Severity.Error, display, pos.Line, pos.Column, "/version",
                    $"version went down from {before} ({label}) to {after}", $"versions only go up: keep {before} or raise it"));
            }
        }

        private SizeDiff Render(FileChange change, RecipeDocument now, string size)
        {
            var nowResult = RecipeResolver.Resolve(new RenderRequest(now.FullPath!, size, null, null, null, null, [], project.WorkingDirectory) { Recorded = recorded });
            if (nowResult.Config is not { } nowConfig)
            {
                _diagnostics.Add(new Diagnostic(CheckCodes.RenderFailed, Severity.Warning, now.DisplayPath, 1, 1, "",
                    $"cannot render {now.Recipe!.Id} at {size}: {nowResult.Error}", nowResult.Hint));
                return new SizeDiff(size, null, $"cannot render now: {nowResult.Error}");
            }

            _snapshot ??= RevisionSnapshot.Create(git, commit, [.. project.RecipeFolders.Select(git.RelativePath), git.RelativePath(project.ProjectFile ?? Path.Combine(project.Root, ProjectContext.ProjectFileName))]);
            var baseProject = _snapshot.PathOf(git.RelativePath(project.Root));
            Directory.CreateDirectory(baseProject);
            var baseFile = _snapshot.PathOf(change.OldPath ?? change.Path);
            var baseResult = RecipeResolver.Resolve(new RenderRequest(baseFile, size, null, null, null, null, [], baseProject) { Recorded = recorded });
            if (baseResult.Config is not { } baseConfig)
            {
                return new SizeDiff(size, null, $"cannot render at {label}: {baseResult.Error}");
            }

            var known = baseConfig.Findings.Where(f => f.IsError).Select(f => (f.Code, f.Pointer)).ToHashSet();
            foreach (var finding in nowConfig.Findings.Where(f => f.IsError && !known.Contains((f.Code, f.Pointer))))
            {
                var pointer = "/config" + finding.Pointer;
                var pos = now.Tree.KeyPositionOf(pointer);
                _diagnostics.Add(new Diagnostic(CheckCodes.NewPreflightError, Severity.Warning, now.DisplayPath, pos.Line, pos.Column, pointer,
                    $"at {size}: {finding.Code} {finding.Message}", finding.Hint));
            }

            var rel = change.OldPath ?? change.Path;
            var left = new DiffOperand(Short + ":" + rel, OperandKind.GitRevision, $"{Short}:{rel} ({size})", baseConfig.Config, false);
            var right = new DiffOperand(now.DisplayPath, OperandKind.File, $"{now.DisplayPath} ({size})", nowConfig.Config, false);
            return new SizeDiff(size, new DiffReport(left, right, ConfigDiff.Compare(baseConfig.Config, nowConfig.Config, rules)), null);
        }
    }
}
