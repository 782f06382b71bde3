using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Evaluation;

/// <summary>
/// Pixel flipping: on a linear model with constant replacement the curves fall by exactly the sorted contributions
/// (computed here in double from <c>w_i x_i</c>); a random attribution has an ABPC near 0; LRP beats a random
/// attribution on a conv net; an ILGPU explanation gives the CPU's curves; bad options are refused by name.
/// </summary>
[TestClass]
public sealed class PixelFlippingTests
{
    [TestMethod]
    public void LinearModel_ConstantReplacement_CurvesDropBySortedContributions()
    {
        const int features = 12, rows = 3;
        var (model, w, bias) = EvaluationModels.Linear(features, seed: 5, low: -1f, high: 1f);
        float[] input = EvaluationModels.Input(rows * features, 6);
        using var explainer = new LrpExplainer(EvaluationModels.Epsilon(model, rows));
        var explanation = explainer.Explain(input, rows);
        var options = new LrpPixelFlippingOptions { Replacement = LrpPerturbation.Constant, ConstantValue = 0f, NormalizeByInitialScore = false };

        var result = LrpEvaluation.PixelFlipping(explainer, input, explanation, options);

        Assert.AreEqual(features, result.Steps);
        for (int r = 0; r < rows; r++)
        {
            var contributions = Enumerable.Range(0, features).Select(i => (double)w[i] * input[r * features + i]).ToArray();
            for (int i = 0; i < features; i++)
            {
                Assert.AreEqual(contributions[i], explanation.RelevanceOf(r)[i], 1e-5, $"R_i = w_i x_i (row {r}, element {i})");
            }

            double f0 = contributions.Sum() + bias;
            var descending = contributions.OrderByDescending(c => c).ToArray();
            var ascending = contributions.OrderBy(c => c).ToArray();
            double morf = f0, lerf = f0;
            Assert.AreEqual(f0, result.MostRelevantFirst(r)[0], 1e-5, "unperturbed");
            for (int k = 1; k <= features; k++)
            {
                morf -= descending[k - 1];
                lerf -= ascending[k - 1];
                Assert.AreEqual(morf, result.MostRelevantFirst(r)[k], 1e-5, $"MoRF row {r} step {k}");
                Assert.AreEqual(lerf, result.LeastRelevantFirst(r)[k], 1e-5, $"LeRF row {r} step {k}");
            }

            Assert.AreEqual(bias, result.MostRelevantFirst(r)[features], 1e-5, "everything replaced: the bias is left");
            Assert.AreEqual(NaiveAbpc(result.LeastRelevantFirst(r), result.MostRelevantFirst(r)), result.Abpc[r], 1e-12, "ABPC");
            Assert.IsGreaterThan(0.0, result.Abpc[r], "the true contributions order the curves");
        }
    }

    [TestMethod]
    public void LinearModel_Normalised_CurvesAreDividedByTheInitialScore()
    {
        const int features = 10, rows = 2;
        var (model, _, _) = EvaluationModels.Linear(features, seed: 7, low: -1f, high: 1f);
        float[] input = EvaluationModels.Input(rows * features, 8);
        using var explainer = new LrpExplainer(EvaluationModels.Epsilon(model, rows));
        var explanation = explainer.Explain(input, rows);
        var raw = LrpEvaluation.PixelFlipping(explainer, input, explanation, new LrpPixelFlippingOptions { Replacement = LrpPerturbation.Constant, NormalizeByInitialScore = false, RegionsPerStep = 3 });
        var normalised = LrpEvaluation.PixelFlipping(explainer, input, explanation, new LrpPixelFlippingOptions { Replacement = LrpPerturbation.Constant, RegionsPerStep = 3 });

        Assert.AreEqual(4, normalised.Steps, "⌈10 / 3⌉ steps");
        CollectionAssert.AreEqual(new[] { 0, 0.3, 0.6, 0.9, 1.0 }, normalised.FractionPerturbed.Select(f => Math.Round(f, 12)).ToArray());
        for (int r = 0; r < rows; r++)
        {
            double scale = Math.Abs(raw.InitialScores[r]);
            for (int k = 0; k <= normalised.Steps; k++)
            {
                Assert.AreEqual(raw.MostRelevantFirst(r)[k] / scale, normalised.MostRelevantFirst(r)[k], 1e-9);
                Assert.AreEqual(raw.LeastRelevantFirst(r)[k] / scale, normalised.LeastRelevantFirst(r)[k], 1e-9);
            }
        }

        Assert.AreEqual(normalised.Abpc.Average(), normalised.MeanAbpc, 1e-12);
        Assert.AreEqual((normalised.MostRelevantFirst(0)[2] + normalised.MostRelevantFirst(1)[2]) / 2, normalised.MeanMostRelevantFirst[2], 1e-12);
    }

    [TestMethod]
    public void RandomAttribution_AbpcIsNearZero()
    {
        const int features = 256, rows = 16;
        var (model, _, _) = EvaluationModels.Linear(features, seed: 11, low: 0f, high: 1f);
        float[] input = EvaluationModels.Input(rows * features, 12, 0f, 1f);
        float[] random = EvaluationModels.Input(rows * features, 13);
        using var explainer = new LrpExplainer(EvaluationModels.Epsilon(model, rows));
        var options = new LrpPixelFlippingOptions { Replacement = LrpPerturbation.Constant, RegionsPerStep = 16 };

        var result = LrpEvaluation.PixelFlipping(explainer, input, rows, random, null, options);
        var relevance = LrpEvaluation.PixelFlipping(explainer, input, explainer.Explain(input, rows), options);

        Console.WriteLine($"random ABPC {result.MeanAbpc:F4}, LRP ABPC {relevance.MeanAbpc:F4}");
        Assert.AreEqual(16, result.Steps);
        Assert.IsLessThan(0.02, Math.Abs(result.MeanAbpc), $"random attribution ABPC {result.MeanAbpc:F4}");
        Assert.IsGreaterThan(0.2, relevance.MeanAbpc, $"LRP ABPC {relevance.MeanAbpc:F4}");
    }

