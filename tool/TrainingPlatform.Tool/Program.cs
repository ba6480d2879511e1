using TrainingPlatform.Tool;

return Cli.Run(args, CliContext.FromConsole());
