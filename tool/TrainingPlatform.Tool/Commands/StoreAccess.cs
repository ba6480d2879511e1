using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;
using TrainingPlatform.Tool.Output;

namespace TrainingPlatform.Tool.Commands;

/// <summary>Finding and opening the project's lineage store (a file or a PostgreSQL server), for the commands that read or write it.</summary>
internal static class StoreAccess
{
    public static Option<string?> Option() => new("--store")
    {
        Description = "The lineage store: a file path or a postgresql://USER@HOST:PORT/DATABASE URL (default: TRAINPLAT_STORE, else `store:` in trainplat.yaml, else .trainplat/lineage.db under the project root).",
        HelpName = "PATH|URL",
    };

    /// <summary>Where the store is: <c>--store</c>, else TRAINPLAT_STORE, else <c>store:</c> in trainplat.yaml, else the default file.</summary>
    public static StoreLocation Location(CliContext context, ProjectContext project, string? option) =>
        StoreLocation.Resolve(project, option, context.StoreVariable);

    /// <summary>Opens the store, creating a missing file; reports a file's migration (with its backup) on stderr.</summary>
    public static ILineageStore Open(CliContext context, ProjectContext project, string? option) =>
        Open(context, Location(context, project, option), Named(context, option), readOnly: false);

    /// <summary>
    /// Opens the store for a command that only reads: a missing file reads as empty and nothing is created
    /// (with a note when <c>--store</c> or TRAINPLAT_STORE named it, in case of a typo).
    /// </summary>
    public static ILineageStore OpenForReading(CliContext context, ProjectContext project, string? option) =>
        Open(context, Location(context, project, option), Named(context, option), readOnly: true);

    /// <summary>
    /// The store's recorded recipe versions for <c>extends: ID@VERSION</c> pins; the project is found and the store
    /// opened (read-only) only when a pin names a version that is not the base's current one.
    /// </summary>
    public static StoreRecipeVersions Recorded(CliContext context, string workingDirectory, string? option = null) =>
        new(() => OpenForReading(context, ProjectContext.Discover(workingDirectory), option));

    /// <summary>The files of a lineage file, which a command's <c>-o</c> must not name (none for a server).</summary>
    public static CommandInput[] Inputs(StoreLocation location)
    {
        if (location.Kind != StoreKind.File)
        {
            return [];
        }

        var path = location.FilePath;
        return
        [
            new(path, "the lineage store"),
            new(path + ".lock", "the lock file of the lineage store"),
            new(Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path)), "the write-ahead log of the lineage store"),
        ];
    }

    /// <summary>Opens the store at a location given outright (<c>store copy FROM TO</c>).</summary>
    public static ILineageStore Open(CliContext context, StoreLocation location, bool named, bool readOnly)
    {
        var store = readOnly ? LineageStores.OpenForReading(location, context.StoreOptions) : LineageStores.Open(location, context.StoreOptions);
        var shown = location.DisplayFrom(context.WorkingDirectory);
        if (!store.Info.Exists && named)
        {
            context.Error.WriteLine($"trainplat: note: there is no lineage store at {shown} yet; nothing has been recorded there");
        }

        if (store.Info.MigratedFrom is { } from)
        {
            var backup = store.Info.BackupPath is { } b ? $"; the old file is kept as {new StoreLocation(StoreKind.File, b).DisplayFrom(context.WorkingDirectory)}" : "";
            context.Error.WriteLine($"trainplat: upgraded the lineage store {shown} from schema {from} to {store.Info.SchemaVersion}{backup}");
        }

        return store;
    }

    private static bool Named(CliContext context, string? option) => option is not null || !string.IsNullOrWhiteSpace(context.StoreVariable);
}
