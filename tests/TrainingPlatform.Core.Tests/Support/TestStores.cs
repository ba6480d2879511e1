using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Support;

/// <summary>Opens lineage stores for tests as the CLI does, with the system clock (batch order needs a moving one).</summary>
internal static class TestStores
{
    public static StoreOpenOptions Options(string toolVersion = "0.0.0", TimeSpan? timeout = null) =>
        new(TimeProvider.System) { ToolVersion = toolVersion, Timeout = timeout ?? StoreOpenOptions.DefaultTimeout };

    public static LineageStore Open(string path, string toolVersion = "0.0.0", TimeSpan? timeout = null) =>
        LineageStore.Open(path, Options(toolVersion, timeout));

    public static LineageStore OpenForReading(string path, string toolVersion = "0.0.0", TimeSpan? timeout = null) =>
        LineageStore.OpenForReading(path, Options(toolVersion, timeout));
}
