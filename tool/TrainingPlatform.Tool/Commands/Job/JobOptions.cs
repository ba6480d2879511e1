using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Job;

/// <summary>Options job create and job clone share (the render-target options are <see cref="RenderTargetOptions"/>).</summary>
internal static class JobOptions
{
    public static Option<string[]> Datasets() => new("--dataset", "-d")
    {
        Description = "A dataset the job reads: ROLE=PATH (snapshotted now; a PATH on another host is ssh://HOST/PATH or HOST:PATH), ROLE=NAME@HASH or ROLE=NAME (a recorded version). Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
        HelpName = "ROLE=PATH|ROLE=NAME@HASH",
    };

    public static Option<string[]> Tags() => new("--tag")
    {
        Description = "A tag for finding the job later. Repeatable.",
        Arity = ArgumentArity.ZeroOrMore,
    };
}
