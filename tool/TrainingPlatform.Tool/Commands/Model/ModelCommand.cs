using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Model;

/// <summary><c>trainplat model list|show</c>: the models <c>--model NAME</c> can name.</summary>
internal static class ModelCommand
{
    public static Command Build(CliContext context)
    {
        var model = new Command("model", "List and show the models --model can name (the built-in catalog plus trainplat.yaml `models:`).");
        model.Subcommands.Add(ListCommand.Build(context));
        model.Subcommands.Add(ShowCommand.Build(context));
        return model;
    }
}
