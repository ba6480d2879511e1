using System.Text.Json.Nodes;
using TrainingPlatform.Core.Datasets;
using static TrainingPlatform.Tool.Output.DataFormatter;

namespace TrainingPlatform.Tool.Output;

/// <summary>A finished <c>data fetch</c> or <c>data push</c> as the command reports it; <see cref="Added"/> (push only): the snapshot made a new version.</summary>
internal sealed record TransferReport(DatasetTransferResult Result, string LocalLabel, bool? Added);

/// <summary>Text and JSON for <c>data fetch</c> and <c>data push</c>: which version went where, what an earlier run had left, how it was verified.</summary>
internal static class TransferFormatter
{
    private const int ResumedShown = 10;

    public static void Write(TextWriter output, TransferReport report, TextFormat format)
    {
        var r = report.Result;
        var fetch = r.Direction == TransferDirection.Fetch;
        if (format == TextFormat.Json)
        {
            output.WriteLine(JsonText.Write(new JsonObject
            {
                ["direction"] = fetch ? "fetch" : "push",
                ["name"] = r.Version.Name,
                ["version"] = r.Version.Id,
                ["algorithm"] = r.Version.Algorithm,
                ["hash"] = r.Version.Hash,
                ["recorded"] = report.Added is { } added ? added ? "new" : "existing" : null,
                ["from"] = fetch ? r.RemoteUrl : report.LocalLabel,
                ["to"] = fetch ? report.LocalLabel : r.RemoteUrl,
                ["kind"] = r.Version.IsFolder ? "folder" : "file",
                ["files"] = r.Files.Count,
                ["size"] = r.Bytes,
                ["bytes_transferred"] = r.BytesTransferred,
                ["resumed"] = new JsonArray([.. r.Resumed.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["at"] = f.ResumedAt })]),
                ["verified"] = r.Verification,
            }));
            return;
        }

        output.WriteLine(TerminalText.Escape($"{(fetch ? "fetched" : "pushed")} {r.Version.Id} {(fetch ? "from " + r.RemoteUrl : "to " + r.RemoteUrl)}"));
        if (report.Added is { } isNew)
        {
            Field(output, "version", $"{r.Version.Id} ({(isNew ? "new: recorded now" : "already recorded " + Time(r.Version.Created))})");
        }

        Field(output, fetch ? "to" : "from", report.LocalLabel + (r.Version.IsFolder ? "/" : ""));
        var files = r.Version.IsFolder ? Invariant($", {r.Files.Count:N0} file{Plural(r.Files.Count)}") : "";
        Field(output, "size", $"{Bytes(r.Bytes)}{files}, {Bytes(r.BytesTransferred)} transferred");
        var resumed = r.Resumed;
        foreach (var f in resumed.Take(ResumedShown))
        {
            output.WriteLine(TerminalText.Escape(Invariant($"  resumed at {f.ResumedAt} bytes: {f.Path}")));
        }

        if (resumed.Count > ResumedShown)
        {
            output.WriteLine(Invariant($"  … and {resumed.Count - ResumedShown:N0} more resumed files (--format json lists every one)"));
        }

        Field(output, "verified", r.Verification);
    }
}
