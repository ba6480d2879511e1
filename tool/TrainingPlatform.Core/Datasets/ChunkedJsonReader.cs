using System.Text.Json;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// Feeds a <see cref="Utf8JsonReader"/> from a stream through a buffer of 64 KiB (grown only for a longer token):
/// a reader at the end of the buffer is re-created over the rest and the next bytes, keeping its state. Values are
/// read right after <see cref="Next"/>, so a token is always whole in the buffer. Also keeps the few strings that
/// repeat in every entry of the stat cache (formats, field names) as one string each.
/// </summary>
internal sealed class ChunkedJsonReader(Stream stream)
{
    private byte[] _buffer = new byte[1 << 16];
    private int _length;
    private bool _final;
    private readonly List<string> _formats = [];
    private string[]? _lastFields;

    public Utf8JsonReader Start()
    {
        Fill();
        return new Utf8JsonReader(_buffer.AsSpan(0, _length), _final, new JsonReaderState(new JsonReaderOptions { MaxDepth = 16 }));
    }

    public JsonTokenType Next(ref Utf8JsonReader reader)
    {
        while (!reader.Read())
        {
            if (_final)
            {
                throw new JsonException("unexpected end of the stat cache");
            }

            Refill(ref reader);
        }

        return reader.TokenType;
    }

    public void Expect(ref Utf8JsonReader reader, JsonTokenType type, bool alreadyRead = false)
    {
        if ((!alreadyRead && Next(ref reader) != type) || reader.TokenType != type)
        {
            throw new JsonException($"expected {type} in the stat cache");
        }
    }

    /// <summary>Skips the value the reader is on (after a property name: the property's value), refilling as needed.</summary>
    public void Skip(ref Utf8JsonReader reader)
    {
        while (!reader.TrySkip())
        {
            if (_final)
            {
                throw new JsonException("unexpected end of the stat cache");
            }

            Refill(ref reader);
        }
    }

    /// <summary>A format name: one string per distinct name, not one per entry.</summary>
    public string Shared(ref Utf8JsonReader reader)
    {
        foreach (var f in _formats)
        {
            if (reader.ValueTextEquals(f))
            {
                return f;
            }
        }

        var format = reader.GetString()!;
        _formats.Add(format);
        return format;
    }

    /// <summary>A list of field names: the files of a dataset mostly share their fields, so an equal list is the previous list.</summary>
    public IReadOnlyList<string> ReadFields(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartArray, alreadyRead: true);
        var last = _lastFields;
        List<string>? fresh = null;
        var i = 0;
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (fresh is null && last is not null && i < last.Length && reader.ValueTextEquals(last[i]))
            {
                i++;
                continue;
            }

            fresh ??= last is null ? [] : [.. last.AsSpan(0, i)];
            fresh.Add(string.Intern(reader.GetString()!));
            i++;
        }

        if (fresh is null && last is not null && i == last.Length)
        {
            return last;
        }

        var fields = fresh is null ? (last is null ? [] : last[..i]) : [.. fresh];
        _lastFields = fields;
        return fields;
    }

    private void Fill()
    {
        while (_length < _buffer.Length && !_final)
        {
            var n = stream.Read(_buffer, _length, _buffer.Length - _length);
            if (n == 0)
            {
                _final = true;
            }

            _length += n;
        }
    }

    private void Refill(ref Utf8JsonReader reader)
    {
        var consumed = (int)reader.BytesConsumed;
        var rest = _length - consumed;
        if (rest == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2); // one token longer than the buffer
        }
        else
        {
            Buffer.BlockCopy(_buffer, consumed, _buffer, 0, rest);
        }

        _length = rest;
        Fill();
        reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), _final, reader.CurrentState);
    }
}
