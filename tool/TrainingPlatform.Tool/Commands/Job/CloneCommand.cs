using System.CommandLine;
using System.Globalization;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Resolution;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class CloneCommand
{
    public static Command Build(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The job to clone (an id or a unique prefix)." };
        var target = new RenderTargetOptions();
        var datasets = JobOptions.Datasets();
        datasets.Description = "Replace the dataset of a role (default: the parent's versions): ROLE=PATH or ROLE=NAME@HASH. Repeatable.";
        var name = new Option<string?>("--name", "-n") { Description = "A name for the new job." };
        var tags = JobOptions.Tags();
        var force = new Option<bool>("--force") { Description = "Record the job even when pre-flight checks fail." };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("clone", "A new pending job from a recorded one: the same recipe version (as recorded, even if the file changed since), overrides and datasets, with changes; records the parent. " +
            "--model-size or --model, --gpus and --nodes default to the parent's; each --set is a change on top of the parent's overrides.")
        {
            id, target.ModelSize, target.Model, target.Gpus, target.Nodes, target.GpuMemory, target.Sets, datasets, name, tags, force, store, format,
        };
        command.SetAction(parse => StoreAccess.Guard(context, () =>
        {
            var given = target.Bind(parse);
            var project = ProjectContext.Discover(context.WorkingDirectory);
            JobRecord parent;
            IReadOnlyList<Core.Recipes.RecipeDocument> pinned;
            using (var lineage = StoreAccess.OpenForReading(context, project, parse.GetValue(store)))
            {
                parent = Jobs.Resolve(lineage, parse.GetValue(id)!);
                pinned = Jobs.PinnedRecipes(lineage, parent);
            }

            var size = given.ModelSize;
            var catalogModel = given.Model;
            if (size is null && catalogModel is null)
            {
                (size, catalogModel) = parent.Model is { } m ? ((string?)null, (string?)m) : (parent.ModelSize, null);
            }

            var request = new RenderRequest(parent.RecipeId, size, catalogModel, given.Gpus ?? parent.Gpus, given.Nodes ?? parent.Nodes,
                given.GpuMemory, [.. parent.Sets, .. given.Sets], context.WorkingDirectory)
            {
                Pinned = pinned,
            };
            var replaced = (parse.GetValue(datasets) ?? []).Select(Jobs.ParseDataset).Select(d => d.Role).ToHashSet(StringComparer.Ordinal);
            var inherited = parent.Datasets.Where(d => !replaced.Contains(d.Role)).ToArray();
            return CreateCommand.Record(context, parse.GetValue(store), request, parse.GetValue(datasets) ?? [], inherited, parse.GetValue(name), parse.GetValue(tags) ?? [],
                parent.Id, parse.GetValue(force), parse.GetValue(format) == TextFormat.Json);
        }));
        return command;
    }
}
