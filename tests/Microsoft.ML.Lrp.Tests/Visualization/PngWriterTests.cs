using System.Buffers.Binary;
using System.Text;
using Microsoft.ML.Lrp.Visualization;

namespace Microsoft.ML.Lrp.Tests.Visualization;

[TestClass]
public sealed class PngWriterTests
{
    [TestMethod]
    public void Compute_StandardCheckString_GivesStandardCheckValue()
        => Assert.AreEqual(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));

    [TestMethod]
    public void Compute_RandomBytes_MatchesBitwiseCrc()
    {
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        Assert.AreEqual(BitwiseCrc(data), Crc32.Compute(data));
    }

    [TestMethod]
    public void EncodeRgb_SmallImage_StartsWithSignatureAndEndsWithStandardIend()
    {
        byte[] png = PngWriter.EncodeRgb(RandomPixels(5, 3, seed: 1), 5, 3);
        byte[] iend = [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];
        Assert.IsTrue(png.AsSpan(0, 8).SequenceEqual(PngWriter.Signature));
        Assert.IsTrue(png.AsSpan(png.Length - 12).SequenceEqual(iend));
    }

    [TestMethod]
    public void EncodeRgb_SmallImage_HeaderStatesSizeDepthAndColourTypeWithValidCrc()
    {
        byte[] png = PngWriter.EncodeRgb(RandomPixels(7, 4, seed: 2), 7, 4);

        // IHDR is the first chunk: length 13 at byte 8, type at 12, data at 16, CRC at 29.
        Assert.AreEqual(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8)));
        Assert.AreEqual("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        Assert.AreEqual(7, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.AreEqual(4, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.AreEqual("8,2,0,0,0", string.Join(",", png[24..29]));
        Assert.AreEqual(BitwiseCrc(png.AsSpan(12, 17)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(29)));
    }

    [TestMethod]
    public void EncodeRgb_RandomPixels_SkiaDecodesSamePixels()
    {
        byte[] pixels = RandomPixels(33, 17, seed: 3);
        SkiaPng decoded = SkiaPng.Decode(PngWriter.EncodeRgb(pixels, 33, 17));
        Assert.AreEqual(33, decoded.Width);
        Assert.AreEqual(17, decoded.Height);
        int mismatches = pixels.Where((b, i) => decoded.Rgb[i] != b).Count();
        Assert.AreEqual(0, mismatches);
    }

    [TestMethod]
    public void EncodeRgb_WrongPixelCount_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => PngWriter.EncodeRgb(new byte[10], 2, 2));

    /// <summary>The CRC-32 of the PNG specification, bit by bit (no table).</summary>
    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
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

    private static byte[] RandomPixels(int width, int height, int seed)
    {
        var pixels = new byte[3 * width * height];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}
