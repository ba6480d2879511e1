using System.CommandLine;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Core.Recipes;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands.Init;

internal static class InitCommand
{
    public static Command Build(CliContext context)
    {
        var directory = new Argument<string?>("dir")
        {
            Description = "The folder to set up (created when missing; default: the current folder).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var format = FormatOption.Create<TextFormat>();
        var command = new Command("init",
            "Set up a recipe repository: trainplat.yaml, an example recipe, the schemas for editors, .gitignore, a pre-commit config. Never overwrites a file.")
        {
            directory, format,
        };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(directory) ?? ".";
            var result = ProjectScaffold.Run(Path.Combine(context.WorkingDirectory, dir));
            InitFormatter.Write(context.Out, result, dir, format.Get(parse));
            return ExitCodes.Ok;
        });
        return command;
    }
}
