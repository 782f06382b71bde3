using Microsoft.ML.Lrp.Visualization;
using static Microsoft.ML.Lrp.Tests.Visualization.ZennitColorMapReference;

namespace Microsoft.ML.Lrp.Tests.Visualization;

[TestClass]
public sealed class ColorMapTests
{
    [TestMethod]
    [DataRow(HeatmapColorMap.Bwr, "bwr")]
    [DataRow(HeatmapColorMap.ColdNHot, "coldnhot")]
    [DataRow(HeatmapColorMap.Hot, "hot")]
    [DataRow(HeatmapColorMap.Gray, "gray")]
    public void Palette_EveryEntry_MatchesZennitDefinition(HeatmapColorMap map, string name)
    {
        byte[] palette = HeatmapRenderer.Palette(map);
        Assert.HasCount(768, palette);
        int mismatches = Enumerable.Range(0, 256).Count(k => $"{palette[3 * k]},{palette[(3 * k) + 1]},{palette[(3 * k) + 2]}" != Entry(name, k));
        Assert.AreEqual(0, mismatches);
    }

    [TestMethod]
    [DataRow("bwr", 0, "0,0,255")]
    [DataRow("bwr", 128, "255,255,255")]
    [DataRow("bwr", 255, "255,0,0")]
    [DataRow("coldnhot", 0, "0,255,255")]
    [DataRow("coldnhot", 64, "0,0,255")]
    [DataRow("coldnhot", 128, "0,0,0")]
    [DataRow("coldnhot", 170, "255,0,0")]
    [DataRow("coldnhot", 212, "255,255,0")]
    [DataRow("coldnhot", 255, "255,255,255")]
    [DataRow("hot", 0, "0,0,0")]
    [DataRow("hot", 85, "255,0,0")]
    [DataRow("hot", 170, "255,255,0")]
    [DataRow("hot", 255, "255,255,255")]
    [DataRow("gray", 0, "0,0,0")]
    [DataRow("gray", 255, "255,255,255")]
    public void Reference_ControlPoints_AreTheSourceColours(string name, int index, string expected)
        => Assert.AreEqual(expected, Entry(name, index));

    [TestMethod]
    [DataRow(HeatmapColorMap.Bwr, "bwr")]
    [DataRow(HeatmapColorMap.ColdNHot, "coldnhot")]
    [DataRow(HeatmapColorMap.Hot, "hot")]
    [DataRow(HeatmapColorMap.Gray, "gray")]
    public void RenderHeatmap_ValuesAtControlPoints_DecodeToZennitColours(HeatmapColorMap map, string name)
    {
        // Scale 1 (the −1 and +1 ends); each value lands in the middle of the 8-bit bin of a control point.
        int[] indices = [.. Nodes(Sources[name]).Select(n => (int)n.Index).Where(k => k < 256).Append(127)];
        float[] relevance = [.. indices.Select(k => (float)Math.Min((2 * (k + 0.5) / 255) - 1, 1)), -1f, 1f];
        byte[] png = HeatmapRenderer.RenderHeatmap(relevance, 1, 1, relevance.Length, new HeatmapOptions { ColorMap = map, ClipPercentile = 100 }).EncodePng();

        SkiaPng decoded = SkiaPng.Decode(png);
        for (int i = 0; i < indices.Length; i++)
        {
            Assert.AreEqual(Entry(name, indices[i]), decoded.At(i, 0), $"index {indices[i]}");
        }
    }

    [TestMethod]
    [DataRow(HeatmapColorMap.Bwr, "bwr")]
    [DataRow(HeatmapColorMap.ColdNHot, "coldnhot")]
    [DataRow(HeatmapColorMap.Gray, "gray")]
    public void RenderHeatmap_ZeroRelevance_IsTheMapsCentreColour(HeatmapColorMap map, string name)
    {
        byte[] png = HeatmapRenderer.RenderHeatmap([0f, 3f, -1.5f, 0f], 1, 2, 2, new HeatmapOptions { ColorMap = map, ClipPercentile = 100 }).EncodePng();
        SkiaPng decoded = SkiaPng.Decode(png);

        // Zennit: (0 + s) / 2s · 255 = 127.5 → index 127.
        Assert.AreEqual(Entry(name, 127), decoded.At(0, 0));
        Assert.AreEqual(Entry(name, 127), decoded.At(1, 1));
        Assert.AreEqual(Entry(name, 255), decoded.At(1, 0));
        Assert.AreEqual(Entry(name, SymmetricIndex(-1.5, 3)), decoded.At(0, 1));
    }

    [TestMethod]
    public void RenderHeatmap_Bwr_ZeroIsNearWhiteAndSignsMirror()
    {
        HeatmapImage image = HeatmapRenderer.RenderHeatmap([0f, 0.6f, -0.6f, 1f], 1, 1, 4, new HeatmapOptions { ClipPercentile = 100 });
        SkiaPng decoded = SkiaPng.Decode(image.EncodePng());
        Assert.IsTrue(decoded.Rgb[..3].All(b => b >= 253), decoded.At(0, 0));
        Assert.AreEqual(255, decoded.Channel(1, 0, 0));
        Assert.AreEqual(255, decoded.Channel(2, 0, 2));
        // Zennit's white sits at index 128 of 0..255, a hair above the centre: the two sides mirror within 4 levels.
        Assert.AreEqual(decoded.Channel(1, 0, 1), decoded.Channel(2, 0, 1), 4);
    }

