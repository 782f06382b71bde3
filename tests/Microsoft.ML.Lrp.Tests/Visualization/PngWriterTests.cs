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
        Assert.AreEqual(PngTestDecoder.BitwiseCrc(data), Crc32.Compute(data));
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
    public void EncodeRgb_SmallImage_HeaderStatesSizeDepthAndColourType()
    {
        PngTestDecoder decoded = PngTestDecoder.Decode(PngWriter.EncodeRgb(RandomPixels(7, 4, seed: 2), 7, 4));
        Assert.AreEqual(7, decoded.Width);
        Assert.AreEqual(4, decoded.Height);
        Assert.AreEqual(8, decoded.BitDepth);
        Assert.AreEqual(2, decoded.ColourType);
        Assert.AreEqual(0, decoded.Interlace);
        Assert.AreEqual("IHDR,IDAT,IEND", string.Join(",", decoded.ChunkTypes));
    }

    [TestMethod]
    public void EncodeRgb_RandomPixels_DecodeToSamePixels()
    {
        byte[] pixels = RandomPixels(33, 17, seed: 3);
        PngTestDecoder decoded = PngTestDecoder.Decode(PngWriter.EncodeRgb(pixels, 33, 17));
        Assert.AreEqual(pixels.Length, decoded.Rgb.Length);
        int mismatches = pixels.Where((b, i) => decoded.Rgb[i] != b).Count();
        Assert.AreEqual(0, mismatches);
    }

    [TestMethod]
    public void EncodeRgb_CorruptedByte_FailsCrcCheck()
    {
        byte[] png = PngWriter.EncodeRgb(RandomPixels(4, 4, seed: 4), 4, 4);
        png[8 + 8 + 2] ^= 0x01; // a byte inside IHDR's width
        Assert.ThrowsExactly<InvalidDataException>(() => PngTestDecoder.Decode(png));
    }

    [TestMethod]
    public void EncodeRgb_WrongPixelCount_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => PngWriter.EncodeRgb(new byte[10], 2, 2));

    private static byte[] RandomPixels(int width, int height, int seed)
    {
        var pixels = new byte[3 * width * height];
        new Random(seed).NextBytes(pixels);
        return pixels;
    }
}
