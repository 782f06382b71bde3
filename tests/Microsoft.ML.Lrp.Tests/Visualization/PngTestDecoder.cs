using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.Lrp.Tests.Visualization;

/// <summary>
/// A deliberately independent PNG reader for the tests: checks the signature and every chunk's CRC (computed
/// bit by bit, without a table), reads IHDR, inflates the IDAT chunks and undoes filter type 0.
/// </summary>
internal sealed class PngTestDecoder
{
    private static readonly byte[] ExpectedSignature = [137, 80, 78, 71, 13, 10, 26, 10];

    private PngTestDecoder(int width, int height, int bitDepth, int colourType, int interlace, List<string> chunkTypes, byte[] rgb)
    {
        Width = width;
        Height = height;
        BitDepth = bitDepth;
        ColourType = colourType;
        Interlace = interlace;
        ChunkTypes = chunkTypes;
        Rgb = rgb;
    }

    public int Width { get; }

    public int Height { get; }

    public int BitDepth { get; }

    public int ColourType { get; }

    public int Interlace { get; }

    public List<string> ChunkTypes { get; }

    public byte[] Rgb { get; }

    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
            }
        }

        return ~crc;
    }

    public static PngTestDecoder Decode(byte[] png)
    {
        if (!png.AsSpan(0, 8).SequenceEqual(ExpectedSignature))
        {
            throw new InvalidDataException("bad signature");
        }

        int pos = 8, width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
        var types = new List<string>();
        using var idat = new MemoryStream();
        while (pos < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(pos + 8, length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            if (stored != BitwiseCrc(png.AsSpan(pos + 4, length + 4)))
            {
                throw new InvalidDataException($"bad CRC in {type}");
            }

            types.Add(type);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                depth = data[8];
                colour = data[9];
                interlace = data[12];
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            pos += 12 + length;
        }

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        byte[] scanlines = raw.ToArray();
        int stride = 3 * width;
        if (scanlines.Length != height * (stride + 1))
        {
            throw new InvalidDataException("wrong amount of image data");
        }

        var rgb = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            if (scanlines[y * (stride + 1)] != 0)
            {
                throw new InvalidDataException("only filter type 0 is expected");
            }

            Array.Copy(scanlines, (y * (stride + 1)) + 1, rgb, y * stride, stride);
        }

        return new PngTestDecoder(width, height, depth, colour, interlace, types, rgb);
    }
}
