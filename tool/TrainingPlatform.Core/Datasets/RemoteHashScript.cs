using System.Globalization;
using System.Text;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// One file for <see cref="RemoteHashScript"/>: its absolute path on the host (a regular file, as SFTP stat found it: a
/// FIFO would block the hash), whether its non-blank lines are counted (plain JSON Lines without <c>--check</c> only:
/// a <c>.gz</c>, CSV, JSON or a <c>--check</c> run must be streamed), and its size when known (a file of 1 MiB or more,
/// or of unknown size, is hashed and counted in parallel).
/// </summary>
internal sealed record RemoteHashRequest(string Path, bool CountLines, long Size = -1);

/// <summary>One file's result: its hash and, when asked, its non-blank lines as grep counts them; or why it could not be read.</summary>
internal sealed record RemoteHashResult(string? Hash, long? Lines, string? Error);

/// <summary>What the script printed: the hash tool it used and a result per file in order, or no tool at all (<see cref="NoTool"/>: stream instead).</summary>
internal sealed record RemoteHashOutput(string? Tool, IReadOnlyList<RemoteHashResult> Files)
{
    public bool NoTool => Tool is null;
}

/// <summary>
/// A POSIX <c>sh</c> script, run on the data host through <c>sh -s</c> (the script on stdin, so the remote login shell
/// never parses a file name), that hashes files where they are: no data crosses the network. It looks for
/// <c>sha256sum</c>/<c>sha512sum</c>, else <c>shasum -a 256|512</c>, and says so (or that there is none: the caller then
/// streams the bytes over SFTP). For JSON Lines it also counts the non-blank lines as <see cref="JsonLinesCounter"/>
/// does (a line counts when it holds a byte other than space, tab or CR; a last line without a newline counts) with
/// <c>LC_ALL=C grep -a -c '[^ TAB CR]'</c>, reading the file a second time from the page cache in parallel with the hash;
/// <see cref="RemoteCount"/> corrects for a leading UTF-8 BOM. Every path reaches the script single-quoted.
/// </summary>
internal static class RemoteHashScript
{
    /// <summary>The first word of every line the script prints about itself.</summary>
    public const string Marker = "trainplat-remote-hash";

    /// <summary>Files from this size on are hashed and counted in parallel (two processes); smaller ones one after the other.</summary>
    public const long ParallelFrom = 1 << 20;

    private const string Version = "1";

    public static string Build(IReadOnlyList<RemoteHashRequest> files, string algorithm)
    {
        ArgumentNullException.ThrowIfNull(files);
        var bits = algorithm switch
        {
            SnapshotAlgorithms.Sha256 => "256",
            SnapshotAlgorithms.Sha512 => "512",
            _ => throw new ArgumentException($"unsupported algorithm '{algorithm}'", nameof(algorithm)),
        };
        var counting = files.Any(f => f.CountLines);
        var script = new StringBuilder();
        script.Append(CultureInfo.InvariantCulture, $$"""
            # {{Marker}}: hashes {{files.Count}} file(s) on this host for trainplat (generated; TrainingPlatform.Core/Datasets/RemoteHashScript.cs)
            LC_ALL=C
            export LC_ALL
            if command -v sha{{bits}}sum >/dev/null 2>&1 && sha{{bits}}sum </dev/null >/dev/null 2>&1; then
              H='sha{{bits}}sum'
            elif command -v shasum >/dev/null 2>&1 && shasum -a {{bits}} </dev/null >/dev/null 2>&1; then
              H='shasum -a {{bits}}'
            else
              echo '{{Marker}} {{Version}} no-tool'
              exit 0
            fi

            """);
        if (counting)
        {
            script.Append(CultureInfo.InvariantCulture, $$"""
                if ! command -v grep >/dev/null 2>&1 || [ "$(printf 'a\n \n' | grep -a -c -e a)" != 1 ]; then
                  echo '{{Marker}} {{Version}} no-tool'
                  exit 0
                fi

                """);
        }

        script.Append(CultureInfo.InvariantCulture, $$"""
            P=$(printf '[^ \t\r]')
            NL='
            '
            echo "{{Marker}} {{Version}} {{algorithm}} $H"
            # one INDEX PATH COUNT PARALLEL: "INDEX ok HASH LINES" (LINES "-" when not counted) or "INDEX error REASON"
            one() {
              if [ "$3" = 1 ] && [ "$4" = 1 ]; then
                r=$( (n=$(grep -a -c -e "$P" 2>/dev/null <"$2"); echo "$? $n") & x=$($H 2>/dev/null <"$2"); s=$?; wait; echo "$s $x" )
                c=${r%%"$NL"*}
                x=${r#*"$NL"}
              elif [ "$3" = 1 ]; then
                x=$($H 2>/dev/null <"$2")
                x="$? $x"
                c=$(grep -a -c -e "$P" 2>/dev/null <"$2")
                c="$? $c"
              else
                x=$($H 2>/dev/null <"$2")
                x="$? $x"
                c='0 -'
              fi
              s=${x%% *}
              x=${x#* }
              x=${x%% *}
              t=${c%% *}
              c=${c#* }
              if [ "$s" = 0 ] && [ -n "$x" ] && { [ "$t" = 0 ] || [ "$t" = 1 ]; }; then
                echo "$1 ok $x $c"
              elif [ ! -e "$2" ]; then
                echo "$1 error missing"
              elif [ -d "$2" ]; then
                echo "$1 error directory"
              elif [ ! -r "$2" ]; then
                echo "$1 error unreadable"
              else
                echo "$1 error failed"
              fi
            }

            """);
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var parallel = file.CountLines && (file.Size < 0 || file.Size >= ParallelFrom);
            script.Append(CultureInfo.InvariantCulture, $"one {i} {Remote.ShellQuote.Quote(file.Path)} {(file.CountLines ? 1 : 0)} {(parallel ? 1 : 0)}\n");
        }

