using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>
/// TensorBoard event files as TensorFlow 2 and PyTorch wrote them (Fixtures/tensorboard, origins in its README), and
/// damaged copies of them made by byte edits here.
/// </summary>
public sealed class TensorBoardEventsTests : IDisposable
{
    private static readonly DateTimeOffset ImportTime = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static readonly string Fixtures = Path.Combine(TestPaths.Fixtures, "tensorboard");

    private static readonly string Tf2File = Path.Combine(Fixtures, "tf2", "events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2");

    private static readonly string TorchRun1 = Path.Combine(Fixtures, "torch", "run_1", "events.out.tfevents.1622543341.janoshs-mbp.lan.86862.0");

    private static readonly string TorchRun2 = Path.Combine(Fixtures, "torch", "run_2", "events.out.tfevents.1622543341.janoshs-mbp.lan.86862.1");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "trainplat-tfevents-" + Guid.NewGuid().ToString("N")[..12]);

    public TensorBoardEventsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string relative, byte[] bytes)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Problems(MetricsFileResult r) => string.Join("\n", r.Problems.Select(p => $"{p.Where}: {p.Message}"));

    /// <summary>The byte offsets where the records of a (good) file start.</summary>
    private static List<int> RecordOffsets(byte[] file)
    {
        List<int> offsets = [];
        for (var at = 0; at < file.Length; at += 12 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at)) + 4)
        {
            offsets.Add(at);
        }

        return offsets;
    }

    [Theory]
    [InlineData("123456789", 0xE3069283u)] // the CRC-32C check value (RFC 3720 and every CRC catalogue)
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    public void Crc32C_matches_the_known_check_values(string text, uint expected) =>
        Assert.Equal(expected, TensorBoardRecords.Crc32C(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Crc32C_matches_the_iscsi_test_vectors_of_rfc_3720()
    {
        // RFC 3720, appendix B.4: 32 bytes of zeros, of ones, ascending and descending.
        Assert.Equal(0x8A9136AAu, TensorBoardRecords.Crc32C(new byte[32]));
        Assert.Equal(0x62A8AB43u, TensorBoardRecords.Crc32C(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, TensorBoardRecords.Crc32C(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, TensorBoardRecords.Crc32C(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
    }

    [Fact]
    public void A_tensorflow_2_file_gives_its_scalars_plugin_tensors_with_step_and_wall_time()
    {
        var result = MetricsFile.Read(Tf2File, ImportTime);

        Assert.Equal("", Problems(result));
        Assert.Equal(101, result.Lines); // the file_version event and 100 scalars
        Assert.Equal(Enumerable.Range(0, 100).Select(s => ((long)s, "my_metric", 0.5 * s)), result.Points.Select(p => (p.Step, p.Name, p.Value)));
        // Wall times from the events: the writer ran on 2020-03-29 (the file name's 1585499054), one after the other.
        Assert.All(result.Points, p => Assert.Equal(new DateTime(2020, 3, 29), p.Time.UtcDateTime.Date));
        Assert.Equal(result.Points.OrderBy(p => p.Time).Select(p => p.Step), result.Points.Select(p => p.Step));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Tf2File))), result.Sha256);
    }

    [Fact]
    public void A_pytorch_file_gives_its_simple_values()
    {
        var result = MetricsFile.Read(TorchRun1, ImportTime);

        Assert.Equal("", Problems(result));
        Assert.Equal(101, result.Lines);
        Assert.Equal(Enumerable.Range(0, 100).Select(s => 5L * s), result.Points.Select(p => p.Step));
        Assert.All(result.Points, p => Assert.Equal("strict/foo", p.Name));
        Assert.All(result.Points, p => Assert.InRange(p.Value, 1.0, 2.0)); // torch.rand([]) + 1
        Assert.All(result.Points, p => Assert.Equal(new DateTime(2021, 6, 1), p.Time.UtcDateTime.Date));

        // The value is the float the file holds, widened: the 4 bytes after the tag of the first scalar event.
        var bytes = File.ReadAllBytes(TorchRun1);
        var second = RecordOffsets(bytes)[1];
        var at = bytes.AsSpan(second).IndexOf("strict/foo"u8) + "strict/foo".Length + 1;
        Assert.Equal((double)BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(second + at)), result.Points[0].Value);
    }

    [Fact]
    public void Event_files_are_told_by_name_and_folders_are_tensorboard_log_folders()
    {
        Assert.Equal(MetricsFileFormat.TensorBoard, MetricsFile.FormatOf(Tf2File));
        Assert.Equal(MetricsFileFormat.TensorBoard, MetricsFile.FormatOf(Fixtures));
        Assert.Equal(MetricsFileFormat.JsonLines, MetricsFile.FormatOf("run.jsonl"));
        Assert.Equal(MetricsFileFormat.Csv, MetricsFile.FormatOf("tfevents-export.csv")); // a known extension wins
    }

    [Fact]
    public void A_folder_with_two_runs_prefixes_each_runs_tags_with_its_folder()
    {
        Write("logs/run_1/" + Path.GetFileName(TorchRun1), File.ReadAllBytes(TorchRun1));
        Write("logs/run_2/" + Path.GetFileName(TorchRun2), File.ReadAllBytes(TorchRun2));
        Write("logs/" + Path.GetFileName(Tf2File), File.ReadAllBytes(Tf2File));
        Write("logs/run_1/notes.txt", "not an event file"u8.ToArray());

        var result = MetricsFile.Read(Path.Combine(_dir, "logs"), ImportTime);

        Assert.Equal("", Problems(result));
        Assert.Equal(303, result.Lines);
        var counts = result.Points.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["my_metric"] = 100, ["run_1/strict/foo"] = 100, ["run_2/strict/foo"] = 100 }, counts);
        Assert.All(result.Points.Where(p => p.Name == "run_1/strict/foo"), p => Assert.InRange(p.Value, 1.0, 2.0));
        Assert.All(result.Points.Where(p => p.Name == "run_2/strict/foo"), p => Assert.InRange(p.Value, 2.0, 3.0));

        // The folder's hash covers its event files (not the notes), so the same folder again is the same import.
        Assert.Equal(result.Sha256, MetricsFile.Read(Path.Combine(_dir, "logs"), ImportTime).Sha256);
        File.WriteAllText(Path.Combine(_dir, "logs", "run_1", "notes.txt"), "changed");
        Assert.Equal(result.Sha256, MetricsFile.Read(Path.Combine(_dir, "logs"), ImportTime).Sha256);
        File.AppendAllBytes(Path.Combine(_dir, "logs", "run_2", Path.GetFileName(TorchRun2)), Record(Event(1.6e9, 500, SimpleValue("strict/foo", 2.5f))));
        var grown = MetricsFile.Read(Path.Combine(_dir, "logs"), ImportTime);
        Assert.NotEqual(result.Sha256, grown.Sha256);
        Assert.Equal(301, grown.Points.Count);
    }

    [Fact]
    public void Two_runs_that_would_give_one_metric_name_are_refused()
    {
        // The top folder's tag "strict/foo" and run "strict"'s tag "foo" would both be "strict/foo".
        Write("logs/" + Path.GetFileName(TorchRun1), File.ReadAllBytes(TorchRun1));
        Write("logs/strict/events.out.tfevents.1.host", Record(Event(1.6e9, 1, SimpleValue("foo", 1f))));

        var error = Assert.Throws<UserErrorException>(() => MetricsFile.Read(Path.Combine(_dir, "logs"), ImportTime));

        Assert.Equal("two runs give the metric name 'strict/foo': tag 'strict/foo' of the top folder and tag 'foo' of run 'strict'", error.Message);
        Assert.Contains("import the runs one at a time", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Tags_that_give_no_points_never_clash_between_runs()
    {
        // A text summary "strict/notes" at the top and "notes" in run "strict": not metrics, so no clash.
        Write("logs/events.out.tfevents.1.host", Record(Event(1.6e9, 1, TensorValue("strict/notes", 1, dtype: 1, plugin: "text"), SimpleValue("loss", 1f))));
        Write("logs/strict/events.out.tfevents.1.host", Record(Event(1.6e9, 1, TensorValue("notes", 1, dtype: 1, plugin: "text"), SimpleValue("loss", 2f))));

        var result = MetricsFile.Read(Path.Combine(_dir, "logs"), ImportTime);

        Assert.Equal([("loss", 1.0), ("strict/loss", 2.0)], result.Points.Select(p => (p.Name, p.Value)));
    }

    [Fact]
    public void A_folder_without_event_files_is_refused()
    {
        Write("logs/metrics.txt", "nothing"u8.ToArray());

        var error = Assert.Throws<UserErrorException>(() => MetricsFile.Read(Path.Combine(_dir, "logs"), ImportTime));

        Assert.Equal("no TensorBoard event files (events.out.tfevents.*) in the folder", error.Message);
    }

    [Fact]
    public void A_record_whose_data_fails_its_crc_is_reported_at_its_offset_and_skipped()
    {
        var bytes = File.ReadAllBytes(TorchRun1);
        var third = RecordOffsets(bytes)[3];
        bytes[third + 12 + 20] ^= 0x01; // a byte of the Event, inside the data the footer's CRC covers
        var path = Write("events.out.tfevents.1.damaged", bytes);

        var result = MetricsFile.Read(path, ImportTime);

        Assert.Equal(32UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(third)));
        Assert.Equal($"byte {third}: the record's data (32 bytes) fails its CRC-32C check (the file is damaged); the record is skipped", Problems(result));
        Assert.Equal(third, result.Problems[0].Line);
        Assert.Equal(99, result.Points.Count);
        Assert.DoesNotContain(result.Points, p => p.Step == 10);
    }

    [Fact]
    public void A_record_whose_length_fails_its_crc_ends_the_file_there()
    {
        var bytes = File.ReadAllBytes(TorchRun1);
        var fifth = RecordOffsets(bytes)[5];
        bytes[fifth] ^= 0x40;
        var path = Write("events.out.tfevents.1.damaged", bytes);

        var result = MetricsFile.Read(path, ImportTime);

        Assert.Equal($"byte {fifth}: the record's length fails its CRC-32C check (the file is damaged); the rest of the file cannot be read", Problems(result));
        Assert.Equal([0L, 5, 10, 15], result.Points.Select(p => p.Step));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.Sha256);
    }

    [Fact]
    public void A_file_cut_inside_its_last_record_is_reported_at_that_record()
    {
        var bytes = File.ReadAllBytes(Tf2File);
        var last = RecordOffsets(bytes)[^1];
        var path = Write("events.out.tfevents.1.cut", bytes[..(last + 20)]);
        var header = Write("events.out.tfevents.2.cut", bytes[..(last + 5)]);

        var result = MetricsFile.Read(path, ImportTime);

        Assert.Equal($"byte {last}: the file ends inside a record of 51 bytes (cut off while being written?)", Problems(result));
        Assert.Equal(99, result.Points.Count);
        Assert.Equal($"byte {last}: the file ends inside a record's header (cut off while being written?)", Problems(MetricsFile.Read(header, ImportTime)));
    }

    [Fact]
    public void Problems_in_a_folder_name_the_event_file()
    {
        var bytes = File.ReadAllBytes(TorchRun2);
        Write("logs/run_1/" + Path.GetFileName(TorchRun1), File.ReadAllBytes(TorchRun1));
        Write("logs/run_2/" + Path.GetFileName(TorchRun2), bytes[..^3]);

        var result = MetricsFile.Read(Path.Combine(_dir, "logs"), ImportTime);

        Assert.Equal(
            $"run_2/{Path.GetFileName(TorchRun2)}, byte {RecordOffsets(bytes)[^1]}: the file ends inside a record of 33 bytes (cut off while being written?)",
            Problems(result));
        Assert.Equal(199, result.Points.Count);
    }

    [Fact]
    public void Chunks_smaller_than_a_record_read_the_same_points()
    {
        var bytes = File.ReadAllBytes(Tf2File);
        var whole = TensorBoardEvents.Read(new MemoryStream(bytes), ImportTime);
        var small = TensorBoardEvents.Read(new MemoryStream(bytes), ImportTime, chunk: 7);

        Assert.Equal(whole.Points, small.Points);
        Assert.Equal(whole.Sha256, small.Sha256);
    }

    [Fact]
    public void Tf2_metadata_given_once_per_tag_holds_for_its_later_values_and_double_tensors_read()
    {
        var bytes = Concat(
            Record(Event(1.6e9, 0, TensorValue("loss", 2.5, dtype: 2, plugin: "scalars"))),
            Record(Event(1.6e9 + 1, 1, TensorValue("loss", 1.25, dtype: 2, plugin: null))),
            Record(Event(1.6e9 + 2, 1, TensorValue("text", 1, dtype: 1, plugin: "text"))),
            Record(Event(1.6e9 + 3, 2, TensorValue("loss", 0.5, dtype: 1, plugin: null, packed: true))));

        var result = TensorBoardEvents.Read(new MemoryStream(bytes), ImportTime);

        Assert.Equal("", Problems(result));
        Assert.Equal([(0L, "loss", 2.5), (1L, "loss", 1.25), (2L, "loss", 0.5)], result.Points.Select(p => (p.Step, p.Name, p.Value)));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_600_000_001), result.Points[1].Time);
    }

    [Fact]
    public void Bad_events_are_problems_of_their_record()
    {
        var records = new[]
        {
            Record(Event(1.6e9, -3, SimpleValue("loss", 1f))),
            Record(Event(1.6e9, 4, TensorValue("loss", 1, dtype: 3, plugin: "scalars"))),
            Record(Event(1.6e9, 5, SimpleValue("bad\u0001name", 1f))),
            Record([0x2A, 0x10, 0x0A]),
            Record(Event(1.6e9, 6, SimpleValue("loss", 6f))),
        };
        var offsets = records.Select((r, i) => records.Take(i).Sum(x => x.Length)).ToArray();

        var result = TensorBoardEvents.Read(new MemoryStream(Concat(records)), ImportTime);

        Assert.Equal(
            string.Join("\n",
                $"byte {offsets[0]}: the event's step is -3: the step must be a whole number ≥ 0",
                $"byte {offsets[1]}: tag 'loss': a scalars-plugin tensor of dtype 3; expected DT_FLOAT (1) or DT_DOUBLE (2)",
                $"byte {offsets[2]}: metric name 'bad\\u0001name' contains a control character (U+0001)",
                $"byte {offsets[3]}: the record is not a valid Event protobuf: While parsing a protocol message, the input ended unexpectedly in the middle of a field.  This could mean either that the input has been truncated or that an embedded message misreported its own length."),
            Problems(result));
        Assert.Equal([(6L, "loss", 6.0)], result.Points.Select(p => (p.Step, p.Name, p.Value)));
    }

    // ---- a minimal writer of Event records (the same wire format TensorFlow and tensorboardX write) ----

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    internal static byte[] Record(byte[] data)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        var crc = new byte[4];
        var dataCrc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, TensorBoardRecords.MaskedCrc32C(header));
        BinaryPrimitives.WriteUInt32LittleEndian(dataCrc, TensorBoardRecords.MaskedCrc32C(data));
        return Concat(header, crc, data, dataCrc);
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var memory = new MemoryStream();
        var output = new CodedOutputStream(memory);
        write(output);
        output.Flush();
        return memory.ToArray();
    }

    private static byte[] Event(double wallTime, long step, params byte[][] values) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Fixed64);
        o.WriteDouble(wallTime);
        o.WriteTag(2, WireFormat.WireType.Varint);
        o.WriteInt64(step);
        o.WriteTag(5, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(Message(s =>
        {
            foreach (var value in values)
            {
                s.WriteTag(1, WireFormat.WireType.LengthDelimited);
                s.WriteBytes(ByteString.CopyFrom(value));
            }
        })));
    });

    private static byte[] SimpleValue(string tag, float value) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(tag);
        o.WriteTag(2, WireFormat.WireType.Fixed32);
        o.WriteFloat(value);
    });

    private static byte[] TensorValue(string tag, double value, int dtype, string? plugin, bool packed = false) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(tag);
        o.WriteTag(8, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(Message(t =>
        {
            t.WriteTag(1, WireFormat.WireType.Varint);
            t.WriteEnum(dtype);
            t.WriteTag(2, WireFormat.WireType.LengthDelimited);
            t.WriteBytes(ByteString.Empty); // rank 0
            if (packed)
            {
                t.WriteTag(5, WireFormat.WireType.LengthDelimited);
                t.WriteBytes(ByteString.CopyFrom(BitConverter.GetBytes((float)value)));
            }
            else
            {
                t.WriteTag(4, WireFormat.WireType.LengthDelimited);
                t.WriteBytes(ByteString.CopyFrom(dtype == 2 ? BitConverter.GetBytes(value) : BitConverter.GetBytes((float)value)));
            }
        })));
        if (plugin is not null)
        {
            o.WriteTag(9, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(Message(m =>
            {
                m.WriteTag(1, WireFormat.WireType.LengthDelimited);
                m.WriteBytes(ByteString.CopyFrom(Message(d =>
                {
                    d.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    d.WriteString(plugin);
                })));
            })));
        }
    });
}
