using System.Diagnostics;
using TrainingPlatform.Core.Datasets;
using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;
using TrainingPlatform.Core.Tests.Support;

namespace TrainingPlatform.Core.Tests.Remote;

/// <summary>Tests that change the daemon itself (a new host key, dropped connections): each has its own.</summary>
public sealed class SshdChangeTests
{
    [Fact]
    public void A_changed_host_key_is_refused_even_with_accept_new()
    {
        using var fixture = new SshdFixture();
        using (var before = SshSession.Open(fixture.At("/"), fixture.Options))
        {
            Assert.NotNull(before.Sftp.TryStat("/"));
        }

        fixture.Sshd.Rekey();
        var knownHosts = File.ReadAllText(fixture.Sshd.KnownHosts);

        foreach (var acceptNew in new[] { false, true })
        {
            var error = Assert.Throws<UserErrorException>(() => SshSession.Open(fixture.At("/"), fixture.Options with { AcceptNewHostKey = acceptNew }));

            Assert.Equal($"ssh://{fixture.Sshd.User}@localhost:{fixture.Sshd.Port}: the host key has CHANGED (ED25519 {fixture.Sshd.HostKeyFingerprint}); refusing to connect", error.Message);
            Assert.Equal(
                $"someone may be intercepting the connection; if the host was reinstalled, remove the old key: ssh-keygen -f '{fixture.Sshd.KnownHosts}' -R '[localhost]:{fixture.Sshd.Port}'",
                error.Hint);
        }

        Assert.Equal(knownHosts, File.ReadAllText(fixture.Sshd.KnownHosts));
    }

