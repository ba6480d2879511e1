using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TrainingPlatform.Core.Text;

/// <summary>
/// A canonical form of a JSON tree for content hashes: object keys sorted (ordinal), no
/// whitespace, integers as integers, other numbers in shortest round-trip form. Comments,
/// key order and number spelling (<c>1e-6</c> vs <c>0.000001</c>) do not change it.
/// </summary>
public static class CanonicalJson
{
    public static string Write(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true }))
        {
            JsonTreeWriter.Write(writer, node, sortKeys: true, d => d.ToString("R", CultureInfo.InvariantCulture));
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Lower-case hex SHA-256 of the canonical form.</summary>
    public static string Sha256(JsonNode? node) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Write(node))));
}
