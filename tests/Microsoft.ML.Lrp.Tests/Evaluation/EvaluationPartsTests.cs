using Microsoft.ML.Lrp.Evaluation;
using SkiaSharp;

namespace Microsoft.ML.Lrp.Tests.Evaluation;

/// <summary>
/// The parts of the evaluation against plain re-implementations: the separable blur against a direct 2-D Gaussian
/// convolution, the regions and their sums, Spearman's correlation against <c>1 − 6Σd² / n(n²−1)</c>, and the PNG plot.
/// </summary>
[TestClass]
public sealed class EvaluationPartsTests
{
    [TestMethod]
    public void GaussianBlur_EqualsDirectTwoDimensionalConvolution()
    {
        int[] shape = [2, 5, 7];
        float[] row = EvaluationModels.Input(70, 51);
        var grid = new RegionGrid(shape, 2);
        const double sigma = 1.3;

        float[] blurred = GaussianBlur.Apply(row, grid, (float)sigma);

        int radius = (int)Math.Ceiling(3 * sigma);
        for (int c = 0; c < 2; c++)
        {
            for (int y = 0; y < 5; y++)
            {
                for (int x = 0; x < 7; x++)
                {
                    double sum = 0, weights = 0;
                    for (int dy = -radius; dy <= radius; dy++)
                    {
                        for (int dx = -radius; dx <= radius; dx++)
                        {
                            double weight = Math.Exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
                            int yy = Math.Clamp(y + dy, 0, 4), xx = Math.Clamp(x + dx, 0, 6);
                            sum += weight * row[(c * 5 + yy) * 7 + xx];
                            weights += weight;
                        }
                    }

                    Assert.AreEqual(sum / weights, blurred[(c * 5 + y) * 7 + x], 1e-5, $"({c}, {y}, {x})");
                }
            }
        }
    }

    [TestMethod]
    public void RegionGrid_PatchesCoverEveryChannel_AndSumTheirRelevance()
    {
        var grid = new RegionGrid([3, 5, 5], 2);
        float[] relevance = EvaluationModels.Input(75, 52);

        double[] sums = grid.RegionSums(relevance);

        Assert.AreEqual(9, grid.Count, "⌈5/2⌉² patches");
        Assert.AreEqual(12, grid.Members(0).Length, "2 × 2 pixels × 3 channels");
        Assert.AreEqual(3, grid.Members(8).Length, "the corner patch: 1 pixel × 3 channels");
        for (int region = 0; region < 9; region++)
        {
            int py = region / 3, px = region % 3;
            double expected = 0;
            for (int c = 0; c < 3; c++)
            {
                for (int y = 2 * py; y < Math.Min(5, 2 * py + 2); y++)
                {
                    for (int x = 2 * px; x < Math.Min(5, 2 * px + 2); x++)
                    {
                        expected += relevance[(c * 5 + y) * 5 + x];
                    }
                }
            }

            Assert.AreEqual(expected, sums[region], 1e-9, $"region {region}");
        }

        CollectionAssert.AreEqual(new[] { 1, 3, 0, 2 }, RegionGrid.Order([0.5, 2, -1, 2], mostRelevantFirst: true), "descending, ties in region order");
        CollectionAssert.AreEqual(new[] { 2, 0, 1, 3 }, RegionGrid.Order([0.5, 2, -1, 2], mostRelevantFirst: false), "ascending, ties in region order");
    }

