using System.Numerics;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.AttentionOps;

/// <summary>DFT and STFT as a MatMul with the Fourier matrix: ONNX Runtime equality, and Epsilon relevance against a naive complex-number reference.</summary>
[TestClass]
public sealed class SpectralTests
{
    private const double Tolerance = 1e-5;

    [TestMethod]
    [DataRow(1L, 0L, 0L, 0L)]
    [DataRow(1L, 1L, 0L, 0L)]
    [DataRow(2L, 0L, 0L, 0L)]
    [DataRow(2L, 0L, 1L, 0L)]
    [DataRow(1L, 1L, 0L, 6L)]
    [DataRow(2L, 0L, 0L, 11L)]
    public void Dft_Opset17_MatchesOnnxRuntime(long channels, long onesided, long inverse, long length)
    {
        var builder = new OnnxModelBuilder(60).Opset(17).Input("x", 2, 8, channels).Output("y");
        string[] inputs = ["x"];
        if (length > 0)
        {
            builder.Initializer("length", [length]);
            inputs = ["x", "length"];
        }

        byte[] model = builder.Node("DFT", inputs, ["y"], "dft", ("axis", 1L), ("onesided", onesided), ("inverse", inverse)).Build();
        var feeds = new Dictionary<string, FeedValue> { ["x"] = DecompositionRunner.Random(61, 2, 8, channels) };
        DecompositionRunner.AssertMatches(model, "DFT", feeds, Tolerance, "y");
    }

    [TestMethod]
    public void Dft_Opset20AxisInput_MatchesOnnxRuntime()
    {
        byte[] model = DecompositionRunner.Ir10(new OnnxModelBuilder(62).Opset(20).Input("x", 2, 3, 8, 1).Output("y")
            .Initializer("axis", [-2L])
            .Node("DFT", ["x", "", "axis"], ["y"], "dft", ("onesided", 1L)).Build());
        var feeds = new Dictionary<string, FeedValue> { ["x"] = DecompositionRunner.Random(63, 2, 3, 8, 1) };
        DecompositionRunner.AssertMatches(model, "DFT", feeds, Tolerance, "y");
    }

    [TestMethod]
    public void Dft_OtherAxis_ThrowsNamingNodeAndAxis()
    {
        byte[] model = new OnnxModelBuilder(64).Opset(17).Input("x", 2, 8, 4, 1).Output("y").Node("DFT", ["x"], ["y"], "columns", ("axis", 1L)).Build();
        var e = Assert.ThrowsExactly<LrpException>(() => DecompositionRunner.Decompose(model, "DFT"));
        StringAssert.Contains(e.Message, "'columns'");
        StringAssert.Contains(e.Message, "axis");
    }

    [TestMethod]
    [DataRow(1L)]
    [DataRow(0L)]
    public void Stft_HannWindow_MatchesOnnxRuntime(long onesided)
    {
        byte[] model = StftModel(onesided);
        var feeds = new Dictionary<string, FeedValue> { ["x"] = DecompositionRunner.Random(65, 2, 30, 1) };
        DecompositionRunner.AssertMatches(model, "STFT", feeds, Tolerance, "y");
    }

    [TestMethod]
    public void Dft_Relevance_IsEpsilonOfTheFourierMapAndConserves()
    {
        const int rows = 2, n = 8, bins = 5;
        byte[] model = new OnnxModelBuilder(66).Opset(17).Input("x", "N", n, 1).Output("y", "N", bins, 2)
            .Node("DFT", ["x"], ["y"], "dft", ("axis", 1L), ("onesided", 1L)).Build();
        float[] input = RuleHarness.Input(rows * n, 67);
        var (result, r) = RuleHarness.Explain(model, input, rows, LrpComposite.AttnLrp);
        var expected = new double[input.Length];
        for (int row = 0; row < rows; row++)
        {
            // Column j = k·2 + part of the map x ↦ X_k = Σ_t x_t e^{−2πikt/n}.
            Epsilon(input, row * n, n, (t, j) => Part(Complex.FromPolarCoordinates(1, -2 * Math.PI * (j / 2) * t / n), j % 2), r, row * bins * 2, bins * 2, expected);
        }

        RuleHarness.AssertMatches(expected, result, "DFT");
    }