    [Fact]
    public void A_connection_dropped_mid_read_names_the_bytes_done()
    {
        using var fixture = new SshdFixture();
        var bytes = SshdFixture.RandomBytes(64 << 20, 6);
        var path = fixture.NewFile(bytes);
        using var session = SshSession.Open(fixture.At(path), fixture.Options);
        using var file = session.Sftp.OpenRead(path);
        using var stream = file.OpenSequential();
        var buffer = new byte[1 << 20];
        stream.ReadExactly(buffer);

        fixture.Sshd.Drop();
        var error = Assert.Throws<UserErrorException>(() =>
        {
            while (stream.Read(buffer) > 0)
            {
            }
        });

        Assert.Matches($"^ssh://{fixture.Sshd.User}@localhost:{fixture.Sshd.Port}: connection lost after [0-9]+ bytes of {path}", error.Message);
        Assert.Equal("run the same command again: it resumes", error.Hint);
        var done = long.Parse(error.Message.Split(" after ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(done, 1 << 20, bytes.Length - 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_connection_dropped_while_a_streamed_file_is_hashed_fails_that_file_and_nothing_hangs(bool overlap)
    {
        using var fixture = new SshdFixture();
        var bytes = SshdFixture.RandomBytes(64 << 20, 9);
        var path = fixture.NewFile(bytes);
        using var session = SshSession.Open(fixture.At(path), fixture.Options);
        using var file = session.Sftp.OpenRead(path);
        using var stream = file.OpenSequential();
        stream.ReadExactly(new byte[1 << 20]); // the read-ahead is under way

        fixture.Sshd.Drop();
        var read = Task.Run(() => FileReader.Read(stream, bytes.Length, FileKind.FromFileName("drop.bin"), SnapshotAlgorithms.Sha256, check: false, overlap,
            progress: null, parquetFooter: null));
        var ended = ((IAsyncResult)read).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60));

        Assert.True(ended, "the read did not end after the connection was dropped");
        var error = Assert.IsType<UserErrorException>(read.Exception?.InnerException);
        Assert.Matches($"^ssh://{fixture.Sshd.User}@localhost:{fixture.Sshd.Port}: connection lost after [0-9]+ bytes of {path}", error.Message);
    }

    [Fact]
    public void A_connection_dropped_during_a_resumed_write_names_the_bytes_of_the_file_on_the_host_not_those_of_this_run()
    {
        using var fixture = new SshdFixture();
        var folder = fixture.NewFolder();
        var target = folder + "/resumed.partial";
        var block = SshdFixture.RandomBytes(1 << 20, 11);
        using var session = SshSession.Open(fixture.At(folder), fixture.Options);
        using (var earlier = session.Sftp.OpenWrite(target, truncate: true)) // 8 MiB from an earlier run
        {
            for (var i = 0; i < 8; i++)
            {
                earlier.WriteAt((long)i << 20, block);
            }

            earlier.Flush();
        }

        using var file = session.Sftp.OpenWrite(target, truncate: false);
        Assert.Equal(8 << 20, file.Length);

        fixture.Sshd.Drop();
        var error = Assert.Throws<UserErrorException>(() =>
        {
            for (var i = 8; i < 1024; i++)
            {
                file.WriteAt((long)i << 20, block);
            }

            file.Flush();
        });

        var done = long.Parse(error.Message.Split(" after ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(done, 8 << 20, new FileInfo(target).Length); // at least what was there; no more than what is there
    }

    [Fact]
    public void A_host_that_goes_silent_mid_read_ends_the_read_after_the_keepalives_instead_of_hanging()
    {
        using var fixture = new SshdFixture();
        var bytes = SshdFixture.RandomBytes(64 << 20, 10);
        var path = fixture.NewFile(bytes);
        using var session = SshSession.Open(fixture.At(path), fixture.Options with { KeepAliveSeconds = 1 });
        using var file = session.Sftp.OpenRead(path);
        using var stream = file.OpenSequential();
        var buffer = new byte[1 << 20];
        stream.ReadExactly(buffer);

        fixture.Sshd.Freeze();
        try
        {
            var clock = Stopwatch.StartNew();
            var read = Task.Run(() =>
            {
                while (stream.Read(buffer) > 0)
                {
                }
            });
            var ended = ((IAsyncResult)read).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60));

            Assert.True(ended, "the read still waited 60 s after the host went silent");
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)); // 3 unanswered keepalives, 1 s apart
            var error = Assert.IsType<UserErrorException>(read.Exception?.InnerException);
            Assert.Matches($"^ssh://{fixture.Sshd.User}@localhost:{fixture.Sshd.Port}: connection lost after [0-9]+ bytes of {path} \\(Timeout, server localhost not responding\\)$",
                error.Message);
        }
        finally
        {
            fixture.Sshd.Thaw();
        }
    }

    [Fact]
    public void A_port_that_accepts_but_never_answers_is_given_up_after_the_connect_timeout()
    {
        using var fixture = new SshdFixture();
        fixture.Sshd.Freeze();
        try
        {
            var clock = Stopwatch.StartNew();
            var open = Task.Run(() => SshSession.Open(fixture.At("/"), fixture.Options with { ConnectTimeoutSeconds = 2 }).Dispose());
            var ended = ((IAsyncResult)open).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60));

            Assert.True(ended, "the connection still waited 60 s for a server that never answered");
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
            var error = Assert.IsType<UserErrorException>(open.Exception?.InnerException);
            Assert.Equal($"ssh://{fixture.Sshd.User}@localhost:{fixture.Sshd.Port}: localhost port {fixture.Sshd.Port} accepted the connection, but no ssh server answered within 2 s",
                error.Message);
            Assert.Equal("check that an ssh server (not another service) listens on that port and that the host is not overloaded", error.Hint);
        }
        finally
        {
            fixture.Sshd.Thaw();
        }
    }

    [Fact]
    public void A_connection_dropped_mid_write_names_the_bytes_acknowledged()
    {
        using var fixture = new SshdFixture();
        var folder = fixture.NewFolder();
        using var session = SshSession.Open(fixture.At(folder), fixture.Options);
        using var file = session.Sftp.OpenWrite(folder + "/upload.partial", truncate: true);
        var block = SshdFixture.RandomBytes(1 << 20, 7);
        file.WriteAt(0, block);
        file.Flush();

        fixture.Sshd.Drop();
        var error = Assert.Throws<UserErrorException>(() =>
        {
            for (var i = 1; i < 1024; i++)
            {
                file.WriteAt((long)i << 20, block);
            }

            file.Flush();
        });

        Assert.Matches($"^ssh://{fixture.Sshd.User}@localhost:{fixture.Sshd.Port}: connection lost after [0-9]+ bytes of {folder}/upload.partial", error.Message);
        Assert.InRange(new FileInfo(folder + "/upload.partial").Length, 1 << 20, 1L << 30);
    }
}
