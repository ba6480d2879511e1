using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace TrainingPlatform.Core.Schema;

/// <summary>
/// A JSON Schema shipped with the tool: built once for evaluation (JsonSchema.Net) and kept as a
/// JSON tree for lookups (known keys, importance, descriptions). Our schemas use no $ref, so a
/// schema location is a plain pointer into the tree.
/// </summary>
public sealed class SchemaDocument
{
    // Built on first evaluation only: diff and render never load JsonSchema.Net (about 150 ms of start-up).
    private CompiledSchema? _compiled;

    // The quick "certainly valid" that spares a valid instance JsonSchema.Net (QuickSchema).
    private QuickSchema? _quick;

    internal SchemaDocument(string resourceName, string text)
    {
        ResourceName = resourceName;
        Text = text;
        Tree = JsonNode.Parse(text)?.AsObject() ?? throw new InvalidOperationException($"schema {resourceName} is empty");
        Id = Tree["$id"]?.GetValue<string>() ?? resourceName;
    }

    public string ResourceName { get; }

    public string Id { get; }

    public string Text { get; }

    public JsonObject Tree { get; }

    public static SchemaDocument Recipe => Cache.Recipe.Value;

    public static SchemaDocument Project => Cache.Project.Value;

    /// <summary>Evaluates an instance; returns (instance pointer, schema pointer, keyword) for each failure.</summary>
    public IReadOnlyList<SchemaFailure> Evaluate(JsonNode instance)
    {
        if (LazyInitializer.EnsureInitialized(ref _quick, () => QuickSchema.Compile(Tree)).CertainlyValid(instance))
        {
            return [];
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            instance.WriteTo(writer);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 256 });
        var compiled = LazyInitializer.EnsureInitialized(ref _compiled, () => new CompiledSchema(Text));
        return compiled.Evaluate(doc.RootElement);
    }

    /// <summary>The schema node at a schema pointer such as <c>/properties/config/properties/optimizer</c>.</summary>
    public JsonObject? NodeAt(string schemaPointer)
    {
        JsonNode? node = Tree;
        foreach (var raw in schemaPointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node as JsonObject;
    }

    /// <summary>The schema node describing the instance at a JSON pointer, following properties and items.</summary>
    public JsonObject? NodeForInstance(string instancePointer)
    {
        JsonObject? node = Tree;
        foreach (var raw in instancePointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is null)
            {
                return null;
            }

            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node["properties"]?[token] as JsonObject ?? node["items"] as JsonObject ?? (node["additionalProperties"] as JsonObject);
        }

        return node;
    }

    /// <summary>Property names a schema object allows, in schema order.</summary>
    public static IReadOnlyList<string> PropertyNames(JsonObject? schemaNode) =>
        schemaNode?["properties"] is JsonObject props ? props.Select(p => p.Key).ToArray() : [];

    private static class Cache
    {
        public static readonly Lazy<SchemaDocument> Recipe = new(() => Load("schemas/recipe.v1.schema.json"));
        public static readonly Lazy<SchemaDocument> Project = new(() => Load("schemas/project.v1.schema.json"));

        private static SchemaDocument Load(string name) => new(name, EmbeddedResources.ReadText(name));
    }
}

/// <summary>The JsonSchema.Net side, kept in its own type so the library loads only when a schema is evaluated.</summary>
internal sealed class CompiledSchema(string text)
{
    private static readonly EvaluationOptions FlagOptions = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions ListOptions = new() { OutputFormat = OutputFormat.List };

    private readonly JsonSchema _schema = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });

    public IReadOnlyList<SchemaFailure> Evaluate(JsonElement instance)
    {
        // Most files are valid: the flag format stops at the first failure and collects nothing.
        if (_schema.Evaluate(instance, FlagOptions).IsValid)
        {
            return [];
        }

        var failures = new List<SchemaFailure>();
        foreach (var detail in _schema.Evaluate(instance, ListOptions).Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            foreach (var error in detail.Errors)
            {
                failures.Add(new SchemaFailure(detail.InstanceLocation.ToString(), detail.EvaluationPath.ToString(), error.Key, error.Value));
            }
        }

        return failures;
    }
}

public sealed record SchemaFailure(string InstancePointer, string SchemaPointer, string Keyword, string Message);