    [TestMethod]
    public void Stft_Relevance_IsEpsilonOfTheWindowedFramesAndConserves()
    {
        const int rows = 2, length = 30, step = 4, frame = 8, bins = 5, frames = 6;
        byte[] model = StftModel(1, batch: "N");
        float[] input = RuleHarness.Input(rows * length, 68);
        var (result, r) = RuleHarness.Explain(model, input, rows, LrpComposite.AttnLrp);
        var expected = new double[input.Length];
        double[] window = Hann(frame);
        for (int row = 0; row < rows; row++)
        {
            var frameRelevance = new double[input.Length];
            for (int f = 0; f < frames; f++)
            {
                // Frame f reads samples f·step … f·step + 7; its map is the windowed DFT.
                Array.Clear(frameRelevance);
                Epsilon(input, (row * length) + (f * step), frame, (t, j) => window[t] * Part(Complex.FromPolarCoordinates(1, -2 * Math.PI * (j / 2) * t / frame), j % 2),
                    r, ((row * frames) + f) * bins * 2, bins * 2, frameRelevance);
                for (int i = 0; i < expected.Length; i++)
                {
                    expected[i] += frameRelevance[i];
                }
            }
        }

        RuleHarness.AssertMatches(expected, result, "STFT");
    }

    [TestMethod]
    public void Stft_SignalLengthFromInputRowShape_ExplainsLikeDeclaredSignal()
    {
        // x [N, T] → Unsqueeze(2) → STFT: the signal's length is T, known only from LrpOptions.InputRowShapes.
        byte[] undeclared = new OnnxModelBuilder(69).Opset(17).Input("x", "N", "T").Output("y")
            .Initializer("step", [4L]).Initializer("window", [.. Hann(8).Select(v => (float)v)], 8).Initializer("last", [2L])
            .Node("Unsqueeze", ["x", "last"], ["signal"], "unsqueeze")
            .Node("STFT", ["signal", "step", "window"], ["y"], "stft", ("onesided", 1L)).Build();
        const int rows = 2;
        float[] input = RuleHarness.Input(rows * 30, 70);
        var w = new SeededWeights(7).Uniform(6 * 5 * 2, -1f, 1f);
        LrpExplanation Explain(byte[] model, IReadOnlyDictionary<string, int[]>? rowShapes)
        {
            using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = LrpComposite.AttnLrp, Target = LrpTarget.Direction(w), InputRowShapes = rowShapes });
            return explainer.Explain(input, rows, conservationReport: true);
        }

        var expected = Explain(StftModel(1, batch: "N"), null);
        var actual = Explain(undeclared, new Dictionary<string, int[]> { ["x"] = [30] });
        Assert.HasCount(expected.Relevance.Length, actual.Relevance);
        for (int i = 0; i < expected.Relevance.Length; i++)
        {
            Assert.AreEqual(expected.Relevance[i], actual.Relevance[i], 1e-6 * (1 + Math.Abs(expected.Relevance[i])), $"element {i}");
        }

        Assert.IsLessThanOrEqualTo(1e-4, actual.ConservationReport!.MaxRelativeError);
    }

    private static byte[] StftModel(long onesided, object? batch = null)
    {
        long bins = onesided != 0 ? 5 : 8;
        var builder = new OnnxModelBuilder(69).Opset(17).Input("x", batch ?? 2, 30, 1)
            .Initializer("step", [4L]).Initializer("window", [.. Hann(8).Select(v => (float)v)], 8);
        builder = batch is null ? builder.Output("y") : builder.Output("y", batch, 6, bins, 2);
        return builder.Node("STFT", ["x", "step", "window"], ["y"], "stft", ("onesided", onesided)).Build();
    }

    private static double[] Hann(int n) => [.. Enumerable.Range(0, n).Select(i => 0.5 - (0.5 * Math.Cos(2 * Math.PI * i / n)))];

    private static double Part(Complex c, int part) => part == 0 ? c.Real : c.Imaginary;

    /// <summary>Epsilon of z_j = Σ_t x_t M(t, j): R_t += x_t M(t, j) R_j / (z_j + ε sign z_j).</summary>
    private static void Epsilon(float[] x, int xStart, int count, Func<int, int, double> m, double[] r, int rStart, int columns, double[] into)
    {
        for (int j = 0; j < columns; j++)
        {
            double z = Enumerable.Range(0, count).Sum(t => x[xStart + t] * m(t, j));
            double s = r[rStart + j] / (z + (z >= 0 ? 1e-6 : -1e-6));
            for (int t = 0; t < count; t++)
            {
                into[xStart + t] += x[xStart + t] * m(t, j) * s;
            }
        }
    }
}
