using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Project;

namespace TrainingPlatform.Tool.Commands.Data;

/// <summary>The dataset catalog over the lineage store, as the data commands open it.</summary>
internal static class DatasetStoreAccess
{
    public static OpenedCatalog OpenCatalog(CliContext context, ProjectContext project, string? storeOption, bool readOnly = false)
    {
        var store = readOnly ? StoreAccess.OpenForReading(context, project, storeOption) : StoreAccess.Open(context, project, storeOption);
        return new OpenedCatalog(new DatasetCatalog(store, project.Root, context.Clock), store);
    }

    /// <summary>The recorded versions, read and the store closed again: for commands that hash files afterwards.</summary>
    public static DatasetCatalog ReadOnlyCatalog(CliContext context, ProjectContext project, string? storeOption)
    {
        using var store = StoreAccess.OpenForReading(context, project, storeOption);
        return new DatasetCatalog(new DatasetVersionList(store.List(null)), project.Root, context.Clock);
    }

    public sealed class OpenedCatalog(DatasetCatalog catalog, ILineageStore store) : IDisposable
    {
        public DatasetCatalog Catalog => catalog;

        public void Dispose() => store.Dispose();
    }
}
