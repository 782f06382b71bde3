using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.Lrp.Visualization;

/// <summary>
/// A minimal PNG encoder (PNG specification, 3rd edition): the signature, one IHDR chunk (8-bit truecolour RGB,
/// no interlace), one IDAT chunk holding the zlib stream of the filtered scanlines (filter type 0 on every row), and
/// IEND. Each chunk carries its CRC-32 over type and data.
/// </summary>
internal static class PngWriter
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Encodes interleaved 8-bit RGB pixels (row-major, <c>height × width × 3</c> bytes) as a PNG file.</summary>
    public static byte[] EncodeRgb(ReadOnlySpan<byte> rgb, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        long expected = 3L * width * height;
        if (rgb.Length != expected)
        {
            throw new ArgumentException($"Expected {expected} bytes of RGB pixels ({height}×{width}×3), got {rgb.Length}.", nameof(rgb));
        }

        using var file = new MemoryStream();
        file.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;  // bit depth
        header[9] = 2;  // colour type: truecolour (RGB)
        header[10] = 0; // compression method: deflate
        header[11] = 0; // filter method: adaptive (per-row filter byte)
        header[12] = 0; // interlace: none
        WriteChunk(file, "IHDR", header);
        WriteChunk(file, "IDAT", Compress(rgb, width, height));
        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    private static byte[] Compress(ReadOnlySpan<byte> rgb, int width, int height)
    {
        int stride = 3 * width;
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter type None
                zlib.Write(rgb.Slice(y * stride, stride));
            }
        }

        return compressed.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);

        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        stream.Write(typeBytes);
        stream.Write(data);

        uint crc = Crc32.Update(0xFFFFFFFFu, typeBytes);
        crc = Crc32.Update(crc, data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        stream.Write(word);
    }
}
