using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

/// <summary>Finding and opening the project's lineage store, for the commands that read or write it.</summary>
internal static class StoreAccess
{
    public static Option<string?> Option() => new("--store")
    {
        Description = "The lineage store file (default: `store:` in trainplat.yaml, else .trainplat/lineage.db under the project root).",
        HelpName = "PATH",
    };

    /// <summary>Opens the store, creating it when missing; reports a migration (with its backup) on stderr.</summary>
    public static LineageStore Open(CliContext context, ProjectContext project, string? option) => Open(context, project, option, readOnly: false);

    /// <summary>
    /// Opens the store for a command that only reads: a missing store reads as empty and nothing is created
    /// (with a note when <c>--store</c> named it, in case of a typo).
    /// </summary>
    public static LineageStore OpenForReading(CliContext context, ProjectContext project, string? option) => Open(context, project, option, readOnly: true);

    /// <summary>
    /// The store's recorded recipe versions for <c>extends: ID@VERSION</c> pins; the project is found and the store
    /// opened (read-only) only when a pin names a version that is not the base's current one.
    /// </summary>
    public static StoreRecipeVersions Recorded(CliContext context, string workingDirectory, string? option = null) =>
        new(() => OpenForReading(context, ProjectContext.Discover(workingDirectory), option));

    /// <summary>The files of the store at <paramref name="storePath"/>, which a command's <c>-o</c> must not name.</summary>
    public static CommandInput[] Inputs(string storePath) =>
    [
        new(storePath, "the lineage store"),
        new(storePath + ".lock", "the lock file of the lineage store"),
        new(Path.Combine(Path.GetDirectoryName(storePath)!, Path.GetFileNameWithoutExtension(storePath) + "-log" + Path.GetExtension(storePath)), "the write-ahead log of the lineage store"),
    ];

    private static LineageStore Open(CliContext context, ProjectContext project, string? option, bool readOnly)
    {
        var path = project.StorePath(option);
        var store = readOnly ? LineageStore.OpenForReading(path, context.StoreOptions) : LineageStore.Open(path, context.StoreOptions);
        if (!store.Info.Exists && option is not null)
        {
            context.Error.WriteLine($"trainplat: note: there is no lineage store at {project.Display(path)} yet; nothing has been recorded there");
        }

        if (store.Info.MigratedFrom is { } from)
        {
            context.Error.WriteLine($"trainplat: upgraded the lineage store {project.Display(path)} from schema {from} to {store.Info.SchemaVersion}; the old file is kept as {project.Display(store.Info.BackupPath!)}");
        }

        return store;
    }
}
