using System.Diagnostics;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;

namespace TrainingPlatform.Core.Tests.Remote;

/// <summary>SFTP against a real sshd: stat, listings, whole and ranged reads, resumable writes.</summary>
public sealed class SftpClientTests(SshdFixture fixture) : IClassFixture<SshdFixture>
{
    [Fact]
    public void Stat_and_a_sequential_read_give_the_files_bytes()
    {
        var bytes = SshdFixture.RandomBytes((3 << 20) + 12345, 1);
        var path = fixture.NewFile(bytes);
        using var session = SshSession.Open(fixture.At(path), fixture.Options);

        var stat = session.Sftp.TryStat(path);
        using var file = session.Sftp.OpenRead(path);
        using var stream = file.OpenSequential();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);

        Assert.NotNull(stat);
        Assert.True(stat.Value.IsRegular);
        Assert.Equal(bytes.Length, stat.Value.Size);
        Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeSeconds(), stat.Value.ModifiedSeconds);
        Assert.Equal(bytes.Length, file.Length);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(bytes.Length, session.Sftp.BytesRead);
        Assert.Equal(261120, session.Sftp.MaxReadLength);
    }

    [Fact]
    public void Chunks_after_a_short_read_give_every_byte_once_in_order_and_are_released_on_another_thread()
    {
        var bytes = SshdFixture.RandomBytes((2 << 20) + 777, 8);
        var path = fixture.NewFile(bytes);
        using var session = SshSession.Open(fixture.At(path), fixture.Options);
        using var file = session.Sftp.OpenRead(path);
        var stream = (SftpSequentialStream)file.OpenSequential();
        using var copy = new MemoryStream();
        var head = new byte[5];
        stream.ReadExactly(head);
        copy.Write(head);

        var chunks = new List<SftpChunk>();
        while (stream.ReadChunk() is { } chunk)
        {
            copy.Write(chunk.Span);
            chunks.Add(chunk);
        }

        var lengths = chunks.Select(c => c.Length).ToArray();
        var releaser = new Thread(() => chunks.ForEach(c => c.Dispose()));
        releaser.Start();
        releaser.Join();
        stream.Dispose();

        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(261120 - 5, lengths[0]); // the rest of the first reply, not a new one
        Assert.All(lengths[1..^1], n => Assert.Equal(261120, n));
        Assert.Null(stream.ReadChunk());
        Assert.Equal(bytes.Length, session.Sftp.BytesRead);
    }

    [Fact]
    public void A_read_from_an_offset_and_an_empty_file_end_where_the_file_does()
    {
        var bytes = SshdFixture.RandomBytes(1 << 20, 2);
        var path = fixture.NewFile(bytes);
        var empty = fixture.NewFile([]);
        using var session = SshSession.Open(fixture.At(path), fixture.Options);

        using var file = session.Sftp.OpenRead(path);
        using var tail = new MemoryStream();
        file.OpenSequential(1000).CopyTo(tail);
        using var none = session.Sftp.OpenRead(empty);

        Assert.Equal(bytes[1000..], tail.ToArray());
        Assert.Equal(0, none.OpenSequential().Read(new byte[10]));
    }

    [Fact]
    public void Ranged_reads_read_only_the_range()
    {
        var bytes = SshdFixture.RandomBytes(5 << 20, 3);
        var path = fixture.NewFile(bytes);
        using var session = SshSession.Open(fixture.At(path), fixture.Options);
        using var file = session.Sftp.OpenRead(path);

        var footer = new byte[8];
        var seekable = file.AsSeekableStream();
        seekable.Seek(-8, SeekOrigin.End);
        seekable.ReadExactly(footer);
        var middle = new byte[600_000];
        var n = file.ReadAt(2_000_000, middle);
        var past = file.ReadAt(bytes.Length - 10, new byte[100]);
        var beyond = file.ReadAt(bytes.Length + 5, new byte[100]);

        Assert.Equal(bytes[^8..], footer);
        Assert.Equal(middle.Length, n);
        Assert.Equal(bytes[2_000_000..2_600_000], middle);
        Assert.Equal(10, past);
        Assert.Equal(0, beyond);
        Assert.Equal(8 + 600_000 + 10, session.Sftp.BytesRead);
    }

    [Fact]
    public void A_folder_of_1000_files_is_listed_whole()
    {
        var folder = fixture.NewFolder();
        var names = Enumerable.Range(0, 1000).Select(i => $"part-{i:D4}.jsonl").ToHashSet();
        foreach (var name in names)
        {
            File.WriteAllText(Path.Combine(folder, name), name);
        }

        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        using var session = SshSession.Open(fixture.At(folder), fixture.Options);

        var clock = Stopwatch.StartNew();
        var entries = session.Sftp.ReadDirectory(folder);
        clock.Stop();

        Assert.Equal(1001, entries.Count);
        Assert.Equal(names, entries.Where(e => e.Attributes.IsRegular).Select(e => e.Name).ToHashSet());
        Assert.True(entries.Single(e => e.Name == "sub").Attributes.IsDirectory);
        Assert.All(entries, e => Assert.True(e.IsUtf8));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"listing took {clock.Elapsed}");
    }

    [Fact]
    public void A_name_that_is_not_UTF8_is_listed_as_such()
    {
        var folder = fixture.NewFolder();
        var start = new ProcessStartInfo("sh") { ArgumentList = { "-c", "touch \"$1/bad$(printf '\\377')name.jsonl\" \"$1/good.jsonl\"", "sh", folder } };
        using (var touch = Process.Start(start)!)
        {
            touch.WaitForExit();
        }

        using var session = SshSession.Open(fixture.At(folder), fixture.Options);
        var entries = session.Sftp.ReadDirectory(folder);

        var bad = Assert.Single(entries, e => !e.IsUtf8);
        Assert.Equal("bad\uFFFDname.jsonl", bad.Name);
        Assert.Equal("bad"u8.ToArray().Append((byte)0xFF).Concat("name.jsonl"u8.ToArray()), bad.NameBytes.ToArray());
        Assert.True(Assert.Single(entries, e => e.IsUtf8).Attributes.IsRegular);
    }

    [Fact]
    public void Links_missing_files_and_real_paths()
    {
        var folder = fixture.NewFolder();
        var target = fixture.NewFile([1, 2, 3]);
        File.CreateSymbolicLink(Path.Combine(folder, "link"), target);
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        using var session = SshSession.Open(fixture.At(folder), fixture.Options);

        Assert.True(session.Sftp.TryLStat(folder + "/link")!.Value.IsSymbolicLink);
        Assert.Equal(3, session.Sftp.TryStat(folder + "/link")!.Value.Size);
        Assert.Equal(target, session.Sftp.ReadLink(folder + "/link"));
        Assert.Equal(folder, session.Sftp.RealPath(folder + "/./sub/.."));
        Assert.Null(session.Sftp.TryStat(folder + "/missing"));
        var error = Assert.Throws<UserErrorException>(() => session.Sftp.OpenRead(folder + "/missing"));
        Assert.Equal($"{fixture.At("/").Authority}{folder}/missing: no such file or folder", error.Message);
    }

    [Fact]
    public void A_write_is_resumed_from_the_partial_size_and_renamed_over_the_target()
    {
        var folder = fixture.NewFolder();
        var bytes = SshdFixture.RandomBytes((2 << 20) + 777, 4);
        var partial = folder + "/data.jsonl.partial";
        var final = folder + "/data.jsonl";
        using var session = SshSession.Open(fixture.At(folder), fixture.Options);
        using (var old = session.Sftp.OpenWrite(final, truncate: true))
        {
            old.WriteAt(0, "old contents"u8);
        }

        using (var first = session.Sftp.OpenWrite(partial, truncate: true))
        {
            first.WriteAt(0, bytes.AsSpan(0, 1_000_000));
            first.Flush();
        }

        long resumedFrom;
        using (var second = session.Sftp.OpenWrite(partial, truncate: false))
        {
            resumedFrom = second.Length;
            second.WriteAt(second.Length, bytes.AsSpan((int)second.Length));
            second.Flush();
        }

        session.Sftp.Rename(partial, final);

        Assert.Equal(1_000_000, resumedFrom);
        Assert.Equal(bytes, File.ReadAllBytes(final));
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public void Folders_are_made_and_removed_and_a_truncating_open_empties_a_file()
    {
        var folder = fixture.NewFolder();
        using var session = SshSession.Open(fixture.At(folder), fixture.Options);

        session.Sftp.MakeDirectory(folder + "/new");
        using (var file = session.Sftp.OpenWrite(folder + "/new/f", truncate: true))
        {
            file.WriteAt(0, "hello"u8);
        }

        using (var again = session.Sftp.OpenWrite(folder + "/new/f", truncate: true))
        {
            Assert.Equal(0, again.Length);
        }

        session.Sftp.Remove(folder + "/new/f");
        session.Sftp.RemoveDirectory(folder + "/new");

        Assert.False(Directory.Exists(folder + "/new"));
        Assert.Throws<UserErrorException>(() => session.Sftp.Remove(folder + "/new/f"));
    }
}