    [TestMethod]
    public void ConvNet_Blur_LrpBeatsRandomAttribution()
    {
        var net = TestNetworks.VggLike(1);
        const int rows = 8;
        int length = net.InputSize / net.InputShape[0];
        float[] input = EvaluationModels.Input(rows * length, 21);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = net.Model, Composite = LrpComposite.EpsilonPlus, BatchSize = rows });
        var explanation = explainer.Explain(input, rows);
        var options = new LrpPixelFlippingOptions { PatchSize = 2, RegionsPerStep = 4, Steps = 9, BlurSigma = 1.5f };

        var lrp = LrpEvaluation.PixelFlipping(explainer, input, explanation, options);
        var random = LrpEvaluation.PixelFlipping(explainer, input, rows, EvaluationModels.Input(rows * length, 22), explanation.Targets, options);

        Console.WriteLine($"conv net: LRP ABPC {lrp.MeanAbpc:F4}, random ABPC {random.MeanAbpc:F4}");
        Assert.AreEqual(36, lrp.Regions, "6 × 6 patches of 2 × 2");
        Assert.IsGreaterThan(random.MeanAbpc, lrp.MeanAbpc, $"LRP {lrp.MeanAbpc:F4} versus random {random.MeanAbpc:F4}");
        Assert.AreEqual(1.0, Math.Abs(lrp.MeanMostRelevantFirst[0]), 1e-12, "normalised start");
    }

    [TestMethod]
    [TestCategory("Ilgpu")]
    public void IlgpuExplanation_GivesTheCpuCurves()
    {
        var net = TestNetworks.VggLike(1);
        const int rows = 2;
        int length = net.InputSize / net.InputShape[0];
        float[] input = EvaluationModels.Input(rows * length, 31);
        var lrpOptions = new LrpOptions { ModelBytes = net.Model, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = rows };
        var options = new LrpPixelFlippingOptions { PatchSize = 3, RegionsPerStep = 2, Steps = 8 };
        using var cpu = new LrpExplainer(lrpOptions, () => new CpuBackend());
        using var ilgpu = new LrpExplainer(lrpOptions, () => new IlgpuBackend(IlgpuDevice.CpuEmulator()));

        var onCpu = LrpEvaluation.PixelFlipping(cpu, input, cpu.Explain(input, rows), options);
        var onIlgpu = LrpEvaluation.PixelFlipping(ilgpu, input, ilgpu.Explain(input, rows), options);

        StringAssert.StartsWith(ilgpu.BackendName, "ILGPU");
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k <= options.Steps; k++)
            {
                Assert.AreEqual(onCpu.MostRelevantFirst(r)[k], onIlgpu.MostRelevantFirst(r)[k], 1e-6, $"MoRF row {r} step {k}");
                Assert.AreEqual(onCpu.LeastRelevantFirst(r)[k], onIlgpu.LeastRelevantFirst(r)[k], 1e-6, $"LeRF row {r} step {k}");
            }
        }

        Assert.AreEqual(onCpu.MeanAbpc, onIlgpu.MeanAbpc, 1e-6, "ABPC");
    }

    [TestMethod]
    public void Options_OutOfRange_AreRefusedByName()
    {
        var (model, _, _) = EvaluationModels.Linear(6, seed: 3, low: -1f, high: 1f);
        float[] input = EvaluationModels.Input(6, 4);
        using var explainer = new LrpExplainer(EvaluationModels.Epsilon(model, 1));
        var explanation = explainer.Explain(input, 1);

        var steps = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrpEvaluation.PixelFlipping(explainer, input, explanation, new LrpPixelFlippingOptions { Steps = 7 }));
        StringAssert.Contains(steps.Message, "LrpPixelFlippingOptions.Steps");
        var patch = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrpEvaluation.PixelFlipping(explainer, input, explanation, new LrpPixelFlippingOptions { PatchSize = 0 }));
        StringAssert.Contains(patch.Message, "LrpPixelFlippingOptions.PatchSize");
        var sigma = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LrpEvaluation.PixelFlipping(explainer, input, explanation, new LrpPixelFlippingOptions { BlurSigma = 0 }));
        StringAssert.Contains(sigma.Message, "LrpPixelFlippingOptions.BlurSigma");
        var length = Assert.ThrowsExactly<ArgumentException>(() => LrpEvaluation.PixelFlipping(explainer, input, 1, new float[5]));
        StringAssert.Contains(length.Message, "attribution");
    }

    /// <summary>The trapezoid rule over evenly spaced points on [0, 1], written out.</summary>
    private static double NaiveAbpc(IReadOnlyList<double> lerf, IReadOnlyList<double> morf)
    {
        int n = lerf.Count - 1;
        double h = 1.0 / n, area = 0;
        for (int k = 0; k < n; k++)
        {
            area += h * 0.5 * ((lerf[k] - morf[k]) + (lerf[k + 1] - morf[k + 1]));
        }

        return area;
    }
}
