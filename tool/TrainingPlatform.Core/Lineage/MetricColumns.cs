using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace TrainingPlatform.Core.Lineage;

/// <summary>
/// One stored batch of one metric as the store keeps it: <see cref="Count"/> steps (int64), values (float64) and times
/// (unix ms, int64), each packed as little-endian 8-byte arrays.
/// </summary>
internal sealed record MetricColumns(byte[] Steps, byte[] Values, byte[] Times, int Count)
{
    /// <summary>A stored batch's points as columns.</summary>
    public static MetricColumns Of(MetricBatch batch)
    {
        var n = batch.Points.Count;
        var steps = new byte[n * 8];
        var values = new byte[n * 8];
        var times = new byte[n * 8];
        for (var i = 0; i < n; i++)
        {
            var (step, value, time) = batch.Points[i];
            BinaryPrimitives.WriteInt64LittleEndian(steps.AsSpan(i * 8), step);
            BinaryPrimitives.WriteDoubleLittleEndian(values.AsSpan(i * 8), value);
            BinaryPrimitives.WriteInt64LittleEndian(times.AsSpan(i * 8), time.ToUnixTimeMilliseconds());
        }

        return new MetricColumns(steps, values, times, n);
    }

    /// <summary>The points, unpacked: (step, value, time) in stored order.</summary>
    public (long Step, double Value, DateTimeOffset Time)[] Points()
    {
        var points = new (long, double, DateTimeOffset)[Count];
        for (var i = 0; i < Count; i++)
        {
            points[i] = (
                BinaryPrimitives.ReadInt64LittleEndian(Steps.AsSpan(i * 8)),
                BinaryPrimitives.ReadDoubleLittleEndian(Values.AsSpan(i * 8)),
                DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(Times.AsSpan(i * 8))));
        }

        return points;
    }

    /// <summary>
    /// Splits points by metric into batches of at most <paramref name="batchSize"/>, in two passes over the points and
    /// without copying them: metrics in the order of their first point, each metric's points in the given order. (The
    /// same batches as grouping by name and chunking, which copied a million points three times over.)
    /// </summary>
    public static List<(string Name, List<MetricColumns> Batches)> Split(IReadOnlyList<MetricPoint> points, int batchSize)
    {
        var span = AsSpan(points);

        // 1. The metrics in order of first appearance and their counts. Points come line by line with interned names:
        //    comparing with the previous point's name reference skips most lookups.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        var counts = new List<int>();
        string? lastName = null;
        var last = -1;
        foreach (ref readonly var p in span)
        {
            if (!ReferenceEquals(p.Name, lastName))
            {
                lastName = p.Name;
                last = Recent(names, p.Name);
                if (last < 0 && !index.TryGetValue(p.Name, out last))
                {
                    last = names.Count;
                    index.Add(p.Name, last);
                    names.Add(p.Name);
                    counts.Add(0);
                }
            }

            counts[last]++;
        }

        // 2. Each metric's batches, sized exactly, filled in order.
        var result = new List<(string, List<MetricColumns>)>(names.Count);
        var batches = new List<MetricColumns>[names.Count];
        for (var m = 0; m < names.Count; m++)
        {
            batches[m] = [];
            for (var start = 0; start < counts[m]; start += batchSize)
            {
                var n = Math.Min(batchSize, counts[m] - start);
                batches[m].Add(new MetricColumns(new byte[n * 8], new byte[n * 8], new byte[n * 8], n));
            }

            result.Add((names[m], batches[m]));
        }

        var filled = new int[names.Count];
        lastName = null;
        foreach (ref readonly var p in span)
        {
            if (!ReferenceEquals(p.Name, lastName))
            {
                lastName = p.Name;
                last = Recent(names, p.Name) is >= 0 and var recent ? recent : index[p.Name];
            }

            var at = filled[last]++;
            var batch = batches[last][at / batchSize];
            var offset = at % batchSize * 8;
            BinaryPrimitives.WriteInt64LittleEndian(batch.Steps.AsSpan(offset), p.Step);
            BinaryPrimitives.WriteDoubleLittleEndian(batch.Values.AsSpan(offset), p.Value);
            BinaryPrimitives.WriteInt64LittleEndian(batch.Times.AsSpan(offset), p.Time.ToUnixTimeMilliseconds());
        }

        return result;
    }

    /// <summary>
    /// The index of <paramref name="name"/> among the first few names by reference, or -1: the rows of a CSV file cycle
    /// through the same few interned names, which this finds without hashing them.
    /// </summary>
    internal static int Recent(List<string> names, string name)
    {
        var span = CollectionsMarshal.AsSpan(names);
        for (var i = 0; i < span.Length && i < 16; i++)
        {
            if (ReferenceEquals(span[i], name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The metrics' names, sorted (ordinal), each once.</summary>
    public static string[] Names(IReadOnlyList<MetricPoint> points)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? lastName = null;
        foreach (ref readonly var p in AsSpan(points))
        {
            if (!ReferenceEquals(p.Name, lastName))
            {
                lastName = p.Name;
                names.Add(p.Name);
            }
        }

        return [.. names.Order(StringComparer.Ordinal)];
    }

    /// <summary>The points as a span: a list's or array's own storage (no copy), anything else copied once.</summary>
    internal static ReadOnlySpan<MetricPoint> AsSpan(IReadOnlyList<MetricPoint> points) => points switch
    {
        List<MetricPoint> list => CollectionsMarshal.AsSpan(list),
        MetricPoint[] array => array,
        _ => points.ToArray(),
    };
}
