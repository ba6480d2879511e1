using System.Formats.Tar;
using TrainingPlatform.Core.Project;

namespace TrainingPlatform.Core.Checks;

/// <summary>
/// The project's files (trainplat.yaml and the recipe folders) as they were at a commit, written to a
/// temporary folder with <c>git archive</c>, so a recipe resolves at that commit exactly as it does
/// now (its <c>extends</c> bases and the project's overrides included). Deleted on dispose.
/// </summary>
internal sealed class RevisionSnapshot : IDisposable
{
    private RevisionSnapshot(string root) => Root = root;

    /// <summary>The folder standing for the repository root at the commit.</summary>
    public string Root { get; }

    public static RevisionSnapshot Create(GitRepository git, string commit, IReadOnlyList<string> repositoryPaths)
    {
        var root = Path.Combine(Path.GetTempPath(), "trainplat-base-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var snapshot = new RevisionSnapshot(root);
        if (commit == GitRepository.EmptyTree || repositoryPaths.Count == 0)
        {
            return snapshot;
        }

        try
        {
            // git archive fails on a path the commit lacks: ask ls-tree which of them exist first.
            var existing = git.Text(["ls-tree", "--name-only", "-z", commit, "--", .. repositoryPaths])
                .Split('\0', StringSplitOptions.RemoveEmptyEntries);
            if (existing.Length == 0)
            {
                return snapshot;
            }

            var tar = git.Bytes(["archive", "--format=tar", commit, "--", .. existing]);
            using var reader = new TarReader(new MemoryStream(tar));
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                {
                    continue;
                }

                var target = Path.GetFullPath(Path.Combine(root, entry.Name));
                if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    continue; // never write outside the snapshot
                }

                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using var file = File.Create(target);
                entry.DataStream.CopyTo(file);
            }

            return snapshot;
        }
        catch
        {
            snapshot.Dispose();
            throw;
        }
    }

    public string PathOf(string repositoryPath) => Path.Combine(Root, repositoryPath.Replace('/', Path.DirectorySeparatorChar));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temporary folder is harmless
        }
    }
}
