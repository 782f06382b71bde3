using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Rules;

/// <summary>Routing whose indices are computed from the row (ArgMax → Gather) must not reuse the previous call's map.</summary>
[TestClass]
public sealed class DataDependentRoutingTests
{
    [TestMethod]
    public void Gather_IndicesFromArgMax_FollowEachCallsRow()
    {
        var model = new OnnxModelBuilder().Opset(13).Input("input", "N", 4)
            .Node("ArgMax", ["input"], ["idx"], "argmax", ("axis", 1L), ("keepdims", 0L))
            .Node("Gather", ["input", "idx"], ["output"], "gather", ("axis", 1L))
            .Output("output", "N", "N").Build();
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = LrpComposite.Epsilon, Target = LrpTarget.AllOutputs });
        float[] first = [3f, 1f, 2f, 0.5f];
        float[] second = [0.5f, 1f, 2f, 3f];

        var a = explainer.Explain(first, 1);
        var b = explainer.Explain(second, 1);

        Assert.AreEqual(3.0, a.Relevance[0], 1e-6);
        Assert.AreEqual(0.0, a.Relevance[3], 1e-6);
        Assert.AreEqual(3.0, b.Relevance[3], 1e-6, "the second call's map must come from the second row's ArgMax");
        Assert.AreEqual(0.0, b.Relevance[0], 1e-6);
    }
}
