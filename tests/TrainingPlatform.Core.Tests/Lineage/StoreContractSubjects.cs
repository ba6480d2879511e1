using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>The store contract on the embedded store: one LiteDB file per store name in the test's folder.</summary>
public sealed class LiteDbStoreContractTests : StoreContractTests
{
    private protected override ILineageStore Open(string name = "store") => TestStores.Open(Dir.File(name + ".db"));
}

/// <summary>The store contract on PostgreSQL (<c>TRAINPLAT_TEST_PG</c>): one fresh schema per store name, dropped after the test.</summary>
public sealed class PostgresStoreContractTests : StoreContractTests
{
    private readonly Dictionary<string, TestPostgres.Schema> _schemas = [];

    private protected override ILineageStore Open(string name = "store")
    {
        if (!_schemas.TryGetValue(name, out var schema))
        {
            _schemas[name] = schema = TestPostgres.NewSchema();
        }

        return PostgresLineageStore.Open(schema.ConnectionString, TestStores.Options());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var schema in _schemas.Values)
            {
                schema.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
