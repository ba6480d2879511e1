using System.Buffers;
using System.Text;
using System.Text.Unicode;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Yaml;

/// <summary>Reads a user's text file strictly: size limit, UTF-8 only (invalid bytes are an error, never replaced).</summary>
public static class SourceFile
{
    public const long MaxBytes = 10L * 1024 * 1024;

    /// <summary>Reads <paramref name="path"/>; returns the text, or null and a diagnostic naming <paramref name="displayName"/>.</summary>
    public static string? Read(string path, string displayName, out Diagnostic? error)
    {
        error = null;
        byte[] bytes;
        try
        {
            if (Directory.Exists(path))
            {
                error = Unreadable(displayName, "is a folder, not a file", "pass a .yaml file, or the folder to `trainplat validate` to check every file in it");
                return null;
            }

            var kind = Text.FileSystemEntry.TargetOf(path);
            if (kind == Text.EntryKind.SymlinkLoop)
            {
                error = Unreadable(displayName, "cannot be read: it is a symbolic link loop", "fix or remove the link");
                return null;
            }

            if (Text.FileSystemEntry.IsSpecial(kind))
            {
                // Never opened: reading a FIFO blocks, reading /dev/zero never ends.
                error = Unreadable(displayName, $"is {Text.FileSystemEntry.Describe(kind)}, not a regular file", "recipes are regular .yaml files");
                return null;
            }

            var info = new FileInfo(path);
            if (!info.Exists)
            {
                error = Text.FileNames.NotUtf8(path) is { } why
                    ? Unreadable(displayName, why, Text.FileNames.RenameHint)
                    : Unreadable(displayName, "does not exist", "check the path");
                return null;
            }

            if (info.Length > MaxBytes)
            {
                error = new Diagnostic(DiagnosticCodes.FileTooLarge, Severity.Error, displayName, 1, 1, "",
                    $"file is {info.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)} bytes, over the 10 MiB limit for a recipe",
                    "recipes are small; keep data out of recipe files");
                return null;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (UnauthorizedAccessException)
        {
            error = Unreadable(displayName, "cannot be read (permission denied)", "check the file's permissions");
            return null;
        }
        catch (FileNotFoundException)
        {
            error = Unreadable(displayName, "cannot be read: it is a link to a file that does not exist", "fix or remove the link");
            return null;
        }
        catch (IOException ex)
        {
            error = Unreadable(displayName, "cannot be read: " + ex.Message.TrimEnd('.'), null);
            return null;
        }

        return Decode(bytes, displayName, out error);
    }

    /// <summary>Decodes UTF-8 strictly, dropping a leading byte-order mark.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes, string displayName, out Diagnostic? error)
    {
        error = null;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            error = new Diagnostic(DiagnosticCodes.InvalidUtf8, Severity.Error, displayName, 1, 1, "",
                "file is UTF-16, not UTF-8", "save the file as UTF-8");
            return null;
        }

        var chars = ArrayPool<char>.Shared.Rent(Math.Max(1, bytes.Length));
        try
        {
            var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
            if (status == OperationStatus.Done)
            {
                return new string(chars, 0, written);
            }

            // `read` is the offset of the first invalid byte; report its line and column.
            var prefix = new string(chars, 0, written);
            var line = 1;
            var lastNewline = -1;
            for (var i = 0; i < prefix.Length; i++)
            {
                if (prefix[i] == '\n')
                {
                    line++;
                    lastNewline = i;
                }
            }

            var column = prefix.Length - lastNewline;
            error = new Diagnostic(DiagnosticCodes.InvalidUtf8, Severity.Error, displayName, line, column, "",
                $"invalid UTF-8 byte 0x{bytes[read]:X2} at byte offset {read.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                "save the file as UTF-8 (the byte may come from a Latin-1 or Windows-1252 editor)");
            return null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static Diagnostic Unreadable(string file, string what, string? hint) =>
        new(DiagnosticCodes.Unreadable, Severity.Error, file, 1, 1, "", $"{file} {what}", hint);
}
