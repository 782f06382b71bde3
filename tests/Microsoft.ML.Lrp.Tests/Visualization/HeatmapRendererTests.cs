using Microsoft.ML.Lrp.Visualization;
using static Microsoft.ML.Lrp.Tests.Visualization.ZennitColorMapReference;

namespace Microsoft.ML.Lrp.Tests.Visualization;

[TestClass]
public sealed class HeatmapRendererTests
{
    [TestMethod]
    public void RenderOverlay_AlphaIsProportionalToMagnitude()
    {
        // One row of relevance 0, s/4, s/2, s, −s/2, 2s (clipped to s) over a photo of one colour.
        float[] relevance = [0f, 0.25f, 0.5f, 1f, -0.5f, 2f, 1f, 1f, 1f, 1f];
        byte[] photo = [.. Enumerable.Repeat<byte[]>([200, 120, 40], relevance.Length).SelectMany(p => p)];
        var options = new HeatmapOptions { ColorMap = HeatmapColorMap.Bwr, ClipPercentile = 90, OverlayAlpha = 0.6f };
        double s = AbsPercentile(relevance, 90);
        Assert.AreEqual(1.0, s);
        SkiaPng decoded = SkiaPng.Decode(HeatmapRenderer.RenderOverlay(relevance, 1, 1, relevance.Length, photo, options).EncodePng());

        double grey = (0.299 * 200) + (0.587 * 120) + (0.114 * 40);
        for (int i = 0; i < 6; i++)
        {
            double r = Math.Clamp(relevance[i], -s, s);
            double alpha = 0.6 * Math.Abs(r) / s;
            int[] colour = [.. Entry("bwr", SymmetricIndex(r, s)).Split(',').Select(int.Parse)];
            for (int c = 0; c < 3; c++)
            {
                Assert.AreEqual(Math.Round(((1 - alpha) * grey) + (alpha * colour[c])), decoded.Channel(i, 0, c), 0.5, $"pixel {i} channel {c}");
            }
        }
    }

    [TestMethod]
    public void RenderOverlay_ZeroRelevance_LeavesTheGreyedPhoto()
    {
        byte[] photo = [10, 200, 30, 250, 250, 250];
        SkiaPng decoded = SkiaPng.Decode(HeatmapRenderer.RenderOverlay([0f, 1f], 1, 1, 2, photo).EncodePng());
        double grey = Math.Round((0.299 * 10) + (0.587 * 200) + (0.114 * 30));
        Assert.AreEqual($"{grey},{grey},{grey}", decoded.At(0, 0));
    }

