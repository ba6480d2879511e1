using System.Globalization;
using System.Text.Json;
using TrainingPlatform.Core.Datasets;

namespace TrainingPlatform.Core.Lineage;

public static partial class MetricsFile
{
    /// <summary>
    /// A transformers <c>trainer_state.json</c>. transformers <c>src/transformers/trainer_callback.py</c> (checked at
    /// commit 01081ce2; the line is the same in 4.x releases since): <c>TrainerState.save_to_json</c> writes
    /// <c>json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)</c>, one member per line;
    /// <c>Trainer.log</c> (<c>trainer.py</c>) appends <c>{**logs, "step": global_step}</c> with <c>epoch</c> to
    /// <c>log_history</c>: training entries (<c>loss</c>, <c>grad_norm</c>, <c>learning_rate</c>), evaluation entries
    /// (<c>eval_loss</c>, <c>eval_runtime</c>, …, several at one step with several eval sets) and the closing entry
    /// (<c>train_loss</c>, <c>train_runtime</c>, <c>total_flos</c>). TRL's trainers (v1.9.0, e.g. <c>dpo_trainer.py</c>,
    /// <c>grpo_trainer.py</c> <c>log</c>) add their metrics to the same entries: <c>rewards/chosen</c>, <c>kl</c>,
    /// <c>completions/mean_length</c>, and <c>eval_rewards/chosen</c> in evaluation; a metric with no value is <c>null</c>.
    /// <para>
    /// Every numeric member of an entry except <c>step</c> is a metric; <c>epoch</c> is kept once per step. Strings,
    /// booleans, null and nested values are not metrics. An entry is a record: its problems carry the line it starts
    /// on. The document is read a line at a time (any size reads); a cut or broken document is a problem on the line
    /// where it breaks, after which nothing more is read.
    /// </para>
    /// </summary>
    private sealed class TrainerStateReader(Collector collector, string? path)
    {
        private byte[] _pending = new byte[4096];
        private int _pendingLength;
        private byte[] _rewritten = new byte[256];
        private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 64 });

        private bool _started;
        private bool _sawHistory;
        private bool _inHistory;
        private string? _member;
        private long _entries;

        // The current entry.
        private bool _inEntry;
        private long _entryLine;
        private long _step;
        private bool _hasStep;
        private double? _epoch;
        private long _lastEpochStep = -1;
        private bool _broken;

        public long Read(MetricsInput data)
        {
            long lineNumber = 0;
            while (!_broken && data.NextLine(out var line))
            {
                lineNumber++;
                if (line.IndexOf("NaN"u8) >= 0 || line.IndexOf("Infinity"u8) >= 0)
                {
                    line = JsonLinesReader.QuoteNamedNumbers(line, ref _rewritten);
                }

                Append(line);
                Parse(lineNumber, isFinal: false);
            }

            if (!_broken)
            {
                Parse(lineNumber, isFinal: true);
                if (!_broken && _inEntry)
                {
                    collector.FailLine(lineNumber, "the file ends inside a log_history entry (cut off?)");
                }
            }

            if (!_sawHistory && !_broken)
            {
                throw Fail("not a trainer_state.json: it has no log_history (transformers writes one into every checkpoint folder)", path);
            }

            return _entries;
        }

        private void Append(ReadOnlySpan<byte> line)
        {
            var needed = _pendingLength + line.Length + 1;
            if (_pending.Length < needed)
            {
                Array.Resize(ref _pending, Math.Max(needed, _pending.Length * 2));
            }

            line.CopyTo(_pending.AsSpan(_pendingLength));
            _pending[_pendingLength + line.Length] = (byte)'\n';
            _pendingLength = needed;
        }

        private void Parse(long lineNumber, bool isFinal)
        {
            var reader = new Utf8JsonReader(_pending.AsSpan(0, _pendingLength), isFinal, _state);
            try
            {
                while (reader.Read())
                {
                    Token(ref reader, lineNumber);
                }

                if (isFinal && !_started)
                {
                    throw Fail("not a trainer_state.json: the file has no JSON object", path);
                }
            }
            catch (JsonException ex)
            {
                _broken = true;
                collector.FailLine(lineNumber, isFinal
                    ? "the file ends before its JSON object does (cut off?)"
                    : "not valid JSON: " + JsonLinesCounter.JsonError(ex).Replace($"(column", "(around column", StringComparison.Ordinal));
                return;
            }

            var consumed = (int)reader.BytesConsumed;
            _pending.AsSpan(consumed, _pendingLength - consumed).CopyTo(_pending);
            _pendingLength -= consumed;
            _state = reader.CurrentState;
        }

        private void Token(ref Utf8JsonReader reader, long lineNumber)
        {
            var depth = reader.CurrentDepth;
            if (!_started)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw Fail($"not a trainer_state.json: line {lineNumber.ToString(CultureInfo.InvariantCulture)} starts a JSON value that is not an object", path);
                }

                _started = true;
                return;
            }

            if (depth == 1 && reader.TokenType == JsonTokenType.PropertyName)
            {
                _inHistory = false;
                if (reader.ValueTextEquals("log_history"u8))
                {
                    _sawHistory = true;
                    _inHistory = true;
                }

                return;
            }

            if (!_inHistory || depth < 1)
            {
                return;
            }

            if (depth == 1 && reader.TokenType is JsonTokenType.StartArray or JsonTokenType.EndArray)
            {
                _inHistory = reader.TokenType == JsonTokenType.StartArray;
                return;
            }

            if (depth == 1 && reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.EndArray))
            {
                _inHistory = false; // log_history is not an array: nothing to read
                return;
            }

            if (depth == 2)
            {
                Entry(ref reader, lineNumber);
                return;
            }

            if (depth == 3 && _inEntry)
            {
                Member(ref reader, lineNumber);
            }
        }

        private void Entry(ref Utf8JsonReader reader, long lineNumber)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    _inEntry = true;
                    _entryLine = lineNumber;
                    _hasStep = false;
                    _epoch = null;
                    _member = null;
                    _entries++;
                    break;
                case JsonTokenType.EndObject:
                    _inEntry = false;
                    End();
                    break;
                case JsonTokenType.StartArray:
                case JsonTokenType.String:
                case JsonTokenType.Number:
                case JsonTokenType.True:
                case JsonTokenType.False:
                case JsonTokenType.Null:
                    _entries++;
                    collector.FailLine(lineNumber, "a log_history entry that is not an object");
                    break;
                default:
                    break;
            }
        }

        private void Member(ref Utf8JsonReader reader, long lineNumber)
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                _member = reader.GetString();
                return;
            }

            var name = _member;
            _member = null;
            if (name is null)
            {
                return;
            }

            double? value = reader.TokenType switch
            {
                JsonTokenType.Number => reader.TryGetDouble(out var number) ? number : double.Parse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture),
                JsonTokenType.String => NamedNumber(ref reader),
                _ => null,
            };

            if (name == "step")
            {
                if (reader.TokenType == JsonTokenType.Number && TryStep(reader.ValueSpan, out _step))
                {
                    _hasStep = true;
                }
                else
                {
                    collector.Problem(_entryLine, StepMessage(name, reader.TokenType == JsonTokenType.Number ? System.Text.Encoding.UTF8.GetString(reader.ValueSpan) : reader.TokenType.ToString().ToLowerInvariant()));
                    _hasStep = true;
                }

                return;
            }

            if (value is not { } v)
            {
                return;
            }

            if (name == "epoch")
            {
                _epoch = v;
                return;
            }

            collector.Value(collector.Intern(name), v, _entryLine);
        }

        private void End()
        {
            if (!_hasStep)
            {
                collector.Problem(_entryLine, "a log_history entry without a step");
            }
            else if (_epoch is { } epoch && _step != _lastEpochStep)
            {
                collector.Value(collector.Intern("epoch"), epoch, _entryLine);
                _lastEpochStep = _step;
            }

            collector.EndLine(_step, collector.ImportTime);
        }

        private static double? NamedNumber(ref Utf8JsonReader reader)
        {
            var text = reader.ValueSpan;
            return reader.ValueIsEscaped ? null
                : text.SequenceEqual("NaN"u8) ? double.NaN
                : text.SequenceEqual("Infinity"u8) ? double.PositiveInfinity
                : text.SequenceEqual("-Infinity"u8) ? double.NegativeInfinity
                : null;
        }
    }
}
