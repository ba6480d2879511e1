using System.Diagnostics;
using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Remote;

/// <summary>
/// One connection to one host for one command: the system <c>ssh</c> client started as a child process (never
/// through a shell) with the SFTP subsystem, so the user's ssh config, known_hosts and agent apply exactly as for
/// their own <c>ssh</c>. <c>BatchMode=yes</c> means ssh never asks for a password or passphrase; host keys are
/// checked strictly (<c>accept-new</c> on request), and a failure to connect is one <see cref="UserErrorException"/>.
/// </summary>
public sealed class SshSession : IDisposable
{
    private readonly SshOptions _options;
    private readonly RemoteLocation _given;
    private readonly Process _process;
    private readonly SftpChannel _channel;
    private readonly ErrorText _stderr;
    private readonly SshConfig _config;
    private string? _home;
    private bool _disposed;

    private SshSession(RemoteLocation given, SshOptions options, SshConfig config, Process process, SftpChannel channel, ErrorText stderr, IReadOnlyDictionary<string, byte[]> extensions)
    {
        _given = given;
        _options = options;
        _config = config;
        _process = process;
        _channel = channel;
        _stderr = stderr;
        Location = given;
        CacheKey = "ssh://" + (config.HostName.Contains(':', StringComparison.Ordinal) ? "[" + config.HostName + "]" : config.HostName)
            + ":" + config.Port.ToString(CultureInfo.InvariantCulture);
        Sftp = new SftpClient(channel, extensions, given, Lost);
    }

    /// <summary>The location with its path made absolute (from the login folder) when it was relative.</summary>
    public RemoteLocation Location { get; private set; }

    /// <summary><c>ssh://HOSTNAME:PORT</c> as <c>ssh -G</c> resolves the host (aliases and config applied): the stat cache key's prefix.</summary>
    public string CacheKey { get; }

    public SftpClient Sftp { get; }

    /// <summary>Starts <c>ssh … -s HOST sftp</c>: checks the host key, authenticates and speaks SFTP, or throws what went wrong.</summary>
    public static SshSession Open(RemoteLocation location, SshOptions options)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(options);
        var config = SshConfig.Resolve(location, options);
        // -v: the "Server host key" line names the fingerprint when the key is unknown (ssh prints it nowhere else then).
        List<string> arguments = ["-v", .. SshArguments.Common(location, options, config), "-s", "--", location.Host, "sftp"];
        var process = SshArguments.Start(options, arguments);
        var stderr = new ErrorText(process.StandardError);
        _ = PipeSize.TryWiden(process.StandardOutput.BaseStream, 1 << 20);
        var channel = new SftpChannel(process.StandardOutput.BaseStream, process.StandardInput.BaseStream);
        Dictionary<string, byte[]>? extensions;
        try
        {
            extensions = channel.Initialize();
        }
        catch (InvalidDataException e)
        {
            Stop(process, channel);
            throw new UserErrorException(
                $"{location.Authority}: the host's SFTP server did not answer as SFTP ({e.Message})",
                "something on the host writes to the session (a login script printing text?); check with: ssh HOST -s sftp </dev/null");
        }

        if (extensions is null)
        {
            var exit = Stop(process, channel);
            throw SshFailure.Explain(location, options, config, stderr.Wait(), exit) ?? new UserErrorException(
                $"{location.Authority}: ssh failed (exit {exit}){SshFailure.LastLine(stderr.Wait())}",
                $"run ssh -v {location.Host} to see why");
        }

