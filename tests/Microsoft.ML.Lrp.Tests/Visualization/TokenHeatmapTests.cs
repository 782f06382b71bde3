using System.Text.RegularExpressions;
using Microsoft.ML.Lrp.Visualization;
using static Microsoft.ML.Lrp.Tests.Visualization.ZennitColorMapReference;

namespace Microsoft.ML.Lrp.Tests.Visualization;

[TestClass]
public sealed partial class TokenHeatmapTests
{
    [TestMethod]
    [DataRow(0f, 1f, "#ffffff")]
    [DataRow(1f, 1f, "#ff0000")]
    [DataRow(-2f, 1f, "#0000ff")]
    [DataRow(0.5f, 1f, "#ff8080")]
    [DataRow(3f, 0f, "#ffffff")]
    public void Color_RelevanceOnScale_IsWhiteToRedOrBlue(float relevance, float scale, string expected)
        => Assert.AreEqual(expected, TokenHeatmap.Color(relevance, scale));

    [TestMethod]
    [DataRow(0.3f, 1f, HeatmapColorMap.Bwr, "bwr")]
    [DataRow(-0.8f, 2f, HeatmapColorMap.ColdNHot, "coldnhot")]
    [DataRow(5f, 2f, HeatmapColorMap.Hot, "hot")]
    [DataRow(-0.1f, 1f, HeatmapColorMap.Gray, "gray")]
    public void Color_WithColorMap_IsZennitPaletteEntry(float relevance, float scale, HeatmapColorMap map, string name)
        => Assert.AreEqual(Hex(Entry(name, SymmetricIndex(Math.Clamp(relevance, -scale, scale), scale))), TokenHeatmap.Color(relevance, scale, map));

    [TestMethod]
    public void Scale_IgnoresNonFinite_IsLargestMagnitude()
        => Assert.AreEqual(3f, TokenHeatmap.Scale([1f, -3f, float.NaN, 2f]));

    [TestMethod]
    public void RenderHtml_EncodesTokensJoinsContinuationsAndColoursWithBwr()
    {
        var html = TokenHeatmap.RenderHtml([new TokenHeatmapRow("doc <1>", ["[CLS]", "play", "##ing", "<b>"], [0f, 2f, -1f, 0.5f])], "Why");

        StringAssert.Contains(html, "doc &lt;1&gt;");
        StringAssert.Contains(html, "&lt;b&gt;");
        StringAssert.Contains(html, $"style=\"background:{Hex(Entry("bwr", 255))};color:#fff\" title=\"2\">play</span><span");
        StringAssert.Contains(html, $"style=\"background:{Hex(Entry("bwr", SymmetricIndex(-1, 2)))};color:#000\" title=\"-1\">ing</span>");
        Assert.AreEqual(4, html.Split("class=\"tok\"").Length - 1);
    }

    [TestMethod]
    public void RenderHtml_ManyRows_OneNumberedLinePerRow()
    {
        var random = new Random(3);
        TokenHeatmapRow[] rows = [.. Enumerable.Range(0, 250).Select(i => new TokenHeatmapRow($"doc {i}", ["a", "b", "c"], [(float)random.NextDouble(), -(float)random.NextDouble(), 0f]))];
        string html = TokenHeatmap.RenderHtml(rows, new HeatmapOptions { ColorMap = HeatmapColorMap.ColdNHot });

        Assert.HasCount(250, RowDivs().Matches(html));
        Assert.AreEqual(750, html.Split("class=\"tok\"").Length - 1);
        StringAssert.Contains(html, "id=\"row250\"><div class=\"caption\">#250 doc 249");
    }

    [TestMethod]
    public void RenderHtml_SharedScale_RowsUseOneScale()
    {
        TokenHeatmapRow[] rows = [new("big", ["x", "y"], [4f, 0f]), new("small", ["u", "v"], [1f, -2f])];
        var options = new HeatmapOptions { ClipPercentile = 100 };
        string own = TokenHeatmap.RenderHtml(rows, options);
        string shared = TokenHeatmap.RenderHtml(rows, options, sharedScale: true);

        StringAssert.Contains(own, $"background:{Hex(Entry("bwr", 0))};color:#fff\" title=\"-2\"");
        StringAssert.Contains(shared, $"background:{Hex(Entry("bwr", SymmetricIndex(-2, 4)))};color:#000\" title=\"-2\"");
        StringAssert.Contains(shared, $"background:{Hex(Entry("bwr", SymmetricIndex(1, 4)))};color:#000\" title=\"1\"");
        StringAssert.Contains(shared, "one scale for all 2 rows (s = 4)");
    }

    [TestMethod]
    public void RenderHtml_DarkBackground_WhiteText()
    {
        string html = TokenHeatmap.RenderHtml([new TokenHeatmapRow("r", ["zero", "one"], [0f, 1f])], new HeatmapOptions { ColorMap = HeatmapColorMap.ColdNHot });
        StringAssert.Contains(html, $"background:{Hex(Entry("coldnhot", 127))};color:#fff\" title=\"0\">zero<");
    }

    [TestMethod]
    public void RenderHtml_TokenAndRelevanceCountsDiffer_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => TokenHeatmap.RenderHtml([new TokenHeatmapRow("x", ["a", "b"], [1f])]));

    [TestMethod]
    public void SaveHtml_WritesTheDocument()
    {
        string path = Path.Combine(Path.GetTempPath(), "lrp-token-heatmap-" + Guid.NewGuid().ToString("N"), "h.html");
        try
        {
            var options = new HeatmapOptions { ColorMap = HeatmapColorMap.Hot, Symmetric = false };
            TokenHeatmap.SaveHtml(path, [new TokenHeatmapRow("x", ["a", "b"], [1f, 2f])], options, "T", sharedScale: true);
            Assert.AreEqual(TokenHeatmap.RenderHtml([new TokenHeatmapRow("x", ["a", "b"], [1f, 2f])], options, "T", sharedScale: true), File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    private static string Hex(string rgb) => "#" + string.Concat(rgb.Split(',').Select(v => int.Parse(v).ToString("x2")));

    [GeneratedRegex("<div class=\"row\" id=\"row\\d+\">")]
    private static partial Regex RowDivs();
}
