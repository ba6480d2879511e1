using System.CommandLine;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Jobs;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Commands.Data;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Job;

internal static class CreateCommand
{
    public static Command Build(CliContext context)
    {
        var recipeArgument = new Argument<string?>("recipe") { Description = "A recipe id, or the path of a recipe file (as in `render RECIPE`).", Arity = ArgumentArity.ZeroOrOne };
        var recipe = new Option<string?>("--recipe", "-r") { Description = "The recipe, as an option (the same as the RECIPE argument).", HelpName = "ID" };
        var target = new RenderTargetOptions();
        var datasets = JobOptions.Datasets();
        var name = new Option<string?>("--name", "-n") { Description = "A name for people (ids stay the key)." };
        var tags = JobOptions.Tags();
        var force = new Option<bool>("--force") { Description = "Record the job even when pre-flight checks fail (the failures are recorded with it)." };
        var allowUnbumped = new Option<bool>("--allow-unbumped")
        {
            Description = "Record a recipe changed without a version bump anyway, as VERSION+sha.HASH (one id@version keeps one content).",
        };
        var store = StoreAccess.Option();
        var format = FormatOption.Create<TextFormat>();
        var ssh = new SshCliOptions();
        var command = new Command("create", "Render a recipe and record a pending job with its recipe version, config, datasets and git commit; prints the job id.")
        {
            recipeArgument, recipe, target.ModelSize, target.Model, target.Gpus, target.Nodes, target.GpusPerNode, target.GpuMemory, target.Sets, datasets, name, tags, force, allowUnbumped, store, format,
        };
        ssh.AddTo(command);
        command.SetAction(parse =>
        {
            var given = target.Bind(parse);
            var request = new JobCreateRequest(RecipeOf(parse.GetValue(recipeArgument), parse.GetValue(recipe)), given.ModelSize, given.Model, given.Gpus, given.Nodes, given.GpuMemory, given.Sets,
                parse.GetValue(datasets) ?? [], parse.GetValue(name), parse.GetValue(tags) ?? [], parse.GetValue(force))
            {
                GpusPerNode = given.GpusPerNode,
                AllowUnbumped = parse.GetValue(allowUnbumped),
                Ssh = ssh.Bind(parse, context),
                HashOn = ssh.HashMethod(parse),
            };
            return Record(context, parse.GetValue(store), request, format.Get(parse));
        });
        return command;
    }

    /// <summary>The recipe, given as the argument (like <c>render RECIPE</c>) or as <c>--recipe</c>; both only when they agree.</summary>
    private static string RecipeOf(string? argument, string? option) => (argument, option) switch
    {
        (null, null) => throw new UserErrorException("job create needs a recipe", "give it as the first argument, e.g. `trainplat job create grpo_basic -s 7B`"),
        ({ } a, { } o) when !string.Equals(a, o, StringComparison.Ordinal) =>
            throw new UserErrorException($"two recipes given: '{a}' (argument) and '{o}' (--recipe)", "give the recipe once, as the argument or as --recipe"),
        _ => argument ?? option!,
    };

    /// <summary>The shared path of create and clone: one Core call, then the job id (or JSON) and its pre-flight findings.</summary>
    internal static int Record(CliContext context, string? storeOption, JobCreateRequest request, TextFormat format)
    {
        var project = ProjectContext.Discover(context.WorkingDirectory);
        var environment = new JobEnvironment(project, context.Clock, () => JobRules.NewId(context.IdRandom), context.Origin,
            () => StoreAccess.Open(context, project, storeOption), () => StoreAccess.OpenForReading(context, project, storeOption))
        {
            Progress = progress => new SnapshotProgressWriter(context.Error, progress, enabled: context.ErrorIsTerminal && format != TextFormat.Json),
            Announce = job => Announce(context, job, format),
        };
        var (job, resolved) = JobCreator.Create(request, environment);
        JobFormatter.WriteCreatedSummary(context.Error, job, format);
        PreflightFormatter.WriteLines(context.Error, "job create", resolved.Findings, new Style(context.Color && context.ErrorIsTerminal), forced: true);
        return ExitCodes.Ok;
    }

    /// <summary>The id (or JSON) on stdout before the job commits: a failed write leaves no job nobody saw.</summary>
    private static void Announce(CliContext context, JobRecord job, TextFormat format)
    {
        try
        {
            JobFormatter.WriteCreatedId(context.Out, job, format);
            context.Out.Flush();
        }
        catch (IOException ex)
        {
            throw new UserErrorException($"could not write the new job's id to standard output ({ex.Message.TrimEnd('.')}); the job was not recorded",
                "run the command again with standard output going somewhere it can be written");
        }
    }
}
