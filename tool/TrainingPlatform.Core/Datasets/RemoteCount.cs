using System.Buffers;

namespace TrainingPlatform.Core.Datasets;

/// <summary>
/// What the head of a JSON Lines file gave: the fields of its first <see cref="SampleCount.FieldSampleCount"/> samples
/// (<see cref="Count"/>; its samples are the whole file's only when <see cref="AtEnd"/>), whether the file starts with a
/// UTF-8 BOM on an otherwise blank first line, and how many bytes were read.
/// </summary>
internal sealed record JsonLinesHead(SampleCount Count, bool AtEnd, bool BomOnBlankFirstLine, long BytesRead);

/// <summary>
/// Turns the host's count of non-blank lines (<see cref="RemoteHashScript"/>: grep) into the sample count a local read
/// gives (<see cref="JsonLinesCounter"/> without <c>--check</c>). They differ in one case only: a UTF-8 BOM at the start,
/// which JsonLinesCounter strips, so a first line of the BOM and blanks is no sample for it, but a line with content
/// (the BOM's bytes) for grep. The fields and the "not JSON Lines" check come from the head, read through
/// JsonLinesCounter until the first 100 samples have been seen.
/// </summary>
internal static class RemoteCount
{
    private const int ChunkSize = 64 * 1024;

    private static readonly SearchValues<byte> Blank = SearchValues.Create(" \t\r"u8);

    /// <summary>
    /// Reads <paramref name="stream"/> (sequential, from the file's start) only until the fields of the first 100 samples
    /// are known, or to its end; throws the <see cref="Diagnostics.UserErrorException"/> a local read throws for a file
    /// that is not JSON Lines.
    /// </summary>
    public static JsonLinesHead ReadHead(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var counter = new JsonLinesCounter(check: false);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long read = 0;
            var bom = false;
            var firstLineDone = false;
            var firstLineBlank = true;
            int n;
            while ((n = stream.ReadAtLeast(buffer.AsSpan(0, ChunkSize), ChunkSize, throwOnEndOfStream: false)) > 0)
            {
                var data = buffer.AsSpan(0, n);
                if (read == 0 && data.StartsWith(Signatures.Utf8Bom))
                {
                    bom = true;
                    data = data[3..];
                }

                if (bom && !firstLineDone)
                {
                    var newline = data.IndexOf((byte)'\n');
                    firstLineBlank &= (newline < 0 ? data : data[..newline]).IndexOfAnyExcept(Blank) < 0;
                    firstLineDone = newline >= 0;
                }

                read += n;
                counter.Feed(buffer.AsSpan(0, n));
                if (counter.FieldsComplete)
                {
                    return new JsonLinesHead(counter.Finish(), AtEnd: false, bom && firstLineBlank, read);
                }
            }

            return new JsonLinesHead(counter.Finish(), AtEnd: true, bom && firstLineBlank, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The sample count a local read of the whole file gives, from the host's non-blank lines and the head.</summary>
    public static SampleCount Count(long remoteLines, JsonLinesHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentOutOfRangeException.ThrowIfNegative(remoteLines);
        if (head.AtEnd)
        {
            return head.Count; // the whole file was read: its own count is exact
        }

        var samples = remoteLines - (head.BomOnBlankFirstLine ? 1 : 0);
        return new SampleCount(Math.Max(samples, 0), head.Count.Fields, [], 0);
    }
}