    [TestMethod]
    public void RenderOverlay_WrongPhotoLength_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => HeatmapRenderer.RenderOverlay(new float[4], 1, 2, 2, new byte[4]));

    [TestMethod]
    public void RenderSideBySide_PhotoLeftHeatmapRight()
    {
        var random = new Random(5);
        float[] relevance = [.. Enumerable.Range(0, 3 * 6 * 5).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        byte[] photo = new byte[6 * 5 * 3];
        random.NextBytes(photo);
        var options = new HeatmapOptions { ColorMap = HeatmapColorMap.ColdNHot };
        SkiaPng pair = SkiaPng.Decode(HeatmapRenderer.RenderSideBySide(relevance, 3, 6, 5, photo, options).EncodePng());
        SkiaPng alone = SkiaPng.Decode(HeatmapRenderer.RenderHeatmap(relevance, 3, 6, 5, options).EncodePng());

        Assert.AreEqual((2 * 5) + HeatmapRenderer.Spacing, pair.Width);
        Assert.AreEqual(6, pair.Height);
        for (int y = 0; y < 6; y++)
        {
            for (int x = 0; x < 5; x++)
            {
                Assert.AreEqual($"{photo[3 * ((y * 5) + x)]},{photo[(3 * ((y * 5) + x)) + 1]},{photo[(3 * ((y * 5) + x)) + 2]}", pair.At(x, y));
                Assert.AreEqual(alone.At(x, y), pair.At(5 + HeatmapRenderer.Spacing + x, y));
            }

            Assert.AreEqual("255,255,255", pair.At(5, y));
        }
    }

    [TestMethod]
    [DataRow(1, 0, 1, 1)]
    [DataRow(2, 0, 1, 2)]
    [DataRow(4, 0, 2, 2)]
    [DataRow(5, 0, 2, 3)]
    [DataRow(5, 3, 3, 2)]
    [DataRow(2, 7, 2, 1)]
    public void RenderGrid_Dimensions_FollowColumnsAndSpacing(int tiles, int columns, int expectedColumns, int expectedRows)
    {
        HeatmapImage[] images = [.. Enumerable.Range(0, tiles).Select(i => Solid(7, 3, (byte)(10 * i)))];
        SkiaPng grid = SkiaPng.Decode(HeatmapRenderer.RenderGrid(images, columns).EncodePng());
        Assert.AreEqual((expectedColumns * 7) + ((expectedColumns + 1) * HeatmapRenderer.Spacing), grid.Width);
        Assert.AreEqual((expectedRows * 3) + ((expectedRows + 1) * HeatmapRenderer.Spacing), grid.Height);
    }

    [TestMethod]
    public void RenderGrid_TilesRowByRowOnWhite()
    {
        HeatmapImage[] images = [Solid(4, 2, 10), Solid(4, 2, 20), Solid(4, 2, 30)];
        SkiaPng grid = SkiaPng.Decode(HeatmapRenderer.RenderGrid(images, columns: 2).EncodePng());
        int sp = HeatmapRenderer.Spacing;
        Assert.AreEqual("10,10,10", grid.At(sp, sp));
        Assert.AreEqual("20,20,20", grid.At(sp + 4 + sp + 3, sp + 1));
        Assert.AreEqual("30,30,30", grid.At(sp, sp + 2 + sp));
        Assert.AreEqual("255,255,255", grid.At(sp + 4 + sp, sp + 2 + sp)); // the empty cell
        Assert.AreEqual("255,255,255", grid.At(0, 0));
    }

    [TestMethod]
    public void RenderGrid_Labels_AddAStripWithInkOnlyWhereLabelled()
    {
        HeatmapImage[] images = [Solid(60, 5, 128), Solid(60, 5, 128)];
        SkiaPng grid = SkiaPng.Decode(HeatmapRenderer.RenderGrid(images, 2, ["ZBox 1", null]).EncodePng());
        int sp = HeatmapRenderer.Spacing, label = HeatmapRenderer.LabelHeight;
        Assert.AreEqual(5 + label + (2 * sp), grid.Height);
        Assert.AreEqual("128,128,128", grid.At(sp, sp + label));
        int inkFirst = 0, inkSecond = 0;
        for (int y = sp; y < sp + label; y++)
        {
            for (int x = 0; x < 60; x++)
            {
                inkFirst += grid.At(sp + x, y) == "0,0,0" ? 1 : 0;
                inkSecond += grid.At(sp + 60 + sp + x, y) == "0,0,0" ? 1 : 0;
            }
        }

        Assert.IsGreaterThan(50, inkFirst);
        Assert.AreEqual(0, inkSecond);
    }

    [TestMethod]
    public void RenderGrid_TilesOfDifferentSizes_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => HeatmapRenderer.RenderGrid([Solid(2, 2, 0), Solid(3, 2, 0)]));

    [TestMethod]
    public void RenderGrid_LabelCountDiffers_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => HeatmapRenderer.RenderGrid([Solid(2, 2, 0)], labels: ["a", "b"]));

    [TestMethod]
    public void RenderRgb_WithPhoto_IsTheBwrOverlay_WithoutIsTheHeatmap()
    {
        float[] relevance = [1f, -0.3f, 0f, 0.7f];
        byte[] photo = [1, 2, 3, 40, 50, 60, 70, 80, 90, 200, 210, 220];
        var options = new HeatmapOptions { ClipPercentile = 75 };
        CollectionAssert.AreEqual(HeatmapRenderer.RenderOverlay(relevance, 1, 2, 2, photo, options).Rgb, HeatmapRenderer.RenderRgb(relevance, 1, 2, 2, photo, 75));
        CollectionAssert.AreEqual(HeatmapRenderer.RenderHeatmap(relevance, 1, 2, 2, options).Rgb, HeatmapRenderer.RenderRgb(relevance, 1, 2, 2, clipPercentile: 75));
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
        float[] map = [.. Enumerable.Range(1, 200).Select(i => i % 2 == 0 ? i / 100f : -i / 100f)];
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
    public void SavePng_SmallMap_WritesAFileSkiaDecodesToTheRenderedPixels()
    {
        string folder = Path.Combine(Path.GetTempPath(), "lrp-heatmap-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "sub", "map.png");
        try
        {
            float[] relevance = [1f, 0f, -1f, 0.5f];
            HeatmapRenderer.SavePng(path, relevance, 1, 2, 2, clipPercentile: 100);
            SkiaPng decoded = SkiaPng.Load(path);
            Assert.AreEqual(2, decoded.Width);
            Assert.AreEqual(2, decoded.Height);
            Assert.AreEqual($"{Entry("bwr", 255)},{Entry("bwr", 127)},{Entry("bwr", 0)},{Entry("bwr", SymmetricIndex(0.5, 1))}", string.Join(",", decoded.Rgb));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static HeatmapImage Solid(int width, int height, byte value)
        => new(width, height, [.. Enumerable.Repeat(value, 3 * width * height)]);
}
