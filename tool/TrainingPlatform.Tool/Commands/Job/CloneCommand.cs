using System.CommandLine;
using TrainingPlatform.Core.Jobs;
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
        var ssh = new Data.SshCliOptions();
        var command = new Command("clone", "A new pending job from a recorded one: the same recipe version (as recorded, even if the file changed since), overrides and datasets, with changes; records the parent. " +
            "--model-size or --model, --gpus and --nodes default to the parent's; each --set is a change on top of the parent's overrides.")
        {
            id, target.ModelSize, target.Model, target.Gpus, target.Nodes, target.GpuMemory, target.Sets, datasets, name, tags, force, store, format,
        };
        ssh.AddTo(command);
        command.SetAction(parse =>
        {
            var given = target.Bind(parse);
            var request = new JobCreateRequest(null, given.ModelSize, given.Model, given.Gpus, given.Nodes, given.GpuMemory, given.Sets,
                parse.GetValue(datasets) ?? [], parse.GetValue(name), parse.GetValue(tags) ?? [], parse.GetValue(force), Parent: parse.GetValue(id)!)
            {
                Ssh = ssh.Bind(parse, context),
                HashOn = ssh.HashMethod(parse),
            };
            return CreateCommand.Record(context, parse.GetValue(store), request, format.Get(parse));
        });
        return command;
    }
}
