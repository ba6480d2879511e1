using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Frameworks;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Core.Yaml;

namespace TrainingPlatform.Core.Diffing;

/// <summary>Carries out a <see cref="DiffRequest"/>: checks the options against the operands, loads both, compares.</summary>
internal static class DiffRun
{
    private const string OperandKinds = "LEFT and RIGHT are each a YAML/JSON file, a recipe id, REV:PATH or job:ID";

    public static DiffResult Execute(DiffRequest request)
    {
        if (ModelChoice.IsConflict(request.ModelSize, request.Model))
        {
            return DiffResult.Fail(ModelChoice.BothGiven, ModelChoice.BothGivenHint);
        }

        var project = ProjectContext.Discover(request.WorkingDirectory);
        var rules = SeverityRules.FromGlobs(project.Config.Importance, out var rulesError);
        if (rules is null)
        {
            return DiffResult.Fail(rulesError!, project.ProjectFile is { } file ? "fix `importance:` in " + project.Display(file) : null);
        }

        var leftKind = DiffOperand.Classify(request.Left, request.WorkingDirectory);
        var rightKind = DiffOperand.Classify(request.Right, request.WorkingDirectory);
        if (SideOptionError("--left-size", "LEFT", request.Left, leftKind, request.LeftSize) is { } leftError)
        {
            return leftError;
        }

        if (SideOptionError("--right-size", "RIGHT", request.Right, rightKind, request.RightSize) is { } rightError)
        {
            return rightError;
        }

        foreach (var (option, side, operand, kind, value, size) in new[]
        {
            ("--left-model", "LEFT", request.Left, leftKind, request.LeftModel, request.LeftSize),
            ("--right-model", "RIGHT", request.Right, rightKind, request.RightModel, request.RightSize),
        })
        {
            if (SideOptionError(option, side, operand, kind, value) is { } modelError)
            {
                return modelError;
            }

            if (value is not null && size is not null)
            {
                return DiffResult.Fail($"give {option} or {option.Replace("-model", "-size", StringComparison.Ordinal)}, not both", ModelChoice.BothGivenHint);
            }
        }

        var recipeOption = request.ModelSize is not null ? "--model-size" : request.Model is not null ? "--model" : request.Gpus is not null ? "--gpus" : null;
        if (recipeOption is not null && leftKind != OperandKind.Recipe && rightKind != OperandKind.Recipe)
        {
            return DiffResult.Fail($"{recipeOption} applies to recipe ids, and neither operand is one",
                "files are compared as written; to compare a recipe resolved for a model, give its id (project recipes have ids too) " +
                "or render it first: trainplat render FILE --model-size 7B -o rendered.yaml");
        }

        var loader = new Loader(request, project);
        var left = loader.Load(request.Left, leftKind, request.LeftSize, request.LeftModel, out var failure);
        if (left is null)
        {
            return new DiffResult(null, failure);
        }

        var right = loader.Load(request.Right, rightKind, request.RightSize, request.RightModel, out failure);
        if (right is null)
        {
            return new DiffResult(null, failure);
        }

        // A verl file takes verl's value for what the other side sets and it leaves to verl's defaults; beside a recipe
        // file it lines up with the recipe's config: section.
        (left, right) = (DialectOperand.FilledFrom(left, right.TrainplatLayout ? right.Tree["config"] ?? right.Tree : right.Tree),
            DialectOperand.FilledFrom(right, left.TrainplatLayout ? left.Tree["config"] ?? left.Tree : left.Tree));
        if (left.Dialect is not null && right.TrainplatLayout)
        {
            left = DialectOperand.AsRecipeLayout(left);
        }
        else if (right.Dialect is not null && left.TrainplatLayout)
        {
            right = DialectOperand.AsRecipeLayout(right);
        }

        var changes = ConfigDiff.Compare(left.Tree, right.Tree, rules, left.TrainplatLayout || right.TrainplatLayout);
        return new DiffResult(new DiffReport(left, right, changes), null);
    }

    private static DiffResult? SideOptionError(string option, string side, string operand, OperandKind kind, string? value) =>
        value is null || kind == OperandKind.Recipe
            ? null
            : DiffResult.Fail($"{option} applies to a recipe id, and {side} '{operand}' is {KindWords(kind)}",
                $"drop {option}, or give a recipe id as {side}");

    private static string KindWords(OperandKind kind) => kind switch
    {
        OperandKind.GitRevision => "a file at a git revision",
        OperandKind.Job => "a job",
        _ => "a file",
    };

    private sealed class Loader(DiffRequest request, ProjectContext project)
    {
        private RecipeRegistry? _registry;

