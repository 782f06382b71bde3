using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Evaluation;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Evaluation;

/// <summary>
/// The cascading model-parameter randomisation (Adebayo et al. 2018): layers are found from the top, only their
/// weights change (to values of the same standard deviation), the correlation is 1 at step 0 and falls after
/// randomising on a small conv net, and the ILGPU backend gives the CPU's figures.
/// </summary>
[TestClass]
public sealed class ParameterRandomizationTests
{
    [TestMethod]
    public void LinearLayers_AreListedFromTheTop()
    {
        var graph = OnnxModel.Load(TestNetworks.VggLike(1).Model).Graph;

        var layers = ParameterRandomizer.LinearLayers(graph);

        CollectionAssert.AreEqual(new[] { "dense1", "dense0", "conv1", "conv0" }, layers.Select(l => l.NodeName).ToArray());
        CollectionAssert.AreEqual(new[] { "W1", "W0" }, layers.Take(2).Select(l => l.Initializer).ToArray());
    }

    [TestMethod]
    public void Randomize_ChangesOnlyTheChosenWeights_KeepingTheirStandardDeviation()
    {
        byte[] bytes = TestNetworks.VggLike(1).Model;
        var graph = OnnxModel.Load(bytes).Graph;
        var layers = ParameterRandomizer.LinearLayers(graph);

        var randomized = OnnxModel.Load(ParameterRandomizer.Randomize(bytes, graph, layers.Take(3).ToList(), seed: 4)).Graph;

        var chosen = layers.Take(3).Select(l => l.Initializer).ToHashSet();
        foreach (var (name, tensor) in graph.Initializers)
        {
            float[] before = tensor.ToFloats(), after = randomized.Initializers[name].ToFloats();
            if (chosen.Contains(name))
            {
                Assert.IsFalse(before.SequenceEqual(after), $"{name} randomised");
                double expected = NaiveStd(before), actual = NaiveStd(after);
                Assert.AreEqual(expected, actual, 0.25 * expected, $"{name}: std {actual:F4} versus {expected:F4}");
                Assert.AreEqual(0, after.Average(), 3 * expected / Math.Sqrt(after.Length) + 1e-6, $"{name}: mean 0");
            }
            else
            {
                CollectionAssert.AreEqual(before, after, $"{name} kept");
            }
        }
    }

    [TestMethod]
    public void SmallConvNet_CorrelationIsOneAtStepZero_AndFallsAfterRandomising()
    {
        var net = TestNetworks.VggLike(1);
        const int rows = 4;
        float[] input = EvaluationModels.Input(rows * (net.InputSize / net.InputShape[0]), 41);
        var options = new LrpOptions { ModelBytes = net.Model, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = rows };

        var steps = LrpEvaluation.ParameterRandomization(options, input, rows, new LrpRandomizationOptions { Seed = 1 });

        Console.WriteLine(string.Join(", ", steps.Select(s => $"{s.LayerName ?? "original"}: {s.MeanCorrelation:F3}")));
        Assert.HasCount(5, steps, "the original and four layers");
        Assert.IsNull(steps[0].LayerName);
        CollectionAssert.AreEqual(new[] { "dense1", "dense0", "conv1", "conv0" }, steps.Skip(1).Select(s => s.LayerName).ToArray());
        foreach (double c in steps[0].RowCorrelations)
        {
            Assert.AreEqual(1.0, c, 1e-12, "step 0 is the original heatmap");
        }

        Assert.IsLessThan(0.5, steps[^1].MeanCorrelation, $"fully randomised: {steps[^1].MeanCorrelation:F3}");
        Assert.IsLessThan(0.9, steps.Skip(1).Max(s => s.MeanCorrelation), "every randomised step moves away from the original");
        using var reference = new LrpExplainer(options);
        CollectionAssert.AreEqual(reference.Explain(input, rows).Relevance, steps[0].Relevance.ToArray(), "step 0 relevance is the plain explanation");
    }

    [TestMethod]
    [TestCategory("Ilgpu")]
    public void IlgpuBackend_GivesTheCpuCorrelations()
    {
        var net = TestNetworks.VggLike(1);
        const int rows = 2;
        float[] input = EvaluationModels.Input(rows * (net.InputSize / net.InputShape[0]), 43);
        var options = new LrpOptions { ModelBytes = net.Model, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = rows };
        var settings = new LrpRandomizationOptions { MaxLayers = 2, Seed = 2 };

        var cpu = LrpEvaluation.ParameterRandomization(options, input, rows, settings, null, o => new LrpExplainer(o, () => new CpuBackend()));
        var ilgpu = LrpEvaluation.ParameterRandomization(options, input, rows, settings, null, o => new LrpExplainer(o, () => new IlgpuBackend(IlgpuDevice.CpuEmulator())));

        Assert.HasCount(3, ilgpu);
        for (int s = 0; s < cpu.Count; s++)
        {
            for (int r = 0; r < rows; r++)
            {
                Assert.AreEqual(cpu[s].RowCorrelations[r], ilgpu[s].RowCorrelations[r], 1e-3, $"step {s} row {r}");
            }
        }
    }

    [TestMethod]
    public void ModelWithoutLinearLayers_IsRefused()
    {
        byte[] model = new OnnxModelBuilder().Input("input", "N", 4).Node("Relu", "input", "output", "relu").Output("output", "N", 4).Build();

        var error = Assert.ThrowsExactly<LrpException>(() => LrpEvaluation.ParameterRandomization(new LrpOptions { ModelBytes = model }, new float[4], 1));

        StringAssert.Contains(error.Message, "no linear layer");
    }

    private static double NaiveStd(float[] values)
    {
        double mean = 0;
        foreach (float v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double sum = 0;
        foreach (float v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return Math.Sqrt(sum / values.Length);
    }
}
