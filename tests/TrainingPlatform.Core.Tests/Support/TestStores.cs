using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Lineage;

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

    /// <summary>A new store holding one pending job <paramref name="jobId"/> (a grpo_basic recipe), for the metrics tests.</summary>
    public static StoreDir WithJob(string jobId)
    {
        var dir = new StoreDir();
        using var store = Open(dir.Store);
        store.CreateJob(LineageSamples.NewJob(jobId, LineageSamples.Recipe("grpo_basic", "1.0.0", "rlhf", LineageSamples.T0), LineageSamples.T0));
        return dir;
    }
}
