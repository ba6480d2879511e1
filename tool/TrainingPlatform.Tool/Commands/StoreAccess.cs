using System.CommandLine;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;

namespace TrainingPlatform.Tool.Commands;

/// <summary>Finding and opening the project's lineage store, and turning Core's lineage failures into one line and exit 2.</summary>
internal static class StoreAccess
{
    public static Option<string?> Option() => new("--store")
    {
        Description = "The lineage store file (default: `store:` in trainplat.yaml, else .trainplat/lineage.db under the project root).",
        HelpName = "PATH",
    };

    /// <summary><c>--store</c> (relative to the working directory), else <c>store:</c> (relative to trainplat.yaml), else the default.</summary>
    public static string Path(ProjectContext project, string? option) =>
        option is not null ? System.IO.Path.GetFullPath(System.IO.Path.Combine(project.WorkingDirectory, option))
        : project.Config.Store is { } configured ? System.IO.Path.GetFullPath(System.IO.Path.Combine(project.Root, configured))
        : System.IO.Path.Combine(project.Root, ".trainplat", "lineage.db");

    /// <summary>Opens the store, creating it when missing; reports a migration (with its backup) on stderr.</summary>
    public static LineageStore Open(CliContext context, ProjectContext project, string? option) => Open(context, project, option, readOnly: false);

    /// <summary>
    /// Opens the store for a command that only reads: a missing store reads as empty and nothing is created
    /// (with a note when <c>--store</c> named it, in case of a typo).
    /// </summary>
    public static LineageStore OpenForReading(CliContext context, ProjectContext project, string? option) => Open(context, project, option, readOnly: true);

    private static LineageStore Open(CliContext context, ProjectContext project, string? option, bool readOnly)
    {
        var path = Path(project, option);
        if (Directory.Exists(path))
        {
            throw new CliException($"{project.Display(path)}: is a folder, not a lineage store file", "give the store file with --store PATH");
        }

        var store = readOnly ? LineageStore.OpenForReading(path, ToolVersion.Current) : LineageStore.Open(path, ToolVersion.Current);
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

    /// <summary>Turns Core's user-facing lineage and dataset failures into one line on stderr and exit 2.</summary>
    public static T Guard<T>(CliContext context, Func<T> action)
    {
        string shown(string path)
        {
            var relative = System.IO.Path.GetRelativePath(context.WorkingDirectory, path);
            return (relative.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(relative) ? path : relative).Replace('\\', '/');
        }

        try
        {
            return action();
        }
        catch (DatasetFormatException ex)
        {
            throw new CliException(ex.FilePath is null ? ex.Message : $"{shown(ex.FilePath)}: {ex.Message}");
        }
        catch (DatasetLookupException ex)
        {
            throw new CliException(ex.Message, ex.Hint);
        }
        catch (LineageStoreException ex)
        {
            throw new CliException(ex.Message, ex.Hint);
        }
        catch (JobException ex)
        {
            throw new CliException(ex.Message, ex.Hint);
        }
        catch (GitException ex)
        {
            throw new CliException(ex.Message, ex.Hint);
        }
        catch (FileNotFoundException ex) when (ex.FileName is not null && Core.Text.FileNames.NotUtf8(ex.FileName) is { } why)
        {
            throw new CliException($"{shown(ex.FileName)} {why}", Core.Text.FileNames.RenameHint);
        }
        catch (FileNotFoundException ex) when (ex.FileName is not null)
        {
            throw new CliException($"{shown(ex.FileName)}: no such file or folder");
        }
    }
}