    [TestMethod]
    public void Spearman_WithoutTies_EqualsTheSquaredRankDifferenceFormula()
    {
        float[] a = EvaluationModels.Input(40, 53), b = EvaluationModels.Input(40, 54);
        for (int i = 0; i < 40; i++)
        {
            b[i] += 0.8f * a[i];
        }

        int n = a.Length;
        int[] rankA = NaiveRanks(a), rankB = NaiveRanks(b);
        double d2 = Enumerable.Range(0, n).Sum(i => Math.Pow(rankA[i] - rankB[i], 2));
        double expected = 1 - (6 * d2 / (n * ((double)n * n - 1)));

        Assert.AreEqual(expected, SpearmanCorrelation.Of(a, b, absolute: false), 1e-12);
        Assert.AreEqual(1.0, SpearmanCorrelation.Of(a, a.Select(v => (3 * v) + 1).ToArray(), false), 1e-12, "monotone");
        Assert.AreEqual(-1.0, SpearmanCorrelation.Of(a, a.Select(v => -v).ToArray(), false), 1e-12, "reversed");
        Assert.AreEqual(1.0, SpearmanCorrelation.Of(a, a.Select(v => -v).ToArray(), true), 1e-12, "absolute values ignore the sign");
        Assert.AreEqual(0.0, SpearmanCorrelation.Of(a, new float[n], false), "a constant heatmap has no order");
        CollectionAssert.AreEqual(new[] { 1.5, 1.5, 3, 4.5, 4.5 }, SpearmanCorrelation.Ranks([1f, 1f, 2f, 5f, 5f], false), "ties share their mean rank");
    }

    [TestMethod]
    public void SaveCurvesPng_WritesAPlotOfTheGivenSize_InThePaletteColours()
    {
        var first = new LrpPixelFlippingResult([[1, 0.4, 0.1]], [[1, 0.9, 0.7]], [2.0], [0, 0.5, 1], 4);
        var second = new LrpPixelFlippingResult([[1, 0.6, 0.3]], [[1, 0.8, 0.5]], [2.0], [0, 0.5, 1], 4);
        string path = Path.Combine(Path.GetTempPath(), $"lrp-curves-{Guid.NewGuid():N}.png");
        try
        {
            LrpEvaluation.SaveCurvesPng(path, new Dictionary<string, LrpPixelFlippingResult> { ["A"] = first, ["B"] = second }, 300, 200);

            using var bitmap = SKBitmap.Decode(path);
            Assert.AreEqual(300, bitmap.Width);
            Assert.AreEqual(200, bitmap.Height);
            var colours = bitmap.Pixels.Select(p => (p.Red, p.Green, p.Blue)).ToHashSet();
            Assert.Contains(CurvePlot.Palette[0], colours, "first result's colour");
            Assert.Contains(CurvePlot.Palette[1], colours, "second result's colour");
            Assert.DoesNotContain(CurvePlot.Palette[2], colours, "no third result");
            Assert.AreEqual(0.4, first.Abpc[0], 1e-12, "trapezoid over L − M = [0, 0.5, 0.6]");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Combine_AppendsRows_AndRefusesOtherSteps()
    {
        var first = new LrpPixelFlippingResult([[1, 0.4, 0.1]], [[1, 0.9, 0.7]], [2.0], [0, 0.5, 1], 4);
        var second = new LrpPixelFlippingResult([[1, 0.6, 0.3], [1, 1, 1]], [[1, 0.8, 0.5], [1, 1, 1]], [3.0, 4.0], [0, 0.5, 1], 4);
        var other = new LrpPixelFlippingResult([[1, 0.5]], [[1, 0.5]], [1.0], [0, 1], 4);

        var combined = LrpPixelFlippingResult.Combine([first, second]);

        Assert.AreEqual(3, combined.Rows);
        Assert.AreEqual((first.Abpc[0] + second.Abpc[0] + second.Abpc[1]) / 3, combined.MeanAbpc, 1e-12);
        Assert.AreEqual((0.4 + 0.6 + 1) / 3, combined.MeanMostRelevantFirst[1], 1e-12);
        CollectionAssert.AreEqual(new[] { 2.0, 3.0, 4.0 }, combined.InitialScores.ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => LrpPixelFlippingResult.Combine([first, other]));
    }

    private static int[] NaiveRanks(float[] values)
    {
        var ranks = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            ranks[i] = 1 + values.Count(v => v < values[i]);
        }

        return ranks;
    }
}
