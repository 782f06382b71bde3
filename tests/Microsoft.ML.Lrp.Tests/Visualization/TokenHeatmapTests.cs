using Microsoft.ML.Lrp.Visualization;

namespace Microsoft.ML.Lrp.Tests.Visualization;

[TestClass]
public sealed class TokenHeatmapTests
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
    public void Scale_IgnoresNonFinite_IsLargestMagnitude()
        => Assert.AreEqual(3f, TokenHeatmap.Scale([1f, -3f, float.NaN, 2f]));

    [TestMethod]
    public void RenderHtml_EncodesTokensJoinsContinuationsAndColoursTheLargest()
    {
        var html = TokenHeatmap.RenderHtml([new TokenHeatmapRow("doc <1>", ["[CLS]", "play", "##ing", "<b>"], [0f, 2f, -1f, 0.5f])], "Why");

        StringAssert.Contains(html, "doc &lt;1&gt;");
        StringAssert.Contains(html, "&lt;b&gt;");
        StringAssert.Contains(html, "style=\"background:#ff0000\" title=\"2\">play</span><span");
        StringAssert.Contains(html, "style=\"background:#8080ff\" title=\"-1\">ing</span>");
        Assert.AreEqual(4, html.Split("class=\"tok\"").Length - 1);
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
            TokenHeatmap.SaveHtml(path, [new TokenHeatmapRow("x", ["a"], [1f])]);
            Assert.AreEqual(TokenHeatmap.RenderHtml([new TokenHeatmapRow("x", ["a"], [1f])]), File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
