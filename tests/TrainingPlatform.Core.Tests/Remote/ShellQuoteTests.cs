using System.Diagnostics;
using TrainingPlatform.Core.Remote;

namespace TrainingPlatform.Core.Tests.Remote;

public sealed class ShellQuoteTests
{
    [Theory]
    [InlineData("plain.jsonl", "'plain.jsonl'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("", "''")]
    public void Single_quotes_with_quotes_closed_and_reopened(string text, string quoted) =>
        Assert.Equal(quoted, ShellQuote.Quote(text));

    [Theory]
    [InlineData("a;touch pwned.jsonl")]
    [InlineData("$(touch pwned).jsonl")]
    [InlineData("`touch pwned`.jsonl")]
    [InlineData("a\nb 'c' \"d\" \\e $HOME *.jsonl")]
    public void Sh_reads_back_exactly_the_text_and_runs_nothing(string text)
    {
        var folder = Directory.CreateTempSubdirectory("quote-");
        try
        {
            var start = new ProcessStartInfo("sh")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                WorkingDirectory = folder.FullName,
            };
            using var sh = Process.Start(start)!;
            sh.StandardInput.Write("printf '%s' " + ShellQuote.Quote(text) + "\n");
            sh.StandardInput.Close();
            var output = sh.StandardOutput.ReadToEnd();
            sh.WaitForExit();

            Assert.Equal(text, output);
            Assert.Empty(folder.GetFileSystemInfos());
        }
        finally
        {
            folder.Delete(true);
        }
    }
}
