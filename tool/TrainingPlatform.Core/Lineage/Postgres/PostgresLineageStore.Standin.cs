using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Lineage;

// STAND-IN (branch h20-pgcli only): the agreed signatures of the PostgreSQL store, written on branch h20-pgstore.
// Delete this file when that branch is merged; nothing else refers to more than these two methods.

/// <summary>What <c>store migrate</c> did to a server's schema (stand-in shape).</summary>
public sealed record MigrationResult(int? From, int To);

/// <summary>Stand-in: the PostgreSQL lineage store is not built on this branch yet.</summary>
public static class PostgresLineageStore
{
    public static ILineageStore Open(string connectionString, StoreOpenOptions options) => throw NotBuilt();

    public static MigrationResult Migrate(string connectionString, StoreOpenOptions options) => throw NotBuilt();

    private static UserErrorException NotBuilt() => new(
        "this trainplat cannot open a PostgreSQL lineage store yet (the server store is not built into it)",
        "use a lineage file (--store PATH) for now");
}
