using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Diffing;

public enum OperandKind
{
    /// <summary>A YAML or JSON file: a recipe, a rendered config, or a framework's own config.</summary>
    File,

    /// <summary>A recipe id: its resolved config for a model size.</summary>
    Recipe,

    /// <summary><c>REV:PATH</c>: a file at a git revision.</summary>
    GitRevision,

    /// <summary><c>job:ID</c>: a recorded job's rendered config (needs the lineage store).</summary>
    Job,
}

/// <summary>One side of a diff, loaded: what the user wrote, how it is shown, and its tree.</summary>
/// <param name="Text">The operand as given on the command line.</param>
/// <param name="Label">How output names it: the path, <c>REV:PATH</c>, or <c>grpo_basic (7B)</c>.</param>
/// <param name="TrainplatLayout">True for recipe and project files (<c>apiVersion: trainplat/…</c>): their
/// <c>config.</c> paths take the importance of the config key below.</param>
public sealed record DiffOperand(string Text, OperandKind Kind, string Label, JsonNode Tree, bool TrainplatLayout)
{
    public const string JobPrefix = "job:";

    /// <summary>The framework dialect the operand was read from and mapped to trainplat keys (<c>verl</c>), else null.</summary>
    public string? Dialect { get; init; }

    /// <summary>For a dialect operand: the trainplat config with the framework's defaults where the file sets nothing.</summary>
    public JsonObject? DialectDefaults { get; init; }

    /// <summary>
    /// What the config was rendered for, from a rendered config's header (YAML comments or the JSON <c>trainplat</c>
    /// object) or from the resolution of a recipe id: <c>model</c> and <c>cluster</c>, as the YAML header writes them.
    /// Empty for a recipe file or a framework's config, which say neither.
    /// </summary>
    public IReadOnlyDictionary<string, string> Header { get; init; } = new Dictionary<string, string>();

    /// <summary>For a verl operand: the key tree variant it was read against.</summary>
    public Frameworks.VerlVariant? VerlVariant { get; init; }

    /// <summary>
    /// Tells the kinds apart: an existing file wins; then <c>job:ID</c>; then <c>X:Y</c> where X is not a
    /// drive letter is <c>REV:PATH</c>; then a name ending in <c>.yaml</c>, <c>.yml</c> or <c>.json</c>, or
    /// holding a slash, is a path; anything else is a recipe id.
    /// </summary>
    public static OperandKind Classify(string text, string workingDirectory)
    {
        if (text.Length > 0 && Path.Exists(Path.Combine(workingDirectory, text)))
        {
            return OperandKind.File;
        }

        if (text.StartsWith(JobPrefix, StringComparison.Ordinal))
        {
            return OperandKind.Job;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && !(colon == 1 && char.IsAsciiLetter(text[0])))
        {
            return OperandKind.GitRevision;
        }

        return text.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || text.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
               text.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.Contains('/', StringComparison.Ordinal) ||
               text.Contains('\\', StringComparison.Ordinal) || (colon == 1 && char.IsAsciiLetter(text[0]))
            ? OperandKind.File
            : OperandKind.Recipe;
    }

    /// <summary>
    /// Parses YAML or JSON text (pure, no I/O). The header comments of a rendered YAML config are
    /// comments anyway; the <c>trainplat</c> metadata object of a rendered JSON config is dropped.
    /// Returns null with a failure carrying the <c>file:line:col</c> diagnostics when the text does not parse.
    /// </summary>
    public static DiffOperand? Parse(string content, string operandText, OperandKind kind, string label, out DiffFailure? failure)
    {
        failure = null;
        var tree = YamlTreeReader.Parse(content, label);
        if (tree.HasErrors || tree.Root is not JsonObject root)
        {
            var errors = tree.Diagnostics.Where(d => d.IsError).ToArray();
            var first = errors.FirstOrDefault();
            failure = new DiffFailure($"{label} cannot be read as a YAML or JSON mapping",
                first is null ? null : string.Create(CultureInfo.InvariantCulture, $"fix the error shown above at {first.File}:{first.Line}:{first.Column}"), errors);
            return null;
        }

        var trainplatLayout = root["apiVersion"] is JsonValue api && api.TryGetValue<string>(out var version) &&
                              version.StartsWith("trainplat/", StringComparison.Ordinal);
        var header = RenderedHeader(content);
        if (!trainplatLayout && root["trainplat"] is JsonObject meta && meta.ContainsKey("tool_version"))
        {
            header = JsonHeader(meta);
            root.Remove("trainplat");
        }

        return new DiffOperand(operandText, kind, label, root, trainplatLayout) { Header = header };
    }

    /// <summary>The <c># model:</c> and <c># cluster:</c> lines of the comment block <c>render</c> writes at the top of a YAML config.</summary>
    internal static Dictionary<string, string> RenderedHeader(string content)
    {
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!content.StartsWith("# Rendered by trainplat ", StringComparison.Ordinal))
        {
            return header;
        }

        foreach (var line in content.Split('\n'))
        {
            if (!line.StartsWith('#'))
            {
                break;
            }

            var text = line[1..].Trim();
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && text[..colon] is "model" or "cluster")
            {
                header[text[..colon]] = text[(colon + 1)..].Trim();
            }
        }

        return header;
    }

    /// <summary>The same two facts from a rendered JSON config's <c>trainplat</c> object (model and parameters; GPUs and their memory).</summary>
    private static Dictionary<string, string> JsonHeader(JsonObject meta)
    {
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        string? Text(string key) => meta[key] is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
        double? Number(string key) => meta[key] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        var parameters = Number("parameters") is { } p ? string.Create(CultureInfo.InvariantCulture, $" ({(p / 1e9).ToString(p >= 1e11 ? "0" : "0.##", CultureInfo.InvariantCulture)}B parameters)") : "";
        if (Text("model") is { } model)
        {
            header["model"] = model + parameters;
        }
        else if (Text("model_size") is { } size)
        {
            header["model"] = "size " + size + parameters;
        }

        if (Number("gpus") is { } gpus)
        {
            header["cluster"] = string.Create(CultureInfo.InvariantCulture, $"{gpus} GPUs") +
                (Number("gpu_memory_gb") is { } gb ? string.Create(CultureInfo.InvariantCulture, $", {gb:0.#} GB each") : "");
        }

        return header;
    }
}
