using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Recurrent;

/// <summary>
/// If, Loop and Scan are inlined or unrolled: the rewritten model computes what ONNX Runtime computes, relevance flows
/// through the branch the run took (equal to the relevance of that branch alone) and through the iterations (equal to
/// the relevance of the loop written out by hand), and forms that cannot be unrolled are refused by name.
/// </summary>
[TestClass]
public sealed class ControlFlowTests
{
    private const int Rows = 2;

    private static float[] Input(bool positive, int perRow = ControlFlowModels.Features)
        => [.. new SeededWeights(4).Uniform(Rows * perRow, 0.1f, 1.5f).Select((v, i) => (positive ? v : -v) * (i % 3 == 0 ? -0.3f : 1f))];

    private static Dictionary<string, FeedValue> Feeds(float[] x, params long[] shape) => new() { ["x"] = new FeedValue(x, shape) };

    private static LrpExplanation Explain(byte[] model, float[] input)
    {
        using var explainer = new LrpExplainer(new LrpOptions
        {
            ModelBytes = model,
            InputColumnName = "x",
            OutputName = "y",
            Composite = LrpComposite.Epsilon,
            Target = LrpTarget.Class(1),
            BatchSize = Rows,
        });
        return explainer.Explain(input, Rows, conservationReport: true);
    }

    private static void AssertSameRelevance(LrpExplanation expected, LrpExplanation actual)
    {
        double scale = expected.Relevance.Max(Math.Abs);
        Assert.IsGreaterThan(1e-3, scale);
        for (int i = 0; i < expected.Relevance.Length; i++)
        {
            Assert.AreEqual(expected.Relevance[i], actual.Relevance[i], 1e-5 * scale, $"relevance {i}");
        }

        Assert.IsLessThan(1e-4, actual.ConservationReport!.MaxRelativeError, "per-node conservation");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void If_Inlined_MatchesOnnxRuntime(bool positive)
    {
        byte[] model = ControlFlowModels.If();
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, Feeds(Input(positive), Rows, ControlFlowModels.Features), "y"));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void If_Relevance_FlowsThroughTheBranchTaken(bool positive)
    {
        float[] input = Input(positive);
        Assert.AreEqual(positive, input.Sum() > 0, "the input picks the intended branch");
        AssertSameRelevance(Explain(ControlFlowModels.If(onlyBranch: positive), input), Explain(ControlFlowModels.If(), input));
    }

    [TestMethod]
    public void If_BranchesOfDifferentShapes_ThrowsNamingNode()
    {
        var error = Assert.ThrowsExactly<LrpException>(() => FusedOpDecomposition.Apply(OnnxModel.Load(ControlFlowModels.If(mismatchedShapes: true))));
        StringAssert.Contains(error.Message, "'branch'");
        StringAssert.Contains(error.Message, "shape");
    }

