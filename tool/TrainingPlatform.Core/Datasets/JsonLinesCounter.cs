using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using TrainingPlatform.Core.Diagnostics;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// Counts the non-blank lines of JSON Lines fed to it in chunks (blank: only spaces, tabs and CR; a UTF-8 BOM
/// at the start is ignored). Lines are searched with vectorized <c>IndexOf</c>; a line is copied aside only
/// while fields are collected (the first 100 samples) or when <c>--check</c> parses every line.
/// </summary>
internal sealed class JsonLinesCounter
{
    private static readonly SearchValues<byte> Blank = SearchValues.Create(" \t\r"u8);
    private static readonly SearchValues<byte> ValueStart = SearchValues.Create("{[\"-0123456789tfn"u8);

    private readonly bool _check;
    private readonly ArrayBufferWriter<byte> _line = new();
    private readonly FieldUnion _fields = new();
    private readonly ProblemList _problems = new();
    private long _lineNumber = 1;
    private long _samples;
    private bool _lineHasContent;
    private bool _started;
    private bool _firstChecked;
    private int _fieldSamples;

    public JsonLinesCounter(bool check) => _check = check;

    private bool Collecting => _check || !_firstChecked || _fieldSamples < SampleCount.FieldSampleCount;

    /// <summary>Without <c>--check</c>: the first line was checked and the fields of the first 100 samples are known; the rest only counts.</summary>
    public bool FieldsComplete => !Collecting;

    public void Feed(ReadOnlySpan<byte> data)
    {
        if (!_started && data.Length > 0)
        {
            _started = true;
            if (data.StartsWith(Signatures.Utf8Bom))
            {
                data = data[3..];
            }
        }

        while (true)
        {
            var newline = data.IndexOf((byte)'\n');
            var segment = newline < 0 ? data : data[..newline];
            if (!_lineHasContent && segment.IndexOfAnyExcept(Blank) >= 0)
            {
                _lineHasContent = true;
            }

            if (_lineHasContent && Collecting)
            {
                _line.Write(segment);
            }

            if (newline < 0)
            {
                return;
            }

            EndLine();
            data = data[(newline + 1)..];
        }
    }

    public SampleCount Finish()
    {
        if (_lineHasContent)
        {
            EndLine();
        }

        return new SampleCount(_samples, _fields.Names, _problems.Items, _problems.Count);
    }

    private void EndLine()
    {
        if (_lineHasContent)
        {
            _samples++;
            if (_line.WrittenCount > 0)
            {
                Inspect(_line.WrittenSpan);
                _line.ResetWrittenCount();
            }
        }

        _lineHasContent = false;
        _lineNumber++;
    }

    private void Inspect(ReadOnlySpan<byte> line)
    {
        var start = line.IndexOfAnyExcept(Blank);
        line = line[start..];
        if (!_firstChecked)
        {
            _firstChecked = true;
            if (!ValueStart.Contains(line[0]))
            {
                throw new UserErrorException(
                    $"not JSON Lines: line {_lineNumber} starts with {Describe(line[0])}, not a JSON value");
            }
        }

        var collectFields = _fieldSamples < SampleCount.FieldSampleCount;
        if (!_check && !collectFields)
        {
            return;
        }

        _fieldSamples++;
        if (_check && !Utf8.IsValid(line))
        {
            // Utf8JsonReader does not validate the bytes inside strings it is not asked to decode.
            _problems.Add(_lineNumber, $"invalid UTF-8 (byte 0x{line[FirstInvalidUtf8(line)]:X2} at column {FirstInvalidUtf8(line) + start + 1})");
            return;
        }

        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
                if (collectFields && reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    _fields.Add(reader.GetString()!);
                }
                else if (!_check && reader.CurrentDepth >= 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException ex) when (_check)
        {
            _problems.Add(_lineNumber, JsonError(ex));
        }
        catch (JsonException)
        {
            // Without --check a bad line still counts; fields come from the lines that parse.
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return 0;
    }

    /// <summary>"'x' is an invalid start of a value (column 3)" from System.Text.Json's message.</summary>
    internal static string JsonError(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut].TrimEnd('.', ' ');
        }

        return ex.BytePositionInLine is { } column ? $"{message} (column {column + 1})" : message;
    }

    internal static string Describe(byte b) => b is >= 0x20 and < 0x7F ? $"'{(char)b}'" : $"byte 0x{b:X2}";
}
