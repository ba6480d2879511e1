using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Checks;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Validation;

namespace TrainingPlatform.Tool.Output;

/// <summary>
/// SARIF 2.1.0 for code-scanning uploads: one run, the TPxxxx codes as stable rule ids, paths relative
/// to the repository root (uriBaseId %SRCROOT%), a region for every result, and partial fingerprints
/// that survive lines moving (rule, file and JSON pointer).
/// </summary>
internal static partial class SarifFormatter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
    public const string FingerprintKey = "trainplat/v1";

    public static JsonObject ToSarif(CheckReport report)
    {
        var codes = report.Diagnostics.Select(d => d.Code).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = codes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        return new JsonObject
        {
            ["$schema"] = SchemaUri,
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject
                {
                    ["driver"] = new JsonObject
                    {
                        ["name"] = "trainplat",
                        ["version"] = ToolVersion.Current,
                        ["semanticVersion"] = ToolVersion.Current,
                        ["rules"] = new JsonArray([.. codes.Select(Rule)]),
                    },
                },
                ["results"] = new JsonArray([.. report.Diagnostics.Select(d => Result(report, d, index[d.Code]))]),
                ["properties"] = new JsonObject
                {
                    ["base"] = report.BaseLabel,
                    ["baseCommit"] = report.BaseCommit,
                    ["sizes"] = JsonText.Array(report.Sizes),
                },
            }),
        };
    }

    private static JsonNode Rule(string code)
    {
        var rule = new JsonObject { ["id"] = code, ["name"] = code };
        if (CheckCodes.Descriptions.TryGetValue(code, out var description))
        {
            rule["shortDescription"] = new JsonObject { ["text"] = description };
        }

        return rule;
    }

    private static JsonNode Result(CheckReport report, Diagnostic d, int ruleIndex)
    {
        var uri = Uri(report.RepositoryPath(d.File));
        return new JsonObject
        {
            ["ruleId"] = d.Code,
            ["ruleIndex"] = ruleIndex,
            ["level"] = d.IsError ? "error" : "warning",
            ["message"] = new JsonObject { ["text"] = d.Message + (d.Hint is null ? "" : "\nhint: " + d.Hint) },
            ["locations"] = new JsonArray(new JsonObject
            {
                ["physicalLocation"] = new JsonObject
                {
                    ["artifactLocation"] = new JsonObject { ["uri"] = uri, ["uriBaseId"] = "%SRCROOT%" },
                    ["region"] = new JsonObject { ["startLine"] = Math.Max(1, d.Line), ["startColumn"] = Math.Max(1, d.Column) },
                },
            }),
            ["partialFingerprints"] = new JsonObject { [FingerprintKey] = Fingerprint(d, uri) },
        };
    }

    /// <summary>A relative URI: each path segment percent-encoded.</summary>
    private static string Uri(string relativePath) => string.Join('/', relativePath.Split('/').Select(System.Uri.EscapeDataString));

    /// <summary>Rule, file, JSON pointer and the message with its numbers blanked: stable when lines move or versions change.</summary>
    private static string Fingerprint(Diagnostic d, string uri) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(d.Code + "\n" + uri + "\n" + d.Pointer + "\n" + Digits().Replace(d.Message, "#"))))[..32];

    [GeneratedRegex(@"\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();
}
