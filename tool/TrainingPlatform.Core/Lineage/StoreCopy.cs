using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

/// <summary>Where <c>store copy</c> is: reading the source, then writing the target.</summary>
public enum StoreCopyStage
{
    Reading,
    Writing,
}

/// <summary>What <c>store copy</c> read from the source and what the target added.</summary>
public sealed record StoreCopyResult(StoreLocation From, StoreLocation To, StoreCounts Read, ImportCounts Written);

/// <summary>
/// <c>trainplat store copy FROM TO</c>: all lineage of one store into another (a file or a server each) through the
/// store contract — <see cref="ILineageStore.Export"/>, then <see cref="ILineageStore.Import"/> in one transaction.
/// Idempotent: records are keyed by content hashes and job ids, a job is replaced only by a newer copy and a metric
/// batch only added when missing, so a second copy adds nothing.
/// </summary>
public static class StoreCopy
{
    /// <param name="openSource">Opens the source for reading.</param>
    /// <param name="openTarget">Opens the target for writing (a missing file is created).</param>
    /// <param name="progress">Told when each stage starts, with what was read for <see cref="StoreCopyStage.Writing"/>.</param>
    public static StoreCopyResult Run(StoreLocation from, StoreLocation to, Func<StoreLocation, ILineageStore> openSource,
        Func<StoreLocation, ILineageStore> openTarget, Action<StoreCopyStage, StoreCounts?>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(openSource);
        ArgumentNullException.ThrowIfNull(openTarget);
        if (from.SameStore(to))
        {
            throw new UserErrorException(
                $"store copy: FROM and TO are the same store ({from.Display})",
                "give two different stores, such as the project's file and a postgresql:// URL");
        }

        progress?.Invoke(StoreCopyStage.Reading, null);
        LineageBundle bundle;
        using (var source = openSource(from))
        {
            if (!source.Info.Exists)
            {
                throw new UserErrorException(
                    $"store copy: there is no lineage store at {from.Display}",
                    "check the path: FROM must be an existing lineage file or a server with trainplat's schema");
            }

            bundle = source.Export(null);
        }

        var read = new StoreCounts(bundle.Jobs.Count, bundle.Recipes.Count, bundle.Configs.Count, bundle.Datasets.Count,
            bundle.Metrics.Sum(b => (long)b.Points.Count));
        progress?.Invoke(StoreCopyStage.Writing, read);
        using var target = openTarget(to);
        return new StoreCopyResult(from, to, read, target.Import(bundle));
    }
}

/// <summary>What <c>store info</c> shows: the kind, where (password masked), the schema, and how much is there.</summary>
public sealed record StoreSummary(StoreKind Kind, string Location, bool Exists, int SchemaVersion, StoreCounts Counts)
{
    public static StoreSummary Of(StoreLocation location, ILineageStore store, string shownLocation)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(store);
        return new StoreSummary(location.Kind, shownLocation, store.Info.Exists, store.Info.SchemaVersion, store.Counts());
    }
}
