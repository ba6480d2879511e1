using System.Text;
using CsvHelper;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// Counts CSV/TSV records through CsvHelper: quoted newlines stay inside their record, the header row is not a
/// sample, empty lines are skipped (as Python's <c>csv.DictReader</c> does). A quoted field that is never
/// closed is an error with its line; a stray quote inside a field is read literally, as Python's <c>csv</c>
/// module does, and reported by <c>--check</c> together with records whose field count differs from the header.
/// </summary>
internal static class CsvCounter
{
    public static SampleCount Count(Stream input, char separator, bool check)
    {
        var problems = new ProblemList();
        CsvMalformedRecord? unterminated = null;
        var options = new CsvReaderOptions
        {
            Separator = separator,
            HasHeader = true,
            SkipEmptyLines = true,
            Mode = CsvMode.Rfc4180,
            MalformedData = CsvMalformedDataHandling.Recover,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
            TrackLineNumbers = true,
            BufferSize = 1 << 20,
            Encoding = new UTF8Encoding(false),
            OnMalformedRecord = record =>
            {
                if (record.Reason == CsvMalformedReason.UnterminatedQuote)
                {
                    unterminated ??= record;
                }
                else if (check)
                {
                    problems.Add(record.LineNumber, record.Reason switch
                    {
                        CsvMalformedReason.StrayQuote => "a quote inside an unquoted field (read literally)",
                        CsvMalformedReason.TextAfterClosingQuote => "text after the closing quote of a field",
                        _ => record.Reason.ToString(),
                    });
                }
            },
        };

        long records = 0;
        IReadOnlyList<string> headers;
        try
        {
            using var reader = CsvReader.Create(input, options, leaveOpen: true);
            while (reader.Read())
            {
                if (unterminated is not null)
                {
                    break;
                }

                records++;
                if (check && reader.Headers is { Count: var expected } && reader.FieldCount != expected)
                {
                    problems.Add(reader.LineNumber, $"{reader.FieldCount} fields, the header has {expected}");
                }
            }

            headers = reader.Headers ?? [];
        }
        catch (CsvFormatException ex)
        {
            throw new UserErrorException(ex.Message, ex);
        }

        if (unterminated is { } bad)
        {
            throw new UserErrorException($"unbalanced quote: the quoted field starting on line {bad.LineNumber} (record {bad.RecordNumber}) is never closed");
        }

        return new SampleCount(records, headers, problems.Items, problems.Count);
    }
}
