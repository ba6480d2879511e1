using System.Diagnostics;
using System.Globalization;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;

// Writes to a lineage store from its own process, for the Core tests of concurrent writers and kill -9:
//   log STORE JOB COUNT WRITER   COUNT single-point writes, each its own Open → AppendMetrics → Dispose (like
//                                separate `trainplat metrics log` runs); point i of writer w is step w*1,000,000+i.
//   import STORE JOB POINTS      one AppendMetrics of POINTS points (steps 1000, 1001, …; metric "loss");
//                                prints "ready" before opening the store, then "opened MS", "committed MS" and
//                                "closed MS" (milliseconds since "ready") as it goes.
// STORE is a LiteDB file, or a PostgreSQL store (a postgresql:// URL or an Npgsql connection string with Host=): the
// same runs against the team store.
//   history FILE SEED JOBS       writes ExperienceHistory.Generate(SEED, JOBS) as a `trainplat job export` file
//                                (for the suggest/recommend tests and benchmark: `trainplat job import FILE`).
// Exit codes: 0 done, 1 the store refused, 2 usage.
if (args.Length < 4 || !long.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
{
    Console.Error.WriteLine("usage: log STORE JOB COUNT WRITER | import STORE JOB POINTS | history FILE SEED JOBS");
    return 2;
}

var (store, job) = (args[1], args[2]);
var options = new StoreOpenOptions(TimeProvider.System) { ToolVersion = "storewriter", Timeout = TimeSpan.FromSeconds(120) };
var time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
try
{
    switch (args[0])
    {
        case "history" when int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seed):
            var history = TrainingPlatform.Core.Tests.Experience.ExperienceHistory.Generate(seed, (int)count);
            using (var file = File.Create(args[1]))
            {
                LineageExchange.Write(file, history.ToBundle(), "storewriter");
            }

            return 0;
        case "log" when args.Length == 5 && int.TryParse(args[4], NumberStyles.None, CultureInfo.InvariantCulture, out var writer):
            for (var i = 0L; i < count; i++)
            {
                using var lineage = Open(store, options);
                var step = (writer * StoreWriterSteps.PerWriter) + i;
                lineage.AppendMetrics(job, [new MetricPoint(step, "loss", i, time.AddMilliseconds(step))], null, DateTimeOffset.UtcNow);
            }

            return 0;
        case "import" when args.Length == 4:
            var points = new MetricPoint[count];
            for (var i = 0; i < points.Length; i++)
            {
                points[i] = new MetricPoint(StoreWriterSteps.ImportFirst + i, "loss", i * 0.001, time.AddMilliseconds(i));
            }

            var clock = Stopwatch.StartNew();
            void Say(string what) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what} {clock.Elapsed.TotalMilliseconds:0.0}"));
            Console.WriteLine("ready");
            using (var lineage = Open(store, options))
            {
                Say("opened");
                lineage.AppendMetrics(job, points, null, DateTimeOffset.UtcNow);
                Say("committed");
            }

            Say("closed");
            return 0;
        default:
            Console.Error.WriteLine("usage: log STORE JOB COUNT WRITER | import STORE JOB POINTS | history FILE SEED JOBS");
            return 2;
    }
}
catch (UserErrorException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

static ILineageStore Open(string store, StoreOpenOptions options) =>
    store.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) || store.Contains("Host=", StringComparison.OrdinalIgnoreCase)
        ? PostgresLineageStore.Open(store, options)
        : LineageStore.Open(store, options);

/// <summary>How the helper numbers its steps; the tests decode them.</summary>
internal static class StoreWriterSteps
{
    public const long PerWriter = 1_000_000;
    public const long ImportFirst = 1000;
}
