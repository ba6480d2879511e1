using System.Text.Json;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// Counts a <c>.json</c> file as it streams past: the elements of a top-level array, or else the number of
/// top-level values (so JSON Lines saved as <c>.json</c> counts its lines). Fields: the union of the keys of
/// the first 100 samples that are objects. Invalid JSON is an error with its line.
/// </summary>
internal static class JsonValueCounter
{
    public static SampleCount Count(Stream input)
    {
        var buffer = new byte[1 << 20];
        var length = 0;
        var final = false;
        var state = new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = 256 });
        long topLevel = 0, elements = 0;
        var rootIsArray = false;
        var topFields = new FieldUnion();
        var elementFields = new FieldUnion();
        var first = true;

        while (!final)
        {
            while (length < buffer.Length)
            {
                var n = input.Read(buffer, length, buffer.Length - length);
                if (n == 0)
                {
                    final = true;
                    break;
                }

                length += n;
            }

            var start = 0;
            if (first)
            {
                first = false;
                if (buffer.AsSpan(0, length).StartsWith(Signatures.Utf8Bom))
                {
                    start = 3;
                }
            }

            var reader = new Utf8JsonReader(buffer.AsSpan(start, length - start), final, state);
            try
            {
                while (reader.Read())
                {
                    var startsValue = reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.String
                        or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null;
                    if (startsValue && reader.CurrentDepth == 0)
                    {
                        topLevel++;
                        rootIsArray = topLevel == 1 && reader.TokenType == JsonTokenType.StartArray;
                    }
                    else if (startsValue && reader.CurrentDepth == 1 && rootIsArray && topLevel == 1)
                    {
                        elements++;
                    }
                    else if (reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.CurrentDepth == 1 && topLevel <= SampleCount.FieldSampleCount)
                        {
                            topFields.Add(reader.GetString()!);
                        }
                        else if (reader.CurrentDepth == 2 && rootIsArray && topLevel == 1 && elements <= SampleCount.FieldSampleCount)
                        {
                            elementFields.Add(reader.GetString()!);
                        }
                    }
                }
            }
            catch (JsonException ex)
            {
                throw new UserErrorException($"invalid JSON at line {ex.LineNumber + 1}: {JsonLinesCounter.JsonError(ex)}", ex);
            }

            var consumed = start + (int)reader.BytesConsumed;
            state = reader.CurrentState;
            if (!final && consumed == 0 && length == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2); // one token longer than the buffer
            }

            buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
            length -= consumed;
        }

        return rootIsArray && topLevel == 1
            ? new SampleCount(elements, elementFields.Names, [], 0)
            : new SampleCount(topLevel, topFields.Names, [], 0);
    }
}