    [TestMethod]
    public void Loop_Unrolled_MatchesOnnxRuntime()
        => Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(ControlFlowModels.Loop(), Feeds(Input(true), Rows, ControlFlowModels.Features), "y", "states"));

    [TestMethod]
    public void Loop_Relevance_EqualsTheLoopWrittenOutByHand()
    {
        float[] input = Input(true);
        AssertSameRelevance(Explain(ControlFlowModels.Loop(unrolled: true), input), Explain(ControlFlowModels.Loop(), input));
    }

    [TestMethod]
    public void Loop_TripCountFromShapesThroughConvSliceSplit_UnrolledAndMatchesOnnxRuntime()
        => Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(ControlFlowModels.Loop(tripFromShapes: true), Feeds(Input(true), Rows, ControlFlowModels.Features), "y", "states"));

    [TestMethod]
    public void Loop_TripCountFromShapes_RelevanceEqualsTheLoopWrittenOutByHand()
    {
        float[] input = Input(true);
        AssertSameRelevance(Explain(ControlFlowModels.Loop(unrolled: true), input), Explain(ControlFlowModels.Loop(tripFromShapes: true), input));
    }

    [TestMethod]
    public void Loop_BodyReturningTheOuterCondition_UnrolledAndRelevanceEqualsTheLoopWrittenOutByHand()
    {
        byte[] model = ControlFlowModels.Loop(outerCondition: true);
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, Feeds(Input(true), Rows, ControlFlowModels.Features), "y", "states"));
        float[] input = Input(true);
        AssertSameRelevance(Explain(ControlFlowModels.Loop(unrolled: true), input), Explain(model, input));
    }

    [TestMethod]
    public void ConcatFromSequence_OfAppendedSequence_MatchesOnnxRuntimeAndRelevanceEqualsConcat()
    {
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(ControlFlowModels.SequenceStack(), Feeds(Input(true), Rows, ControlFlowModels.Features), "y"));
        float[] input = Input(true);
        AssertSameRelevance(Explain(ControlFlowModels.SequenceStack(unrolled: true), input), Explain(ControlFlowModels.SequenceStack(), input));
    }

    [TestMethod]
    public void Loop_TripCountFromAnInput_ThrowsNamingNodeAndOption()
    {
        byte[] model = ControlFlowModels.Loop();
        var proto = ModelProto.Parser.ParseFrom(model);
        proto.Graph.Initializer.Remove(proto.Graph.Initializer.First(t => t.Name == "M"));
        proto.Graph.Input.Add(new ValueInfoProto
        {
            Name = "M",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Int64 } },
        });
        var error = Assert.ThrowsExactly<LrpException>(() => FusedOpDecomposition.Apply(OnnxModel.Load(Google.Protobuf.MessageExtensions.ToByteArray(proto))));
        StringAssert.Contains(error.Message, "'loop'");
        StringAssert.Contains(error.Message, "trip count");
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Scan_Unrolled_MatchesOnnxRuntime(bool reverse)
    {
        var feeds = Feeds(Input(true, ControlFlowModels.Steps * ControlFlowModels.Features), Rows, ControlFlowModels.Steps, ControlFlowModels.Features);
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(ControlFlowModels.Scan(reverse), feeds, "y", "states"));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Scan_Relevance_EqualsTheScanWrittenOutByHand(bool reverse)
    {
        float[] input = Input(true, ControlFlowModels.Steps * ControlFlowModels.Features);
        AssertSameRelevance(Explain(ControlFlowModels.Scan(reverse, unrolled: true), input), Explain(ControlFlowModels.Scan(reverse), input));
    }

    [TestMethod]
    public void If_BranchHoldingAnRnn_UnrolledInASecondPassAndMatchesOnnxRuntime()
    {
        var thenBranch = new OnnxModelBuilder(2)
            .Output("t_out")
            .Node("RNN", ["xt", "W", "R"], ["", "t_h"], "inner_rnn", ("hidden_size", 4L))
            .Node("Squeeze", ["t_h", "axis0"], ["t_out"])
            .Subgraph("then");
        var elseBranch = new OnnxModelBuilder(3).Output("e_out").Node("Identity", "x0", "e_out").Subgraph("else");
        byte[] model = new OnnxModelBuilder(1)
            .Input("x", "N", ControlFlowModels.Steps, ControlFlowModels.Features).Output("y")
            .RandomUniform("W", -1f, 1f, 1, 4, ControlFlowModels.Features).RandomUniform("R", -1f, 1f, 1, 4, 4)
            .Initializer("axis0", [0L], 1).Initializer("first", [0L]).Initializer("zero", [0f])
            .Node("Transpose", ["x"], ["xt"], "toTime", ("perm", new long[] { 1, 0, 2 }))
            .Node("Gather", ["x", "first"], ["x0"], "x0", ("axis", 1L))
            .Node("ReduceSum", ["x"], ["total"], "total", ("keepdims", 0L))
            .Node("Greater", ["total", "zero"], ["positive"])
            .Node("If", ["positive"], ["y"], "branch", ("then_branch", thenBranch), ("else_branch", elseBranch))
            .Build();
        var decomposed = FusedOpDecomposition.Apply(OnnxModel.Load(model));
        Assert.IsFalse(decomposed.Graph.Nodes.Any(n => n.OpType is "If" or "RNN"), "control flow or recurrent nodes left");
        foreach (bool positive in new[] { true, false })
        {
            var feeds = Feeds(Input(positive, ControlFlowModels.Steps * ControlFlowModels.Features), Rows, ControlFlowModels.Steps, ControlFlowModels.Features);
            Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "y"));
        }
    }
}
