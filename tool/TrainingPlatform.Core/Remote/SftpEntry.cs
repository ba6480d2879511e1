using System.Text;

namespace TrainingPlatform.Core.Remote;

/// <summary>
/// One entry of a remote folder. File names are bytes on the wire: <see cref="Name"/> is their UTF-8 text, and when
/// they are not valid UTF-8 (<see cref="IsUtf8"/> false) it holds U+FFFD where the bad bytes were, so a caller
/// reports the entry as "not UTF-8" instead of opening a name that does not exist.
/// </summary>
public sealed record SftpEntry(string Name, SftpAttributes Attributes)
{
    private static readonly UTF8Encoding Strict = new(false, true);

    /// <summary>False when the name's bytes are not valid UTF-8.</summary>
    public bool IsUtf8 { get; init; } = true;

    /// <summary>The name exactly as the server sent it.</summary>
    public ReadOnlyMemory<byte> NameBytes { get; init; }

    internal static SftpEntry FromBytes(ReadOnlySpan<byte> name, SftpAttributes attributes)
    {
        var bytes = name.ToArray();
        try
        {
            return new SftpEntry(Strict.GetString(bytes), attributes) { NameBytes = bytes };
        }
        catch (DecoderFallbackException)
        {
            return new SftpEntry(Encoding.UTF8.GetString(bytes), attributes) { NameBytes = bytes, IsUtf8 = false };
        }
    }
}
