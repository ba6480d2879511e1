using System.Security.Cryptography;

namespace TrainingPlatform.Core.Datasets;

/// <summary>The content hashes a snapshot may use.</summary>
public static class SnapshotAlgorithms
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    public static IReadOnlyList<string> Supported { get; } = [Sha256, Sha512];

    public static bool IsSupported(string name) => Supported.Contains(name, StringComparer.Ordinal);

    internal static IncrementalHash Create(string name) => name switch
    {
        Sha256 => IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256),
        Sha512 => IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA512),
        _ => throw new ArgumentException($"unsupported algorithm '{name}'", nameof(name)),
    };

    internal static string Hex(IncrementalHash hash) => Convert.ToHexStringLower(hash.GetHashAndReset());

    internal static string HashOf(string algorithm, ReadOnlySpan<byte> data)
    {
        using var hash = Create(algorithm);
        hash.AppendData(data);
        return Hex(hash);
    }
}
