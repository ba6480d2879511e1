using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Experience;

/// <summary>What <c>suggest</c> looks at: a resolved config with its recipe, task, algorithm and model size.</summary>
/// <param name="Recipe">The recipe entry, when the config came from a recipe the registry knows (needed by <c>--write</c>).</param>
public sealed record SuggestTarget(
    string Label,
    JsonObject Config,
    string RecipeId,
    string Task,
    string Algorithm,
    double Parameters,
    string SizeText,
    RecipeEntry? Recipe,
    IReadOnlyList<string> Sets);

/// <summary>
/// Loads the target of <c>suggest</c>: a recipe id or recipe file (resolved for the model size like
/// <c>render</c>), or a rendered config file (YAML or JSON as <c>render</c> writes it: the recipe and model
/// size are read from its header, <c>--model-size</c> overrides the size).
/// </summary>
public static partial class SuggestTargets
{
    [GeneratedRegex(@"^# recipe:\s+(?<id>[a-z][a-z0-9_]*)@(?<version>\S+)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex RecipeHeader();

    [GeneratedRegex(@"^# model:.*\((?<size>[0-9.]+[KMBT]) parameters\)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex ModelHeader();

    /// <param name="recordedRecipe">Task and algorithm of a recipe id the registry does not know (from the lineage store).</param>
    public static SuggestTarget Load(string reference, string? modelSize, string? model, int? gpus, IReadOnlyList<string> sets, string workingDirectory,
        Func<string, (string Task, string Algorithm)?> recordedRecipe)
    {
        var project = ProjectContext.Discover(workingDirectory);
        var full = Path.GetFullPath(Path.Combine(workingDirectory, reference));
        if (File.Exists(full))
        {
            var text = SourceFile.Read(full, project.Display(full), out var error)
                ?? throw new UserErrorException(error!.Message, error.Hint);
            var tree = YamlTreeReader.Parse(text, project.Display(full));
            if (tree.HasErrors || tree.Root is not JsonObject root)
            {
                throw new UserErrorException($"{project.Display(full)} cannot be read as a YAML or JSON mapping", "fix the errors shown above")
                {
                    Diagnostics = [.. tree.Diagnostics.Where(d => d.IsError)],
                };
            }

            if (root["apiVersion"] is JsonValue api && api.TryGetValue<string>(out var v) && v.StartsWith("trainplat/", StringComparison.Ordinal))
            {
                return FromRecipe(reference, modelSize, model, gpus, sets, workingDirectory, project);
            }

            if (sets.Count > 0)
            {
                throw new UserErrorException("--set applies to a recipe, and the target is a rendered config", "give the recipe id instead, or edit the config");
            }

            return FromRendered(project.Display(full), text, root, modelSize, project, recordedRecipe);
        }

        return FromRecipe(reference, modelSize, model, gpus, sets, workingDirectory, project);
    }

    private static SuggestTarget FromRecipe(string reference, string? modelSize, string? model, int? gpus, IReadOnlyList<string> sets, string workingDirectory, ProjectContext project)
    {
        if (modelSize is null && model is null)
        {
            throw new UserErrorException($"suggesting for recipe '{reference}' needs the model", "give --model-size S (e.g. 7B) or --model NAME");
        }

        var result = RecipeResolver.Resolve(new RenderRequest(reference, modelSize, model, gpus, null, null, sets, workingDirectory));
        if (result.Config is not { } resolved)
        {
            throw new UserErrorException(result.Error!, result.Hint) { Diagnostics = result.Diagnostics };
        }

        var entry = RecipeRegistry.Load(project).Find(resolved.Recipe.Id);
        return new SuggestTarget($"{resolved.Recipe.Id}@{resolved.Recipe.Version} at {resolved.SizeText}", resolved.Config, resolved.Recipe.Id,
            resolved.Recipe.Task, resolved.Recipe.Algorithm, resolved.Parameters, resolved.SizeText,
            entry is not null && entry.Document.FullPath == resolved.Document.FullPath ? entry : null, sets);
    }

    private static SuggestTarget FromRendered(string label, string text, JsonObject root, string? modelSize, ProjectContext project,
        Func<string, (string Task, string Algorithm)?> recordedRecipe)
    {
        string? recipeId = null;
        string? sizeText = null;
        var config = (JsonObject)root.DeepClone();
        if (config["trainplat"] is JsonObject meta)
        {
            recipeId = meta["recipe"]?.GetValue<string>();
            sizeText = meta["model_size"]?.GetValue<string>();
            if (meta["parameters"] is JsonValue p && p.TryGetValue<double>(out var parameters) && parameters > 0)
            {
                sizeText = (parameters / 1e9).ToString("0.###", CultureInfo.InvariantCulture) + "B";
            }

            config.Remove("trainplat");
        }
        else
        {
            recipeId = RecipeHeader().Match(text) is { Success: true } r ? r.Groups["id"].Value : null;
            sizeText = ModelHeader().Match(text) is { Success: true } m ? m.Groups["size"].Value : null;
        }

        sizeText = modelSize ?? sizeText;
        if (recipeId is null)
        {
            throw new UserErrorException($"{label} does not say which recipe it was rendered from",
                "give a config written by `trainplat render` (its header names the recipe), or the recipe id with --model-size");
        }

        if (sizeText is null || !ModelSize.TryParse(sizeText, out var size))
        {
            throw new UserErrorException($"{label} does not say the model size", "give --model-size S");
        }

        var entry = RecipeRegistry.Load(project).Find(recipeId);
        var (task, algorithm) = entry is not null
            ? (entry.Recipe.Task, entry.Recipe.Algorithm)
            : recordedRecipe(recipeId) ?? throw new UserErrorException($"{label} was rendered from recipe '{recipeId}', which is neither in the recipe folders nor in the lineage store",
                "suggest needs the recipe's task and algorithm: restore the recipe, or suggest for a recipe id");
        return new SuggestTarget($"{label} ({recipeId} at {sizeText})", config, recipeId, task, algorithm, size.Parameters, sizeText, null, []);
    }
}