        script.Append(CultureInfo.InvariantCulture, $"echo '{Marker} end'\n");
        return script.ToString();
    }

    /// <summary>
    /// The results of <paramref name="count"/> files from the script's stdout (lines before its first line, which a
    /// login file may print, are skipped). Anything else is a <see cref="UserErrorException"/> naming the script.
    /// </summary>
    public static RemoteHashOutput Parse(byte[] stdout, int count, string host = "the data host")
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var text = Encoding.UTF8.GetString(stdout);
        var lines = (text.EndsWith('\n') ? text[..^1] : text).Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith(Marker + " ", StringComparison.Ordinal));
        if (start < 0)
        {
            throw Malformed(host, stdout.Length == 0 ? "nothing" : "no line starting with " + Marker);
        }

        var header = lines[start].Split(' ', 4);
        if (header.Length < 3 || header[1] != Version)
        {
            throw Malformed(host, $"an unknown first line '{Shorten(lines[start])}'");
        }

        if (header is [_, _, "no-tool"])
        {
            return new RemoteHashOutput(null, []);
        }

        if (header.Length != 4 || !SnapshotAlgorithms.IsSupported(header[2]))
        {
            throw Malformed(host, $"an unknown first line '{Shorten(lines[start])}'");
        }

        var hexLength = header[2] == SnapshotAlgorithms.Sha256 ? 64 : 128;
        var results = new List<RemoteHashResult>(count);
        for (var i = 0; i < count; i++)
        {
            var number = start + 1 + i;
            if (number >= lines.Length || lines[number].StartsWith(Marker + " end", StringComparison.Ordinal))
            {
                throw Malformed(host, $"results for {i} of {count} files (its output ends early)");
            }

            results.Add(ParseLine(lines[number], i, hexLength) ?? throw Malformed(host, $"'{Shorten(lines[number])}' where the result of file {i + 1} belongs"));
        }

        var end = start + 1 + count;
        if (end >= lines.Length || lines[end] != Marker + " end")
        {
            throw Malformed(host, end < lines.Length ? $"'{Shorten(lines[end])}' where its last line belongs" : "no last line (its output ends early)");
        }

        return new RemoteHashOutput(header[3], results);
    }

    private static RemoteHashResult? ParseLine(string line, int index, int hexLength)
    {
        var words = line.Split(' ');
        if (words.Length < 3 || words[0] != index.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        switch (words)
        {
            case [_, "ok", var hash, var lines] when hash.Length == hexLength && hash.All(char.IsAsciiHexDigitLower):
                if (lines == "-")
                {
                    return new RemoteHashResult(hash, null, null);
                }

                return long.TryParse(lines, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? new RemoteHashResult(hash, n, null) : null;
            case [_, "error", var reason]:
                return reason switch
                {
                    "missing" => new RemoteHashResult(null, null, "no such file on the host (deleted or renamed since it was listed?)"),
                    "directory" => new RemoteHashResult(null, null, "a folder, not a file"),
                    "unreadable" => new RemoteHashResult(null, null, "permission denied: the remote user cannot read it"),
                    "failed" => new RemoteHashResult(null, null, "could not be read on the host (an I/O error?)"),
                    _ => null,
                };
            default:
                return null;
        }
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..77] + "...";

    private static UserErrorException Malformed(string host, string what) => new(
        $"{host}: trainplat's remote hashing script (sh -s) printed {what}; nothing was recorded",
        "the host's sh, sha256sum/shasum or grep may behave unlike the POSIX ones; hashing by streaming the bytes over SFTP does not depend on them");
}
