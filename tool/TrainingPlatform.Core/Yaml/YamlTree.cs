using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Core.Yaml;

/// <summary>A position in a source file, 1-based.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static SourcePosition Start { get; } = new(1, 1);
}

/// <summary>A plain scalar as written, kept for lint rules that care about spelling (YAML 1.1 hazards).</summary>
public sealed record PlainScalar(string Pointer, string Text, SourcePosition Position);

/// <summary>A YAML document turned into a JSON tree, with the position of every key and value.</summary>
public sealed class YamlTree
{
    internal YamlTree(
        string file,
        JsonNode? root,
        IReadOnlyDictionary<string, SourcePosition> valuePositions,
        IReadOnlyDictionary<string, SourcePosition> keyPositions,
        IReadOnlyList<PlainScalar> plainScalars,
        IReadOnlyList<Diagnostic> diagnostics)
    {
        File = file;
        Root = root;
        ValuePositions = valuePositions;
        KeyPositions = keyPositions;
        PlainScalars = plainScalars;
        Diagnostics = diagnostics;
    }

    public string File { get; }

    /// <summary>The document, or null when it could not be read (see <see cref="Diagnostics"/>).</summary>
    public JsonNode? Root { get; }

    public IReadOnlyDictionary<string, SourcePosition> ValuePositions { get; }

    public IReadOnlyDictionary<string, SourcePosition> KeyPositions { get; }

    public IReadOnlyList<PlainScalar> PlainScalars { get; }

    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>The position of the value at <paramref name="pointer"/>, or of its nearest ancestor.</summary>
    public SourcePosition PositionOf(string pointer) => Find(ValuePositions, pointer);

    /// <summary>The position of the key that holds <paramref name="pointer"/>, falling back to the value.</summary>
    public SourcePosition KeyPositionOf(string pointer) =>
        KeyPositions.TryGetValue(pointer, out var p) ? p : Find(ValuePositions, pointer);

    private static SourcePosition Find(IReadOnlyDictionary<string, SourcePosition> map, string pointer)
    {
        while (true)
        {
            if (map.TryGetValue(pointer, out var p))
            {
                return p;
            }

            if (pointer.Length == 0)
            {
                return SourcePosition.Start;
            }

            var slash = pointer.LastIndexOf('/');
            pointer = slash <= 0 ? "" : pointer[..slash];
        }
    }
}