        var session = new SshSession(location, options, config, process, channel, stderr, extensions);
        if (location.IsRelative)
        {
            try
            {
                session.Location = location.WithPath(session.ResolvePath(location.Path));
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        return session;
    }

    /// <summary>
    /// A path of this host made absolute: <c>~/rest</c> from the login folder (REALPATH of ".", asked once);
    /// <c>~user/rest</c> from that user's home folder, which the server expands (expand-path@openssh.com); an absolute
    /// path as it is. A trailing '/' is kept.
    /// </summary>
    public string ResolvePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.StartsWith('/'))
        {
            return path;
        }

        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = _home ??= Sftp.RealPath(".");
            var rest = path == "~" ? "" : path[2..];
            return rest.Length == 0 ? home : home.TrimEnd('/') + "/" + rest;
        }

        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var user = slash < 0 ? path : path[..slash];
        var tail = slash < 0 ? "" : path[slash..];
        if (!Sftp.CanExpandPath)
        {
            throw new UserErrorException(
                $"{_given.Authority}: the host's SFTP server cannot find {user}'s home folder (it has no expand-path@openssh.com)",
                "give the absolute path instead: ssh://HOST/home/USER/…");
        }

        var expanded = Sftp.TryExpandPath(user) ?? throw new UserErrorException(
            $"{_given.Authority}: no user {user[1..]} on the host (in {_given.Authority}/{user}{tail})",
            "check the user name after '~', or give the absolute path");
        return tail.Length == 0 ? expanded : expanded.TrimEnd('/') + tail;
    }

    /// <summary>
    /// Runs <paramref name="script"/> with <c>sh</c> on the host (a second ssh process with the same options; the
    /// script goes on stdin, so the login shell parses only a constant). With <paramref name="input"/>, the script is
    /// read first by length and the input follows on stdin for it. Returns the exit code, stdout and stderr.
    /// </summary>
    public RemoteRun Run(string script, ReadOnlySpan<byte> input = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var scriptBytes = Encoding.UTF8.GetBytes(script);
        List<string> command = input.IsEmpty
            ? ["sh", "-s"]
            : ["sh", "-c", $"'eval \"$(dd bs=1 count={scriptBytes.Length.ToString(CultureInfo.InvariantCulture)} 2>/dev/null)\"'"];
        List<string> arguments = [.. SshArguments.Common(_given, _options, _config), "--", _given.Host, .. command];
        using var process = SshArguments.Start(_options, arguments);
        var stdin = new byte[scriptBytes.Length + input.Length];
        scriptBytes.CopyTo(stdin, 0);
        input.CopyTo(stdin.AsSpan(scriptBytes.Length));
        var output = new MemoryStream();
        var copyOut = process.StandardOutput.BaseStream.CopyToAsync(output);
        var error = process.StandardError.ReadToEndAsync();
        var feed = Task.Run(() =>
        {
            try
            {
                using var s = process.StandardInput.BaseStream;
                s.Write(stdin);
            }
            catch (IOException)
            {
                // The remote shell stopped reading (the script exited early): its exit code says how it went.
            }
        });
        process.WaitForExit();
        Task.WaitAll(copyOut, error, feed);
        var errorText = error.Result;
        if (process.ExitCode == 255 && SshFailure.IsConnectionLost(errorText))
        {
            throw new UserErrorException($"{_given.Authority}: connection lost while a command ran on the host{SshFailure.LastLine(errorText)}",
                "run the same command again");
        }

        if (process.ExitCode == 255 && SshFailure.Explain(_given, _options, _config, errorText, 255) is { } failure)
        {
            throw failure;
        }

        return new RemoteRun(process.ExitCode, output.ToArray(), errorText);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stop(_process, _channel);
        _process.Dispose();
    }

    private static int Stop(Process process, SftpChannel channel)
    {
        channel.CloseOutput();
        if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
        {
            process.Kill();
            process.WaitForExit();
        }

        channel.Dispose();
        return process.ExitCode;
    }

    private UserErrorException Lost(string path, long done)
    {
        var last = _process.WaitForExit(TimeSpan.FromSeconds(1)) ? SshFailure.LastLine(_stderr.Wait()) : "";
        var reason = last.Length > 0 ? $" ({last[2..].TrimEnd('.')})" : "";
        return new UserErrorException(
            $"{_given.Authority}: connection lost after {done.ToString(CultureInfo.InvariantCulture)} bytes of {path}{reason}",
            "run the same command again: it resumes");
    }

    /// <summary>Collects ssh's stderr on a thread of its own (it must never fill the pipe and stall ssh).</summary>
    private sealed class ErrorText
    {
        private const int MaxChars = 1 << 20;
        private readonly StringBuilder _text = new();
        private readonly Thread _thread;

        public ErrorText(StreamReader reader)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    while (reader.ReadLine() is { } line)
                    {
                        lock (_text)
                        {
                            if (_text.Length < MaxChars)
                            {
                                _text.Append(line).Append('\n');
                            }
                        }
                    }
                }
                catch (IOException)
                {
                    // ssh is gone; what it wrote is kept.
                }
            })
            { IsBackground = true, Name = "ssh-stderr" };
            _thread.Start();
        }

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public string Wait()
        {
            _thread.Join(TimeSpan.FromSeconds(5));
            return Text;
        }
    }
}