        public DiffOperand? Load(string text, OperandKind kind, string? sideSize, string? sideModel, out DiffFailure? failure)
        {
            failure = null;
            if (text.Length == 0)
            {
                failure = new DiffFailure("an operand is empty", OperandKinds);
                return null;
            }

            switch (kind)
            {
                case OperandKind.Job:
                    if (request.JobConfig is null)
                    {
                        failure = new DiffFailure("job: operands need the lineage store", "run the diff through `trainplat diff`, which opens it");
                        return null;
                    }

                    var (label, json) = request.JobConfig(text[DiffOperand.JobPrefix.Length..]);
                    return DiffOperand.Parse(json, text, kind, label, out failure);
                case OperandKind.GitRevision:
                    var content = GitRevisionFile.Read(text, request.WorkingDirectory, out failure);
                    return content is null ? null : Parse(content, text, kind, text, out failure);
                case OperandKind.Recipe:
                    return Recipe(text, sideSize, sideModel, out failure);
                default:
                    return File(text, out failure);
            }
        }

        private DiffOperand? File(string text, out DiffFailure? failure)
        {
            var full = Path.GetFullPath(Path.Combine(request.WorkingDirectory, text));
            if (Directory.Exists(full))
            {
                failure = new DiffFailure($"{text} is a folder, not a config file", OperandKinds);
                return null;
            }

            var content = SourceFile.Read(full, text, out var error);
            if (content is null)
            {
                var missing = !Path.Exists(full);
                failure = new DiffFailure(error!.Message, missing ? "check the path; " + OperandKinds : error.Hint);
                return null;
            }

            return Parse(content, text, OperandKind.File, text, out failure);
        }

        // A file that is no YAML/JSON mapping may be a verl launch file, and a flat mapping of TRL fields a TRL config
        // (both detected); --as verl / --as trl[:TRAINER] reads it as one.
        private DiffOperand? Parse(string content, string text, OperandKind kind, string label, out DiffFailure? failure)
        {
            if (request.Dialect == DialectOperand.Verl)
            {
                return DialectOperand.Parse(content, text, kind, label, out failure);
            }

            if (request.Dialect is { } dialect && dialect.StartsWith(DialectOperand.Trl, StringComparison.Ordinal))
            {
                return DialectOperand.ParseTrl(content, text, kind, label, dialect.Length > 4 ? dialect[4..] : null, out failure);
            }

            var operand = DiffOperand.Parse(content, text, kind, label, out failure);
            if (operand is null && request.Dialect is null && DialectOperand.LooksLikeVerl(content, label))
            {
                return DialectOperand.Parse(content, text, kind, label, out failure);
            }

            if (operand is { TrainplatLayout: false, Tree: JsonObject flat } && request.Dialect is null && TrlImport.GuessTrainer(flat) is { } trainer)
            {
                return DialectOperand.ParseTrl(content, text, kind, label, trainer, out failure);
            }

            return operand;
        }

        private DiffOperand? Recipe(string id, string? sideSize, string? sideModel, out DiffFailure? failure)
        {
            failure = null;
            _registry ??= RecipeRegistry.Load(project);
            if (_registry.Find(id) is null && _registry.Unusable(id) is not null)
            {
                var (message, hint) = _registry.NotFound(id);
                failure = new DiffFailure(message, hint);
                return null;
            }

            if (_registry.Find(id) is null)
            {
                var near = _registry.Nearest(id);
                failure = new DiffFailure($"unknown recipe '{id}' (and no file of that name)",
                    (near.Count > 0 ? "nearest: " + string.Join(", ", near) + " (`trainplat recipe list` shows them all); " : "`trainplat recipe list` shows the recipes there are; ") +
                    OperandKinds);
                return null;
            }

            // A side's own size or model replaces both shared options there.
            var side = sideSize is not null || sideModel is not null;
            var size = side ? sideSize : request.ModelSize;
            var model = side ? sideModel : request.Model;
            if (size is null && model is null)
            {
                failure = new DiffFailure($"comparing recipe id '{id}' needs the model: --model-size S (e.g. 7B) or --model NAME",
                    "a recipe id is compared as its resolved config; --left-size/--right-size (or --left-model/--right-model) set it for one side");
                return null;
            }

            var result = RecipeResolver.Resolve(new RenderRequest(id, size, model, request.Gpus, null, null, [], request.WorkingDirectory) { Recorded = request.Recorded });
            if (result.Config is not { } resolved)
            {
                failure = new DiffFailure(result.Error!, result.Hint, result.Diagnostics);
                return null;
            }

            var label = request.Gpus is { } gpus
                ? string.Create(CultureInfo.InvariantCulture, $"{id} ({resolved.SizeText}, {gpus} GPUs)")
                : $"{id} ({resolved.SizeText})";
            return new DiffOperand(id, OperandKind.Recipe, label, resolved.Config, false)
            {
                Header = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["model"] = Rendering.RenderedConfigWriter.ModelText(resolved),
                    ["cluster"] = Rendering.RenderedConfigWriter.ClusterText(resolved),
                },
            };
        }
    }
}
