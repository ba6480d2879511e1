using System.Globalization;
using System.Text.Json.Nodes;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Tool.Output;

/// <summary><c>store info</c>, <c>store copy</c> and <c>store migrate</c> as text or JSON.</summary>
internal static class StoreFormatter
{
    public static string KindName(StoreKind kind) => kind == StoreKind.File ? "file" : "postgresql";

    public static void WriteInfo(TextWriter output, StoreSummary s, TextFormat format)
    {
        var c = s.Counts;
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["kind"] = KindName(s.Kind),
                ["location"] = s.Location,
                ["exists"] = s.Exists,
                ["schema"] = s.SchemaVersion,
                ["jobs"] = c.Jobs,
                ["recipe_versions"] = c.RecipeVersions,
                ["configs"] = c.Configs,
                ["dataset_versions"] = c.DatasetVersions,
                ["points"] = c.Points,
            }));
            return;
        }

        output.WriteLine($"kind:             {KindName(s.Kind)}");
        output.WriteLine($"location:         {s.Location}{(s.Exists ? "" : " (not created yet: nothing recorded)")}");
        output.WriteLine(Invariant($"schema:           {s.SchemaVersion}"));
        output.WriteLine(Invariant($"jobs:             {c.Jobs:N0}"));
        output.WriteLine(Invariant($"recipe versions:  {c.RecipeVersions:N0}"));
        output.WriteLine(Invariant($"configs:          {c.Configs:N0}"));
        output.WriteLine(Invariant($"dataset versions: {c.DatasetVersions:N0}"));
        output.WriteLine(Invariant($"metric points:    {c.Points:N0}"));
    }

    public static void WriteCopy(TextWriter output, StoreCopyResult r, string from, string to, TextFormat format)
    {
        var w = r.Written;
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["from"] = from,
                ["to"] = to,
                ["jobs_read"] = r.Read.Jobs,
                ["points_read"] = r.Read.Points,
                ["jobs_added"] = w.JobsAdded,
                ["jobs_updated"] = w.JobsUpdated,
                ["jobs_unchanged"] = w.JobsUnchanged,
                ["recipe_versions_added"] = w.RecipesAdded,
                ["configs_added"] = w.ConfigsAdded,
                ["dataset_versions_added"] = w.DatasetsAdded,
                ["points_added"] = w.PointsAdded,
            }));
            return;
        }

        output.WriteLine(Invariant($"copied {from} to {to}: {r.Read.Jobs:N0} job{Plural(r.Read.Jobs)} read: {w.JobsAdded:N0} added, {w.JobsUpdated:N0} updated (newer copy), {w.JobsUnchanged:N0} unchanged; ") +
            Invariant($"{w.RecipesAdded:N0} recipe version{Plural(w.RecipesAdded)}, {w.ConfigsAdded:N0} config{Plural(w.ConfigsAdded)}, {w.DatasetsAdded:N0} dataset version{Plural(w.DatasetsAdded)} and {w.PointsAdded:N0} metric point{Plural(w.PointsAdded)} added"));
    }

    /// <summary>The progress line of a copy's stage, for standard error.</summary>
    public static string CopyStage(StoreCopyStage stage, StoreCounts? read, string from, string to) => stage == StoreCopyStage.Reading
        ? $"trainplat: reading {from} ..."
        : Invariant($"trainplat: writing {read!.Jobs:N0} job{Plural(read.Jobs)} and {read.Points:N0} metric point{Plural(read.Points)} to {to} ...");

    public static void WriteMigration(TextWriter output, StoreMigration m, string shown, string? backup)
    {
        if (m.Created)
        {
            output.WriteLine(Invariant($"created the lineage store {shown} at schema {m.To}"));
        }
        else if (m.Changed)
        {
            output.WriteLine(Invariant($"upgraded the lineage store {shown} from schema {m.From} to {m.To}") + (backup is null ? "" : $"; the old file is kept as {backup}"));
        }
        else
        {
            output.WriteLine(Invariant($"the lineage store {shown} is at schema {m.To}, this trainplat's: nothing to do"));
        }
    }

    private static string Plural(long n) => n == 1 ? "" : "s";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
