using System.Globalization;

namespace TrainingPlatform.Core.Lineage;

/// <summary>What <c>store migrate</c> did: created the schema, upgraded it from an older one, or found it current.</summary>
/// <param name="From">The schema before (null when the store was created).</param>
/// <param name="To">The schema now.</param>
/// <param name="BackupPath">For a file upgraded: the copy of the old file.</param>
public sealed record StoreMigration(StoreLocation Location, int? From, int To, string? BackupPath)
{
    public bool Created => From is null;

    public bool Changed => From != To;
}

/// <summary>
/// The one way to open a lineage store from a <see cref="StoreLocation"/>: a LiteDB file (<see cref="LineageStore"/>)
/// or a PostgreSQL database (<see cref="PostgresLineageStore"/>), both as <see cref="ILineageStore"/>.
/// </summary>
public static class LineageStores
{
    /// <summary>
    /// Opens the store for writing. A file is created when missing and an older file upgraded (with a backup); a server
    /// must have the current schema (<c>trainplat store migrate</c> creates and upgrades it).
    /// </summary>
    public static ILineageStore Open(StoreLocation location, StoreOpenOptions options)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Kind == StoreKind.File ? LineageStore.Open(location.Value, options) : PostgresLineageStore.Open(location.Value, options);
    }

    /// <summary>Opens the store for a command that only reads: a missing file reads as empty and nothing is created.</summary>
    public static ILineageStore OpenForReading(StoreLocation location, StoreOpenOptions options)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.Kind == StoreKind.File ? LineageStore.OpenForReading(location.Value, options) : PostgresLineageStore.Open(location.Value, options);
    }

    /// <summary>Creates the store's schema or upgrades it to this trainplat's (a file keeps a backup of its old self).</summary>
    public static StoreMigration Migrate(StoreLocation location, StoreOpenOptions options)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location.Kind == StoreKind.Postgres)
        {
            var result = PostgresLineageStore.Migrate(location.Value, options);
            return new StoreMigration(location, result.From == 0 ? null : result.From, result.To, null);
        }

        var existed = File.Exists(location.Value);
        using var store = LineageStore.Open(location.Value, options);
        var info = store.Info;
        var from = !existed ? (int?)null
            : info.MigratedFrom is { } migrated ? int.Parse(migrated, NumberStyles.None, CultureInfo.InvariantCulture)
            : info.SchemaVersion;
        return new StoreMigration(location, from, info.SchemaVersion, info.BackupPath);
    }
}
