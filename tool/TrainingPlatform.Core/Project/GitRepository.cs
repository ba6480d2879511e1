using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Project;

/// <summary>
/// The git repository holding a folder, reached through the <c>git</c> command (arguments passed as a
/// list, never through a shell; English messages; never a credential prompt). Every failure is a
/// <see cref="UserErrorException"/> with one clear line.
/// </summary>
public sealed class GitRepository
{
    /// <summary>The object id of git's empty tree: the base of a repository that has no commit yet.</summary>
    public const string EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private GitRepository(string root) => Root = root;

    /// <summary>The top folder of the working tree.</summary>
    public string Root { get; }

    /// <summary>The repository holding <paramref name="workingDirectory"/>.</summary>
    public static GitRepository Open(string workingDirectory)
    {
        var top = Run(workingDirectory, "rev-parse", "--show-toplevel");
        return new GitRepository(Path.GetFullPath(Encoding.UTF8.GetString(top).Trim()));
    }

    /// <summary>Runs git in the repository root and returns its standard output.</summary>
    public byte[] Bytes(params string[] args) => Run(Root, args);

    /// <summary>Runs git in the repository root and returns its standard output as UTF-8 text.</summary>
    public string Text(params string[] args) => Encoding.UTF8.GetString(Run(Root, args));

    /// <summary>True when <c>HEAD</c> points at a commit (false in a repository with no commit yet).</summary>
    public bool HasCommits => TryResolveCommit("HEAD") is not null;

    /// <summary>The full commit id <paramref name="revision"/> names, or null when it names none.</summary>
    public string? TryResolveCommit(string revision)
    {
        if (revision.StartsWith('-'))
        {
            return null;
        }

        try
        {
            return Text("rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}").Trim() is { Length: > 0 } id ? id : null;
        }
        catch (UserErrorException)
        {
            return null;
        }
    }

    /// <summary>The commit id of <paramref name="revision"/>, or a failure naming it.</summary>
    public string ResolveCommit(string revision) =>
        TryResolveCommit(revision) ?? throw new UserErrorException($"'{revision}' is not a commit in {Root}",
            "check the revision (`git log --oneline` and `git branch -a` list them)");

    /// <summary>The merge base of HEAD with <c>origin/main</c>, else with <c>main</c>.</summary>
    public (string Commit, string Label) DefaultBase()
    {
        foreach (var branch in new[] { "origin/main", "main" })
        {
            if (TryResolveCommit(branch) is null)
            {
                continue;
            }

            if (!HasCommits)
            {
                break;
            }

            var mergeBase = Text("merge-base", "HEAD", branch).Trim();
            return (mergeBase, $"merge base with {branch}");
        }

        throw new UserErrorException("no base revision to compare with: neither origin/main nor main is a branch here (or HEAD has no commit)",
            "pass --base REV, e.g. --base HEAD or --base origin/develop");
    }

    /// <summary>
    /// A reader of files at commits over one <c>git cat-file --batch</c> process (started on the first read,
    /// ended on dispose): use it where a command reads many files, instead of one <c>git show</c> each.
    /// </summary>
    public GitBlobReader OpenBlobReader() => new(this);

    /// <summary>A path relative to the repository root, with forward slashes.</summary>
    public string RelativePath(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    private static byte[] Run(string workingDirectory, params string[] args)
    {
        var output = TryRun(workingDirectory, out var reason, args);
        if (output is not null)
        {
            return output;
        }

        throw reason!.Contains("not a git repository", StringComparison.Ordinal)
            ? new UserErrorException($"{workingDirectory} is not inside a git repository", "run trainplat inside a git working tree (`git init` makes one)")
            : reason.StartsWith("git is not installed", StringComparison.Ordinal)
                ? new UserErrorException(reason, "install git: this command reads the recipes' history from it")
                : new UserErrorException(reason);
    }

    /// <summary>git with <paramref name="args"/> in <paramref name="workingDirectory"/>: no pager, unquoted paths, English messages, never a prompt; all three streams redirected.</summary>
    internal static ProcessStartInfo StartInfo(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--no-pager");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.quotepath=off");
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["LC_ALL"] = "C";
        start.Environment["LANGUAGE"] = "C";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        return start;
    }

    /// <summary>
    /// Runs git (English messages, never a prompt, a time limit); returns its standard output, or
    /// null and git's reason in one line ("fatal: " and "error: " taken off).
    /// </summary>
    internal static byte[]? TryRun(string workingDirectory, out string? reason, params string[] args)
    {
        reason = null;
        var start = StartInfo(workingDirectory, args);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            reason = "git is not installed or not on PATH";
            return null;
        }

        using (process)
        {
            process.StandardInput.Close();
            using var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                reason = $"git {args[0]} did not answer within {Timeout.TotalSeconds} seconds";
                return null;
            }

            copy.Wait();
            if (process.ExitCode == 0)
            {
                return output.ToArray();
            }

            var lines = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var line = lines.FirstOrDefault(l => l.StartsWith("fatal: ", StringComparison.Ordinal) || l.StartsWith("error: ", StringComparison.Ordinal)) ??
                       lines.FirstOrDefault();
            if (line is null)
            {
                reason = $"git {args[0]} exited with code {process.ExitCode}";
                return null;
            }

            if (line.StartsWith("fatal: ", StringComparison.Ordinal) || line.StartsWith("error: ", StringComparison.Ordinal))
            {
                line = line[(line.IndexOf(':', StringComparison.Ordinal) + 2)..];
            }

            reason = line.TrimEnd('.');
            return null;
        }
    }
}
