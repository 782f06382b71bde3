using Microsoft.ML.Lrp.Visualization;

namespace Microsoft.ML.Lrp.Tests.Visualization;

[TestClass]
public sealed class HeatmapRendererTests
{
    [TestMethod]
    public void RenderRgb_PositiveRelevance_RedChannelDominates()
    {
        byte[] rgb = HeatmapRenderer.RenderRgb([0.5f, 1f], 1, 1, 2, clipPercentile: 100);
        Assert.IsTrue(rgb[0] > rgb[1] && rgb[0] > rgb[2], $"pixel ({rgb[0]}, {rgb[1]}, {rgb[2]})");
        Assert.AreEqual(255, rgb[0]);
    }

    [TestMethod]
    public void RenderRgb_FullPositiveRelevance_IsPureRed()
    {
        byte[] rgb = HeatmapRenderer.RenderRgb([2f], 1, 1, 1, [10, 200, 30]);
        Assert.AreEqual("255,0,0", string.Join(",", rgb));
    }

    [TestMethod]
    public void RenderRgb_NegativeRelevance_BlueChannelDominates()
    {
        byte[] rgb = HeatmapRenderer.RenderRgb([-0.5f, 1f], 1, 1, 2, [90, 90, 90, 90, 90, 90], clipPercentile: 100);
        Assert.IsTrue(rgb[2] > rgb[0] && rgb[2] > rgb[1], $"pixel ({rgb[0]}, {rgb[1]}, {rgb[2]})");
    }

    [TestMethod]
    public void RenderRgb_ZeroRelevance_ShowsGreyedBackground()
    {
        byte[] background = [200, 100, 50, 0, 0, 0];
        byte[] rgb = HeatmapRenderer.RenderRgb([0f, 1f], 1, 1, 2, background, clipPercentile: 100);
        double luminance = ((0.299 * 200) + (0.587 * 100) + (0.114 * 50)) / 255;
        double expected = Math.Round(255 * (0.25 + (0.5 * luminance)));
        Assert.AreEqual(expected, rgb[0], 0.5);
        Assert.AreEqual(expected, rgb[1], 0.5);
        Assert.AreEqual(expected, rgb[2], 0.5);
    }

    [TestMethod]
    public void RenderRgb_OppositeValues_MirrorRedAndBlue()
    {
        byte[] rgb = HeatmapRenderer.RenderRgb([0.3f, -0.3f, 1f], 1, 1, 3, clipPercentile: 100);
        Assert.AreEqual(rgb[0], rgb[5]);
        Assert.AreEqual(rgb[1], rgb[4]);
        Assert.AreEqual(rgb[2], rgb[3]);
    }

    [TestMethod]
    public void RenderRgb_LargestValueNegative_PositiveSideUsesSameScale()
    {
        // |−4| sets the scale for both signs: +1 is a quarter of the way to full red.
        byte[] rgb = HeatmapRenderer.RenderRgb([1f, -4f], 1, 1, 2, clipPercentile: 100);
        Assert.AreEqual(Math.Round(255 * 0.75), rgb[1], 0.5);
        Assert.AreEqual("0,0,255", string.Join(",", rgb[3..]));
    }

    [TestMethod]
    public void RenderRgb_ThreeChannels_ColoursTheChannelSum()
    {
        // Channel planes [3, 1, 2]: pixel 0 sums to +1, pixel 1 to −1.
        byte[] rgb = HeatmapRenderer.RenderRgb([2f, -1f, -0.5f, 0.5f, -0.5f, -0.5f], 3, 1, 2, clipPercentile: 100);
        Assert.AreEqual("255,0,0,0,0,255", string.Join(",", rgb));
    }

    [TestMethod]
    public void RenderRgb_AllZero_GivesBackgroundEverywhere()
    {
        byte[] rgb = HeatmapRenderer.RenderRgb(new float[4], 1, 2, 2);
        Assert.AreEqual(4 * 3, rgb.Count(b => b == 255));
    }

    [TestMethod]
    public void RenderRgb_WrongShape_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => HeatmapRenderer.RenderRgb(new float[5], 1, 2, 2));

    [TestMethod]
    public void RenderRgb_WrongBackgroundLength_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => HeatmapRenderer.RenderRgb(new float[4], 1, 2, 2, new byte[4]));

    [TestMethod]
    public void SumChannels_ThreeChannels_SumsEachPixel()
    {
        float[] map = HeatmapRenderer.SumChannels([1f, 2f, 10f, 20f, 100f, 200f], 3, 1, 2);
        Assert.AreEqual(111f, map[0], 1e-6f);
        Assert.AreEqual(222f, map[1], 1e-6f);
    }

    [TestMethod]
    public void SymmetricScale_Percentile100_GivesLargestMagnitude()
        => Assert.AreEqual(7f, HeatmapRenderer.SymmetricScale([1f, -7f, 3f], 100), 0f);

    [TestMethod]
    public void SymmetricScale_Percentile99_ClipsSingleOutlier()
    {
        float[] map = Enumerable.Range(1, 200).Select(i => i % 2 == 0 ? i / 100f : -i / 100f).ToArray();
        map[0] = -1000f;
        // Magnitudes 0.02..2.00 plus the outlier; nearest rank ⌈0.99·200⌉ = 198 picks 1.99, not 1000.
        Assert.AreEqual(1.99f, HeatmapRenderer.SymmetricScale(map, 99), 1e-6f);
    }

    [TestMethod]
    public void SymmetricScale_MostlyZero_FallsBackToLargestMagnitude()
    {
        var map = new float[1000];
        map[3] = -0.25f;
        Assert.AreEqual(0.25f, HeatmapRenderer.SymmetricScale(map), 0f);
    }

    [TestMethod]
    public void SymmetricScale_NonFiniteValues_CountAsZero()
        => Assert.AreEqual(2f, HeatmapRenderer.SymmetricScale([float.NaN, float.PositiveInfinity, -2f], 100), 0f);

    [TestMethod]
    public void SymmetricScale_PercentileZero_Throws()
        => Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HeatmapRenderer.SymmetricScale([1f], 0));

    [TestMethod]
    public void SavePng_SmallMap_WritesDecodableHeatmap()
    {
        string folder = Path.Combine(Path.GetTempPath(), "lrp-heatmap-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "sub", "map.png");
        try
        {
            float[] relevance = [1f, 0f, -1f, 0.5f];
            HeatmapRenderer.SavePng(path, relevance, 1, 2, 2, clipPercentile: 100);
            PngTestDecoder decoded = PngTestDecoder.Decode(File.ReadAllBytes(path));
            byte[] expected = HeatmapRenderer.RenderRgb(relevance, 1, 2, 2, clipPercentile: 100);
            Assert.AreEqual(2, decoded.Width);
            Assert.AreEqual(string.Join(",", expected), string.Join(",", decoded.Rgb));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
