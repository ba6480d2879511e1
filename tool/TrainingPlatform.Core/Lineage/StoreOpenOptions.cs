using System.Globalization;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// What opening a lineage store takes from outside Core: the clock of the store's own bookkeeping (creation and
/// migration times, a second backup's name, the order of metric batches), the tool version it records, and how long
/// to wait for another process that holds the store. The CLI builds it once (<c>CliContext</c>).
/// </summary>
public sealed record StoreOpenOptions(TimeProvider Clock)
{
    /// <summary>The wait when <c>TRAINPLAT_STORE_TIMEOUT</c> is not set.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public string ToolVersion { get; init; } = "0.0.0";

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>The wait <c>TRAINPLAT_STORE_TIMEOUT</c> asks for: seconds ≥ 0; unset or anything else is the default, 60 s.</summary>
    public static TimeSpan TimeoutFrom(string? seconds) =>
        double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0
            ? TimeSpan.FromSeconds(s)
            : DefaultTimeout;
}
