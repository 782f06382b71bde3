using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// On a bias-free piecewise-linear network, Epsilon with ε → 0 (Norm on sums and average pools, winner-takes-all on
/// max pools) equals gradient × input. A central finite difference of the reference's forward pass checks every
/// transposed map element by element, which conservation alone cannot.
/// </summary>
[TestClass]
public sealed class ReferenceGradientTests
{
    /// <summary>Bias-free networks.</summary>
    public static IEnumerable<object[]> BiasFreeNames => ReferenceConservationTests.BiasFreeNames;

    /// <summary>Piecewise-linear networks (Relu, pools, routing, sums) whose biases the test zeroes.</summary>
    public static IEnumerable<object[]> PiecewiseLinearNames =>
        new[] { "MlpFlatten", "GemmTransA", "GatherActivation", "VggLike_d2", "ResNetLike", "GroupedConv", "DepthwiseConv", "Conv1d", "Conv3d", "ConvTranspose", "Pools", "GlobalMaxPool", "Routing", "SubAndSum" }
            .Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(BiasFreeNames))]
    public void Explain_EpsilonOnBiasFreeNet_EqualsGradientTimesInput(string name) => Check(TestNetworks.ByName(name));

    [TestMethod]
    [DynamicData(nameof(PiecewiseLinearNames))]
    public void Explain_EpsilonOnNetWithZeroedBiases_EqualsGradientTimesInput(string name) => Check(ModelSurgery.WithoutBiases(TestNetworks.ByName(name)));

    private static void Check(TestNetwork network)
    {
        string name = network.Name;
        var shape = (int[])network.InputShape.Clone();
        shape[0] = 1;
        int size = shape.Aggregate(1, (a, b) => a * b);
        var input = new SeededWeights(21).UniformDouble(size);
        var options = new ReferenceOptions { Composite = LrpComposite.Epsilon, Epsilon = 1e-12, Target = LrpTarget.Class(1) };
        var result = ReferenceLrp.Explain(network.Model, input, shape, options);
        const double h = 1e-6;
        for (int i = 0; i < size; i += Math.Max(1, size / 40))
        {
            var plus = (double[])input.Clone();
            var minus = (double[])input.Clone();
            plus[i] += h;
            minus[i] -= h;
            double gradient = (Score(network, plus, shape) - Score(network, minus, shape)) / (2 * h);
            Assert.AreEqual(gradient * input[i], result.Relevance[i], 1e-6, $"{name}: input {i}");
        }
    }

    private static double Score(TestNetwork network, double[] input, int[] shape)
        => ReferenceLrp.Forward(network.Model, input, shape)[network.OutputName].Data[1];
}