    [TestMethod]
    public void RenderHeatmap_SymmetricScale_LargestMagnitudeNegative_SetsBothSides()
    {
        float[] relevance = [1f, -4f];
        SkiaPng decoded = SkiaPng.Decode(HeatmapRenderer.RenderHeatmap(relevance, 1, 1, 2, new HeatmapOptions { ClipPercentile = 100 }).EncodePng());
        Assert.AreEqual(Entry("bwr", SymmetricIndex(1, 4)), decoded.At(0, 0));
        Assert.AreEqual(Entry("bwr", 0), decoded.At(1, 0));
    }

    [TestMethod]
    public void RenderHeatmap_NotSymmetric_MapsMinimumToZeroAndMaximumToTop()
    {
        float[] relevance = [2f, 4f, 10f, 6f];
        var options = new HeatmapOptions { ColorMap = HeatmapColorMap.Hot, Symmetric = false, ClipPercentile = 100 };
        SkiaPng decoded = SkiaPng.Decode(HeatmapRenderer.RenderHeatmap(relevance, 1, 1, 4, options).EncodePng());
        for (int i = 0; i < 4; i++)
        {
            int k = (int)Math.Floor((relevance[i] - 2.0) / 8.0 * 255);
            Assert.AreEqual(Entry("hot", k), decoded.At(i, 0), $"value {relevance[i]}");
        }
    }

    [TestMethod]
    public void RenderHeatmap_PercentileClipping_SaturatesOutlierAndRescalesTheRest()
    {
        var random = new Random(11);
        float[] relevance = [.. Enumerable.Range(0, 400).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        relevance[7] = 50f;
        relevance[8] = -50f;
        double s = AbsPercentile(relevance, 99);
        SkiaPng decoded = SkiaPng.Decode(HeatmapRenderer.RenderHeatmap(relevance, 1, 20, 20, new HeatmapOptions { ClipPercentile = 99 }).EncodePng());

        Assert.AreEqual(Entry("bwr", 255), decoded.At(7, 0));
        Assert.AreEqual(Entry("bwr", 0), decoded.At(8, 0));
        int wrong = Enumerable.Range(9, 391).Count(i => decoded.At(i % 20, i / 20) != Entry("bwr", SymmetricIndex(Math.Clamp(relevance[i], -s, s), s)));
        Assert.AreEqual(0, wrong);

        // Without clipping the outlier sets the scale and everything else is close to the centre.
        SkiaPng unclipped = SkiaPng.Decode(HeatmapRenderer.RenderHeatmap(relevance, 1, 20, 20, new HeatmapOptions { ClipPercentile = 100 }).EncodePng());
        Assert.AreEqual(Entry("bwr", SymmetricIndex(relevance[9], 50)), unclipped.At(9, 0));
    }

    [TestMethod]
    public void RenderHeatmap_ThreeChannels_ColoursTheChannelSum()
    {
        // Planes [3, 1, 2]: pixel 0 sums to +1, pixel 1 to −0.5.
        float[] relevance = [2f, -1f, -0.5f, 0.5f, -0.5f, 0f];
        SkiaPng decoded = SkiaPng.Decode(HeatmapRenderer.RenderHeatmap(relevance, 3, 1, 2, new HeatmapOptions { ClipPercentile = 100 }).EncodePng());
        Assert.AreEqual(Entry("bwr", 255), decoded.At(0, 0));
        Assert.AreEqual(Entry("bwr", SymmetricIndex(-0.5, 1)), decoded.At(1, 0));
    }

    [TestMethod]
    public void RenderHeatmap_AllZeroOrNonFinite_IsCentreEverywhere()
    {
        SkiaPng decoded = SkiaPng.Decode(HeatmapRenderer.RenderHeatmap([0f, float.NaN, 0f, float.PositiveInfinity], 1, 2, 2).EncodePng());
        Assert.AreEqual(4, Enumerable.Range(0, 4).Count(i => decoded.At(i % 2, i / 2) == Entry("bwr", 127)));
    }

    [TestMethod]
    public void RenderHeatmap_BadOptions_ThrowNamingTheOption()
    {
        var percentile = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HeatmapRenderer.RenderHeatmap([1f], 1, 1, 1, new HeatmapOptions { ClipPercentile = 0 }));
        var alpha = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HeatmapRenderer.RenderHeatmap([1f], 1, 1, 1, new HeatmapOptions { OverlayAlpha = 1.5f }));
        var map = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HeatmapRenderer.RenderHeatmap([1f], 1, 1, 1, new HeatmapOptions { ColorMap = (HeatmapColorMap)9 }));
        Assert.AreEqual("ClipPercentile", percentile.ParamName);
        Assert.AreEqual("OverlayAlpha", alpha.ParamName);
        Assert.AreEqual("ColorMap", map.ParamName);
    }
}
