// Planning the relevance pass of a long chain must take time linear in its length. It was quadratic: the schedule
// asked for the relevance consumers of every value by scanning every node (5,000 Relu nodes: 12 s of scheduling).
using System.Diagnostics;
using Google.Protobuf;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Rules;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Trust;

[TestClass]
public sealed class DeepGraphTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Plan_ChainOf20kRelu_TakesSecondsAndGrowsLinearly()
    {
        Plan(1_000); // warm-up: JIT
        // The fastest of three runs each: a busy machine slows single runs unevenly, not the best one.
        double small = Enumerable.Range(0, 3).Min(_ => Plan(5_000));
        double large = Enumerable.Range(0, 3).Min(_ => Plan(20_000));
        TestContext.WriteLine($"planning 5k: {small:F2} s, 20k: {large:F2} s, ratio {large / small:F1} (linear 4, quadratic 16)");

        Assert.IsLessThan(20.0, large, "Planning 20k nodes took too long.");
        Assert.IsLessThan(9.0, large / small, "Planning grows faster than linearly with the depth.");
    }

    [TestMethod]
    public void Build_ChainOf5kRelu_ExplainsLikeTheIdentity()
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = ReluChain(5_000), Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(2) });

        var result = explainer.Explain([0.5f, 1.5f, 2.5f, -1f], 1);

        // Relu passes relevance unchanged; the seed is output[2] = relu(2.5) at index 2.
        CollectionAssert.AreEqual(new[] { 0f, 0f, 2.5f, 0f }, result.Relevance);
    }

    /// <summary>Seconds to plan a chain of <paramref name="length"/> Relu nodes: graph, rules, plan and schedule (shapes given, no ONNX Runtime).</summary>
    private static double Plan(int length)
    {
        var options = new LrpOptions { ModelBytes = ReluChain(length), Composite = LrpComposite.Epsilon };
        var model = OnnxModel.Load(options.ModelBytes);
        var watch = Stopwatch.StartNew();
        var graph = CanonicalGraph.Build(model, "x", "y");
        var plan = RelevancePlanner.Build(graph, RuleSelector.Choose(graph, options), options);
        var shapes = plan.ShapeProbes.Append("x").Append("y").Distinct().ToDictionary(v => v, _ => new[] { 1, 4 });
        plan.Shapes.Learn(shapes, null);
        plan.SetSchedule(options.CapturePolicy, null);
        _ = plan.Statistics();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>x[N,4] → Relu → … → Relu (<paramref name="length"/> nodes) → y.</summary>
    private static byte[] ReluChain(int length)
    {
        ModelProto proto = NewModel();
        var x = Value("x", 1, 4);
        x.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        proto.Graph.Input.Add(x);
        string current = "x";
        for (int i = 0; i < length; i++)
        {
            string next = i == length - 1 ? "y" : $"r{i}";
            proto.Graph.Node.Add(Node("Relu", $"relu{i}", [current], [next]));
            current = next;
        }

        var y = Value("y", 1, 4);
        y.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        proto.Graph.Output.Add(y);
        return proto.ToByteArray();
    }
}
