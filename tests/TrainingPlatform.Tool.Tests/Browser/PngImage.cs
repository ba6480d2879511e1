using System.Buffers.Binary;
using System.IO.Compression;

namespace TrainingPlatform.Tool.Tests.Browser;

/// <summary>
/// The pixels of a PNG as Chromium writes screenshots (8 bits per channel, RGB or RGBA, not interlaced): enough to
/// tell a rendered page from a blank one without an imaging library.
/// </summary>
public sealed class PngImage
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private PngImage(int width, int height, uint[] pixels)
    {
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Row-major pixels as 0xRRGGBBAA.</summary>
    public IReadOnlyList<uint> Pixels { get; }

    public static PngImage Decode(byte[] png)
    {
        if (png.Length < Signature.Length || !png.AsSpan(0, Signature.Length).SequenceEqual(Signature))
        {
            throw new InvalidDataException("not a PNG file (no PNG signature)");
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        for (var at = Signature.Length; at + 8 <= png.Length;)
        {
            var length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at)));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data));
                    height = checked((int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]));
                    var (depth, colour, interlace) = (data[8], data[9], data[12]);
                    channels = colour switch
                    {
                        2 => 3,
                        6 => 4,
                        _ => throw new InvalidDataException($"PNG colour type {colour} (only RGB and RGBA are read)"),
                    };
                    if (depth != 8 || interlace != 0)
                    {
                        throw new InvalidDataException($"PNG of bit depth {depth}, interlace {interlace} (only 8 bits, not interlaced, are read)");
                    }

                    break;
                case "IDAT":
                    compressed.Write(data);
                    break;
                default:
                    break;
            }

            at += 12 + length; // length, type, data, CRC
        }

        if (channels == 0)
        {
            throw new InvalidDataException("PNG without an IHDR chunk");
        }

        compressed.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.GetBuffer().AsSpan(0, (int)inflated.Length);
        var stride = width * channels;
        if (raw.Length < height * (stride + 1))
        {
            throw new InvalidDataException($"PNG data too short: {raw.Length} bytes for {width} × {height}");
        }

        var previous = new byte[stride];
        var current = new byte[stride];
        var pixels = new uint[width * height];
        for (var y = 0; y < height; y++)
        {
            var line = raw.Slice(y * (stride + 1), stride + 1);
            Unfilter(line[0], line[1..], current, previous, channels);
            for (var x = 0; x < width; x++)
            {
                var p = x * channels;
                var alpha = channels == 4 ? current[p + 3] : (byte)0xFF;
                pixels[(y * width) + x] = ((uint)current[p] << 24) | ((uint)current[p + 1] << 16) | ((uint)current[p + 2] << 8) | alpha;
            }

            (previous, current) = (current, previous);
        }

        return new PngImage(width, height, pixels);
    }

    private static void Unfilter(byte filter, ReadOnlySpan<byte> line, byte[] current, byte[] previous, int bpp)
    {
        for (var i = 0; i < line.Length; i++)
        {
            int a = i >= bpp ? current[i - bpp] : 0, b = previous[i], c = i >= bpp ? previous[i - bpp] : 0;
            current[i] = (byte)(line[i] + filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => Paeth(a, b, c),
                _ => throw new InvalidDataException($"PNG filter type {filter}"),
            });
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>The most frequent colour: the page's background.</summary>
    public uint Background => Pixels.GroupBy(p => p).MaxBy(g => g.Count())!.Key;

    /// <summary>How many pixels differ from the background.</summary>
    public int ForegroundPixels
    {
        get
        {
            var background = Background;
            return Pixels.Count(p => p != background);
        }
    }

    public int DistinctColours => Pixels.Distinct().Count();

    /// <summary>
    /// True when the image shows (next to) nothing: fewer than 0.5% of its pixels differ from the background, or it has
    /// fewer than 3 colours (a background and a single flat box is not a rendered report either).
    /// </summary>
    public bool IsBlank => ForegroundPixels < Pixels.Count / 200 || DistinctColours < 3;

    public override string ToString() =>
        $"{Width} × {Height} PNG, background #{Background:X8}, {ForegroundPixels} of {Pixels.Count} pixels other than it, {DistinctColours} colours";
}
