using System.Text;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;

namespace TrainingPlatform.Core.Jobs;

/// <summary>The git facts recorded on a job.</summary>
public static class JobGit
{
    /// <summary>The repository's commit, dirty flag (any change under the project root, untracked files included, .trainplat/ excluded) and branch; null outside git.</summary>
    public static GitState? Read(string projectRoot)
    {
        // One git process: porcelain v2 with --branch gives the commit and branch as headers, then one line per change.
        var output = GitRepository.TryRun(projectRoot, out _, "status", "--porcelain=v2", "--branch", "--", ".", ":(exclude).trainplat");
        if (output is null)
        {
            return null; // not in a git repository
        }

        string? commit = null;
        string? branch = null;
        var dirty = false;
        foreach (var line in Encoding.UTF8.GetString(output).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# branch.oid ", StringComparison.Ordinal))
            {
                commit = line["# branch.oid ".Length..].Trim();
            }
            else if (line.StartsWith("# branch.head ", StringComparison.Ordinal))
            {
                branch = line["# branch.head ".Length..].Trim();
            }
            else if (!line.StartsWith('#'))
            {
                dirty = true;
            }
        }

        return commit is null or "(initial)" ? null : new GitState(commit, dirty, branch is null or "(detached)" ? null : branch);
    }
}
