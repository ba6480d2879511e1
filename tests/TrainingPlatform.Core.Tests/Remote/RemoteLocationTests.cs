using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;

namespace TrainingPlatform.Core.Tests.Remote;

public sealed class RemoteLocationTests
{
    [Theory]
    [InlineData("ssh://host/data/train.jsonl", null, "host", null, "/data/train.jsonl", "ssh://host/data/train.jsonl")]
    [InlineData("ssh://alice@host:2222/data", "alice", "host", 2222, "/data", "ssh://alice@host:2222/data")]
    [InlineData("SSH://Host.Example/x", null, "Host.Example", null, "/x", "ssh://Host.Example/x")]
    [InlineData("ssh://[::1]:40022/d/a%20b.jsonl", null, "::1", 40022, "/d/a b.jsonl", "ssh://[::1]:40022/d/a%20b.jsonl")]
    [InlineData("ssh://host/d/%C3%A9t%C3%A9.jsonl", null, "host", null, "/d/été.jsonl", "ssh://host/d/été.jsonl")]
    [InlineData("ssh://host/d/100%25.jsonl", null, "host", null, "/d/100%.jsonl", "ssh://host/d/100%25.jsonl")]
    [InlineData("ssh://host/~/data/x", null, "host", null, "~/data/x", "ssh://host/~/data/x")]
    [InlineData("ssh://host/", null, "host", null, "/", "ssh://host/")]
    [InlineData("alice@host:data/train.jsonl", "alice", "host", null, "~/data/train.jsonl", "ssh://alice@host/~/data/train.jsonl")]
    [InlineData("host:/abs/a b.jsonl", null, "host", null, "/abs/a b.jsonl", "ssh://host/abs/a%20b.jsonl")]
    [InlineData("host:", null, "host", null, "~", "ssh://host/~")]
    [InlineData("host:~/x", null, "host", null, "~/x", "ssh://host/~/x")]
    [InlineData("host:~alice/data/", null, "host", null, "~alice/data/", "ssh://host/~alice/data/")]
    [InlineData("ssh://host/~alice", null, "host", null, "~alice", "ssh://host/~alice")]
    [InlineData("[2001:db8::1]:/srv/d", null, "2001:db8::1", null, "/srv/d", "ssh://[2001:db8::1]/srv/d")]
    [InlineData("u@[::1]:x%20y", "u", "::1", null, "~/x%20y", "ssh://u@[::1]/~/x%2520y")]
    public void Parses_both_forms_into_one_canonical_display(string text, string? user, string host, int? port, string path, string display)
    {
        var location = RemoteLocation.Parse(text);

        Assert.Equal(new RemoteLocation(user, host, port, path), location);
        Assert.Equal(display, location.Display);
        Assert.Equal(location, RemoteLocation.Parse(location.Display));
    }

    [Theory]
    [InlineData("ssh://host/x", true)]
    [InlineData("host:x", true)]
    [InlineData("user@host:/x", true)]
    [InlineData("[::1]:/x", true)]
    [InlineData("./a:b.jsonl", false)]
    [InlineData("/data/a:b.jsonl", false)]
    [InlineData("data/a:b.jsonl", false)]
    [InlineData("train.jsonl", false)]
    [InlineData(":x", false)]
    public void Tells_remote_paths_from_local_ones(string text, bool remote) =>
        Assert.Equal(remote, RemoteLocation.IsRemote(text));

    [Theory]
    [InlineData("ssh://-oProxyCommand=touch%20pwned/x", "starts with '-'")]
    [InlineData("-oProxyCommand=x:/data", "starts with '-'")]
    [InlineData("ssh://-l@host/x", "user name '-l' starts with '-'")]
    [InlineData("ssh://ho%20st/x", "host name holds whitespace")]
    [InlineData("ssh://a%0Ab@host/x", "whitespace or a control character")]
    [InlineData("ssh://host:0/x", "port '0'")]
    [InlineData("ssh://host:65536/x", "port '65536'")]
    [InlineData("ssh://host:22a/x", "port '22a'")]
    [InlineData("ssh://host", "no path")]
    [InlineData("ssh:///x", "no host name")]
    [InlineData("ssh://[::1/x", "closing ']'")]
    [InlineData("ssh://[host]/x", "not an IPv6 address")]
    [InlineData("ssh://host/a%2", "two hex digits")]
    [InlineData("ssh://host/a%FF", "not UTF-8")]
    public void Refuses_bad_syntax_naming_the_text(string text, string what)
    {
        var error = Assert.Throws<UserErrorException>(() => RemoteLocation.Parse(text));

        Assert.StartsWith($"'{text}': not a valid remote path", error.Message, StringComparison.Ordinal);
        Assert.Contains(what, error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
    }

    [Fact]
    public void A_host_with_a_space_is_refused_in_scp_style_too()
    {
        var error = Assert.Throws<UserErrorException>(() => RemoteLocation.Parse("bad host:/x"));

        Assert.Contains("whitespace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithPath_keeps_the_host_and_marks_relative_paths()
    {
        var location = RemoteLocation.Parse("ssh://u@h:2/a");

        Assert.Equal("ssh://u@h:2/b/c", location.WithPath("/b/c").Display);
        Assert.Equal("ssh://u@h:2/~/rel", location.WithPath("rel").Display);
        Assert.True(location.WithPath("rel").IsRelative);
    }
}
