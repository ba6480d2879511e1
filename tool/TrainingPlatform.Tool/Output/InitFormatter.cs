using System.Text.Json.Nodes;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;

namespace TrainingPlatform.Tool.Output;

/// <summary>Text and JSON for <c>trainplat init</c>.</summary>
internal static class InitFormatter
{
    /// <param name="dir">The folder as the user gave it ("." for the current one).</param>
    public static void Write(TextWriter output, ScaffoldResult result, string dir, TextFormat format)
    {
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(ToJson(result)));
            return;
        }

        foreach (var step in result.Steps)
        {
            output.WriteLine(step.Action switch
            {
                ScaffoldAction.Created => $"created   {step.Path}",
                ScaffoldAction.Appended => $"appended  {step.Reason} to {step.Path}",
                _ => $"skipped   {step.Path} ({step.Reason})",
            });
        }

        var where = dir == "." ? "" : $"cd {dir} && ";
        output.WriteLine(result.ChangedAnything
            ? $"Next: {where}trainplat validate; for the pre-commit hooks, `dotnet new tool-manifest`, `dotnet tool install --local TrainingPlatform.Tool`, then `pre-commit install`."
            : "Nothing changed: every file was there already.");
    }

    private static JsonObject ToJson(ScaffoldResult result) => new()
    {
        ["directory"] = result.Directory.Replace('\\', '/'),
        ["steps"] = new JsonArray([.. result.Steps.Select(s => (JsonNode)new JsonObject
        {
            ["path"] = s.Path,
            ["action"] = s.Action.ToString().ToLowerInvariant(),
            ["reason"] = s.Reason,
        })]),
    };
}
