using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>The reference's forward pass agrees with ONNX Runtime on every test network.</summary>
[TestClass]
public sealed class ReferenceForwardTests
{
    /// <summary>The names of <see cref="TestNetworks.All"/>.</summary>
    public static IEnumerable<object[]> NetworkNames => TestNetworks.All().Select(n => new object[] { n.Name });

    [TestMethod]
    [DynamicData(nameof(NetworkNames))]
    public void Forward_TestNetwork_MatchesOnnxRuntime(string name)
    {
        var network = TestNetworks.ByName(name);
        var input = network.RandomInput(seed: 7);
        var expected = RunOnnxRuntime(network, input);
        var actual = ReferenceLrp.Forward(network.Model, input, network.InputShape)[network.OutputName].Data;
        Assert.HasCount(expected.Length, actual);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]) / (1 + Math.Abs(expected[i])));
        }

        Assert.AreEqual(0, worst, 1e-5, $"{name}: largest relative difference to ONNX Runtime");
    }

    [TestMethod]
    public void Forward_ReshapeWithZeroAndMinusOne_KeepsBatchAndInfers()
    {
        var network = TestNetworks.Routing();
        var input = network.RandomInput(seed: 3);
        var graph = ReferenceGraph.Parse(network.Model);
        var forward = new ReferenceForward(graph, "input", new ReferenceTensor(network.InputShape, input));
        CollectionAssert.AreEqual(new[] { 2, 4, 4 }, forward.Values["r"].Shape);
    }

    /// <summary>The ONNX Runtime output of a network (float).</summary>
    internal static double[] RunOnnxRuntime(TestNetwork network, double[] input)
    {
        using var session = new InferenceSession(network.Model);
        var tensor = new DenseTensor<float>(input.Select(v => (float)v).ToArray(), network.InputShape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(network.InputName, tensor)]);
        return results.First(r => r.Name == network.OutputName).AsEnumerable<float>().Select(v => (double)v).ToArray();
    }
}
