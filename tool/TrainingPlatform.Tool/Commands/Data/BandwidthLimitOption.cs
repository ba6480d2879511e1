using System.CommandLine;

namespace TrainingPlatform.Tool.Commands.Data;

/// <summary><c>--bwlimit KIB_PER_SECOND</c> of <c>data fetch</c> and <c>data push</c>, as rsync's: a whole number of KiB per second.</summary>
internal static class BandwidthLimitOption
{
    public static Option<long?> Create()
    {
        var option = new Option<long?>("--bwlimit")
        {
            Description = "Limit the transfer rate to this many KiB per second (like rsync's --bwlimit). [default: no limit]",
            HelpName = "KIB_PER_SECOND",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is { } value && (value <= 0 || value > long.MaxValue / 1024))
            {
                result.AddError($"--bwlimit {value}: give a positive number of KiB per second (e.g. --bwlimit 1024 for 1 MiB/s)");
            }
        });
        return option;
    }

    /// <summary>The limit in bytes per second, or null for none.</summary>
    public static long? BytesPerSecond(ParseResult parse, Option<long?> option) => parse.GetValue(option) is { } kib ? kib * 1024 : null;
}
