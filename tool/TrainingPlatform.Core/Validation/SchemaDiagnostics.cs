using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Schema;
using TrainingPlatform.Core.Text;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Validation;

/// <summary>Turns JSON Schema failures into diagnostics a person can act on: position, plain words, a hint.</summary>
public static class SchemaDiagnostics
{
    public static IReadOnlyList<Diagnostic> Check(SchemaDocument schema, YamlTree tree)
    {
        if (tree.Root is null)
        {
            return [];
        }

        var result = new List<Diagnostic>();
        var seen = new HashSet<(string, string)>();
        foreach (var failure in schema.Evaluate(tree.Root))
        {
            var d = Map(schema, tree, failure);
            if (d is not null && seen.Add((d.Pointer, d.Code + d.Message)))
            {
                result.Add(d);
            }
        }

        // A missing key inside an unknown section says nothing new: keep the unknown-key error.
        return result;
    }

    private static Diagnostic? Map(SchemaDocument schema, YamlTree tree, SchemaFailure f)
    {
        var instance = Resolve(tree.Root, f.InstancePointer);
        var schemaPath = f.SchemaPointer;
        var path = PointerText.Dotted(f.InstancePointer);

        if (f.Keyword.Length == 0 && schemaPath.EndsWith("/additionalProperties", StringComparison.Ordinal))
        {
            var parentSchema = schema.NodeAt(schemaPath[..^"/additionalProperties".Length]);
            return UnknownKey(tree, f.InstancePointer, parentSchema);
        }

        // JsonSchema.Net reports a failed `not` at the subschema it negates, with no keyword.
        if (f.Keyword.Length == 0 && schemaPath.EndsWith("/not", StringComparison.Ordinal))
        {
            f = f with { Keyword = "not", SchemaPointer = schemaPath[..^"/not".Length] };
            schemaPath = f.SchemaPointer;
        }

        // The evaluation path names the subschema that holds the failing keyword (no $ref in our schemas).
        var node = schema.NodeAt(schemaPath) ?? schema.NodeForInstance(f.InstancePointer);
        var pos = tree.PositionOf(f.InstancePointer);

        switch (f.Keyword)
        {
            case "required":
                {
                    var present = instance is JsonObject o ? o.Select(p => p.Key).ToHashSet(StringComparer.Ordinal) : [];
                    var known = SchemaDocument.PropertyNames(node).ToHashSet(StringComparer.Ordinal);
                    var unknown = present.Where(p => !known.Contains(p)).ToArray();

                    // A misspelt required key is reported once, as an unknown key with its suggestion.
                    var missing = node?["required"] is JsonArray req
                        ? req.Select(r => r!.GetValue<string>())
                            .Where(r => !present.Contains(r) && !unknown.Any(u => Suggestions.Closest(u, [r], 1).Count > 0))
                            .ToArray()
                        : [];
                    if (missing.Length == 0)
                    {
                        return null;
                    }

                    var where = f.InstancePointer.Length == 0 ? "the file" : path;
                    var keyPos = f.InstancePointer.Length == 0 ? SourcePosition.Start : tree.KeyPositionOf(f.InstancePointer);
                    var example = missing.Contains("apiVersion") ? "add `apiVersion: trainplat/v1` as the first line" : $"add `{missing[0]}:` to {where}";
                    return new Diagnostic(DiagnosticCodes.MissingKey, Severity.Error, tree.File, keyPos.Line, keyPos.Column, f.InstancePointer,
                        $"{where} is missing required key{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}",
                        example);
                }

            case "type":
                {
                    var expected = SchemaWords.TypeNames(node);
                    var actual = SchemaWords.TypeOf(instance);
                    if (f.InstancePointer == "/version")
                    {
                        return new Diagnostic(DiagnosticCodes.BadVersion, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                            $"version {SchemaWords.Show(instance)} is {actual}, not a semantic version", "write it as MAJOR.MINOR.PATCH, e.g. `version: 1.0.0`");
                    }

                    string? hint = null;
                    if (instance is JsonValue v && v.TryGetValue<string>(out var s) && expected.Contains("number", StringComparison.Ordinal) &&
                        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    {
                        hint = "remove the quotes so the value is read as a number";
                    }
                    else if (instance is JsonValue b && b.TryGetValue<string>(out var word) && expected == "true or false" &&
                             Yaml.Yaml11.IsBooleanWord(word))
                    {
                        hint = $"write `{(word.ToLowerInvariant() is "yes" or "on" ? "true" : "false")}`: YAML 1.2 reads '{word}' as text";
                    }
                    else if (node?["enum"] is JsonArray choices)
                    {
                        hint = "allowed: " + string.Join(", ", choices.Select(c => c?.ToString()));
                    }

                    return new Diagnostic(DiagnosticCodes.WrongType, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                        $"{path} must be {expected}, not {actual} {SchemaWords.Show(instance)}", hint ?? Describe(node));
                }

            case "enum":
                {
                    var allowed = node?["enum"] is JsonArray e ? e.Select(x => x?.ToString() ?? "null").ToArray() : [];
                    var given = instance?.ToString() ?? "null";
                    var hint = Suggestions.DidYouMean(given, allowed, 1) ?? "allowed: " + string.Join(", ", allowed);
                    return new Diagnostic(DiagnosticCodes.NotAllowed, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                        $"{path} '{given}' is not one of: {string.Join(", ", allowed)}", hint);
                }

            case "const" when f.InstancePointer == "/apiVersion":
                return new Diagnostic(DiagnosticCodes.UnsupportedApiVersion, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                    $"unsupported apiVersion {SchemaWords.Show(instance)}: this trainplat reads trainplat/v1",
                    "write `apiVersion: trainplat/v1`, or upgrade trainplat if the file was written for a newer format");

            case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum":
                return new Diagnostic(DiagnosticCodes.OutOfRange, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                    $"{path} is {SchemaWords.Show(instance)}, but it must be {SchemaWords.RangeWords(node)}", Describe(node));

            case "not":
                return new Diagnostic(DiagnosticCodes.OutOfRange, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                    $"{path} is {SchemaWords.Show(instance)}, but it must be {SchemaWords.RangeWords(node ?? schema.NodeForInstance(f.InstancePointer))}", Describe(node));

            case "uniqueItems":
                return new Diagnostic(DiagnosticCodes.SchemaViolation, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                    $"{path} lists a value twice", "list each value once");

            case "minProperties" or "minItems":
                {
                    var options = SchemaDocument.PropertyNames(node);
                    return new Diagnostic(DiagnosticCodes.SchemaViolation, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                        $"{path} is empty",
                        options.Count > 0
                            ? $"give at least one of {string.Join(", ", options)}, or remove `{PointerText.Last(f.InstancePointer)}`"
                            : "add at least one item, or remove the key");
                }

            case "pattern" or "minLength" or "maxLength" or "format":
                if (f.InstancePointer == "/version")
                {
                    return new Diagnostic(DiagnosticCodes.BadVersion, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                        $"version {SchemaWords.Show(instance)} is not a semantic version (MAJOR.MINOR.PATCH, semver.org)", "e.g. `version: 1.0.0` or `version: 1.1.0-rc.1`");
                }

                return new Diagnostic(DiagnosticCodes.BadFormat, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                    f.Keyword == "minLength" && instance is JsonValue ? $"{path} is empty" : $"{path} {SchemaWords.Show(instance)} is not in the expected form",
                    Describe(node));

            case "additionalProperties" or "unevaluatedProperties" or "properties" or "items" or "allOf" or "anyOf" or "oneOf" or "":
                return null; // summaries of failures reported on their own

            default:
                return new Diagnostic(DiagnosticCodes.SchemaViolation, Severity.Error, tree.File, pos.Line, pos.Column, f.InstancePointer,
                    $"{path}: {f.Message}", Describe(node));
        }
    }

    private static Diagnostic UnknownKey(YamlTree tree, string pointer, JsonObject? parentSchema)
    {
        var key = PointerText.Last(pointer);
        var parent = PointerText.Parent(pointer);
        var known = SchemaDocument.PropertyNames(parentSchema);
        var where = parent.Length == 0 ? "at the top level" : "in " + PointerText.Dotted(parent);
        var hint = Suggestions.DidYouMean(key, known);

        // A config key in the wrong section: say where it belongs.
        if (parent == "/config" || (parent.StartsWith("/config/", StringComparison.Ordinal) && PointerText.Tokens(parent).Count == 2))
        {
            var elsewhere = RecipeSchema.Current.Keys.Where(k => k.Name == key).Select(k => "config." + k.Path).ToArray();
            if (elsewhere.Length > 0)
            {
                hint = $"'{key}' belongs in {string.Join(" or ", elsewhere.Select(e => e[..e.LastIndexOf('.')]))}";
            }
        }

        if (hint is null)
        {
            hint = known.Count is > 0 and <= 12
                ? "known keys: " + string.Join(", ", known)
                : parent.Length == 0 ? "framework-specific keys go under `extra:`" : "see docs/recipe-format.md for the keys of each section";
        }

        var pos = tree.KeyPositionOf(pointer);
        return new Diagnostic(DiagnosticCodes.UnknownKey, Severity.Error, tree.File, pos.Line, pos.Column, pointer,
            $"unknown key '{key}' {where}", hint);
    }

    internal static JsonNode? Resolve(JsonNode? root, string pointer)
    {
        var node = root;
        foreach (var token in PointerText.Tokens(pointer))
        {
            node = node switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static string? Describe(JsonObject? node)
    {
        var description = node?["description"]?.GetValue<string>();
        return description is null ? null : "expected: " + description;
    }
}
