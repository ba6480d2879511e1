using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Project;

/// <summary>
/// Files at commits, read through one <c>git cat-file --batch</c> process that stays open for the
/// reader's lifetime: a history of 200 commits or a check of 50 changed recipes costs one git process,
/// not one per file. The process starts on the first read. Not thread-safe.
/// </summary>
public sealed class GitBlobReader : IDisposable
{
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(5);

    private readonly GitRepository _git;
    private Process? _process;
    private Stream? _input;
    private BufferedStream? _output;
    private Task<string>? _stderr;

    internal GitBlobReader(GitRepository git) => _git = git;

    /// <summary>
    /// The bytes of <paramref name="repositoryPath"/> at <paramref name="commit"/> (as
    /// <c>git show --no-textconv COMMIT:PATH</c> prints a file), or null when the commit has no file there.
    /// </summary>
    public byte[]? Read(string commit, string repositoryPath)
    {
        var name = commit + ":" + repositoryPath;
        if (name.Contains('\n', StringComparison.Ordinal) || name.Contains('\r', StringComparison.Ordinal))
        {
            // --batch reads one name per line: such a path needs its own process (and git's message about a
            // missing one spans lines, so any failure counts as "not there"; the repository itself was read before).
            return GitRepository.TryRun(_git.Root, out _, "cat-file", "blob", name);
        }

        if (_process is null)
        {
            Start();
        }

        try
        {
            var request = Encoding.UTF8.GetBytes(name + "\n");
            _input!.Write(request);
            _input.Flush();
            var header = ReadLine() ?? throw Broken();
            if (header.EndsWith(" missing", StringComparison.Ordinal) || header.EndsWith(" ambiguous", StringComparison.Ordinal))
            {
                return null;
            }

            // "<object id> <type> <size>"
            var parts = header.Split(' ');
            if (parts.Length != 3 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size > int.MaxValue)
            {
                throw new UserErrorException($"git cat-file answered '{header}' for {name}", "check the repository with `git fsck`");
            }

            var content = new byte[size];
            _output!.ReadExactly(content);
            if (_output.ReadByte() != '\n')
            {
                throw Broken();
            }

            return parts[1] == "blob" ? content : null; // a folder (tree) or submodule (commit) is no file
        }
        catch (IOException) // EndOfStreamException included: git stopped mid-answer
        {
            throw Broken();
        }
    }

    private void Start()
    {
        var start = GitRepository.StartInfo(_git.Root, "cat-file", "--batch");
        try
        {
            _process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            throw new UserErrorException("git is not installed or not on PATH", "install git: this command reads the recipes' history from it");
        }

        _input = _process.StandardInput.BaseStream;
        _output = new BufferedStream(_process.StandardOutput.BaseStream, 64 * 1024);
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    private string? ReadLine()
    {
        var line = new List<byte>(96);
        while (true)
        {
            var b = _output!.ReadByte();
            if (b < 0)
            {
                return null;
            }

            if (b == '\n')
            {
                return Encoding.UTF8.GetString([.. line]);
            }

            line.Add((byte)b);
        }
    }

    private UserErrorException Broken()
    {
        var reason = "";
        if (_process is not null && _process.WaitForExit(ExitWait) && _stderr is not null)
        {
            reason = _stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        }

        return new UserErrorException(reason.Length > 0 ? $"git cat-file stopped: {reason}" : "git cat-file stopped before it answered",
            "check the repository with `git fsck`");
    }

    public void Dispose()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            _input?.Dispose(); // end of input: git cat-file exits
            if (!_process.WaitForExit(ExitWait))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (IOException)
        {
            // git has exited already
        }
        catch (InvalidOperationException)
        {
            // git has exited already
        }
        finally
        {
            _output?.Dispose();
            _process.Dispose();
            _process = null;
        }
    }
}
