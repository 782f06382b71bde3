using Microsoft.ML.Lrp.Tests.Reference;

namespace Microsoft.ML.Lrp.Tests.Shapes;

/// <summary>
/// A state input whose batch is axis 1 (<c>[2, batch, 4]</c>) and a scalar input (<c>sr int64[]</c>), with an
/// output that depends on the explained input only through the new state: against the naive reference run row by
/// row on the same model with that row's state and rate baked in as initializers.
/// </summary>
[TestClass]
public sealed class StateInputTests
{
    private const int Rows = 3;

    [TestMethod]
    public void Explain_StateWithBatchOnAxis1_MatchesReferencePerRow()
    {
        var (x, state) = Data();
        using var explainer = new LrpExplainer(Options());
        var explanation = explainer.Explain(x, Rows, additionalInputs: Side(state, [16000L]), conservationReport: true);

        for (int r = 0; r < Rows; r++)
        {
            var rowState = state.AsSpan(r * 8, 8).ToArray();
            var model = ShapeTestModels.StateModel(rowState, 16000);
            var rowInput = x.AsSpan(r * 4, 4).ToArray().Select(v => (double)v).ToArray();
            var expected = ReferenceLrp.Explain(model, rowInput, [1, 4], ReferenceOptions.From(Options()));
            var actual = explanation.RelevanceOf(r);
            Assert.AreEqual(expected.Targets[0], explanation.Targets[r], $"row {r} target");
            for (int k = 0; k < 3; k++)
            {
                Assert.AreEqual(expected.Output[k], explanation.Output[(r * 3) + k], 1e-5, $"row {r}, output {k}");
            }

            for (int i = 0; i < 4; i++)
            {
                Assert.AreEqual(expected.Relevance[i], actual[i], 1e-4 * (1 + Math.Abs(expected.Relevance[i])), $"row {r}, element {i}");
            }
        }

        Assert.IsGreaterThan(0.0, explanation.Relevance.Sum(v => (double)Math.Abs(v)));
    }

    [TestMethod]
    public void Explain_StateWithBatchOnAxis1_ConservesPerNodeAndInTotal()
    {
        var (x, state) = Data();
        using var explainer = new LrpExplainer(Options());
        var explanation = explainer.Explain(x, Rows, additionalInputs: Side(state, [16000L]), conservationReport: true);

        double seeds = explanation.SeedTotals.Sum(v => (double)v);
        double kept = explanation.Relevance.Sum(v => (double)v) + explanation.Absorbed.Sum(v => (double)v);
        Assert.AreEqual(seeds, kept, 1e-4 * (1 + Math.Abs(seeds)));
        for (int r = 0; r < Rows; r++)
        {
            Assert.AreEqual(0, explanation.ConservationError(r), 1e-4 * (1 + Math.Abs(explanation.SeedTotals[r])), $"row {r}");
        }

        foreach (var node in explanation.ConservationReport!.Nodes)
        {
            Assert.AreEqual(node.RelevanceIn, node.RelevanceOut + node.Absorbed, 1e-4 * (1 + Math.Abs(node.RelevanceIn)), node.NodeName);
        }
    }

    [TestMethod]
    public void Explainer_StateAndScalarInputs_ReportTheirBatchAxes()
    {
        using var explainer = new LrpExplainer(Options());

        Assert.AreEqual(1, explainer.AdditionalInputBatchAxes["state"]);
        Assert.AreEqual(-1, explainer.AdditionalInputBatchAxes["sr"]);
        CollectionAssert.AreEqual(new[] { 2, 4 }, explainer.AdditionalInputs["state"].ToArray());
        Assert.AreEqual(0, explainer.AdditionalInputs["sr"].Count);
        Assert.IsTrue(explainer.CanBatch);
    }

    [TestMethod]
    public void Explain_ScalarGivenOncePerRow_EqualsScalarGivenOnce()
    {
        var (x, state) = Data();
        using var explainer = new LrpExplainer(Options());
        var once = explainer.Explain(x, Rows, additionalInputs: Side(state, [8000L]));
        var perRow = explainer.Explain(x, Rows, additionalInputs: Side(state, [8000L, 8000L, 8000L]));

        CollectionAssert.AreEqual(once.Relevance, perRow.Relevance);
        CollectionAssert.AreEqual(once.Output, perRow.Output);
    }

    [TestMethod]
    public void Explain_ScalarDiffersWithinABatch_ThrowsNamingTheInput()
    {
        var (x, state) = Data();
        using var explainer = new LrpExplainer(Options());

        var ex = Assert.ThrowsExactly<LrpException>(() => explainer.Explain(x, Rows, additionalInputs: Side(state, [16000L, 8000L, 16000L])));
        StringAssert.Contains(ex.Message, "'sr'");
        StringAssert.Contains(ex.Message, "BatchSize");
    }

    [TestMethod]
    public void Explain_ScalarDiffersRowByRow_MatchesSeparateCalls()
    {
        var (x, state) = Data();
        using var explainer = new LrpExplainer(Options() with { BatchSize = 1 });
        var mixed = explainer.Explain(x, Rows, additionalInputs: Side(state, [16000L, 8000L, 16000L]));
        var slow = explainer.Explain(x, Rows, additionalInputs: Side(state, [8000L]));

        CollectionAssert.AreEqual(slow.RelevanceOf(1).ToArray(), mixed.RelevanceOf(1).ToArray());
        Assert.AreEqual(slow.Output[0] * 2, mixed.Output[0], 1e-5);
    }

    [TestMethod]
    public void Explain_UnnamedBatch_StateBatchAxisFromItsPerRowShape()
    {
        var (x, state) = Data();
        var unnamed = Options() with { ModelBytes = ShapeTestModels.Unname(ShapeTestModels.StateModel(), "batch") };
        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(unnamed));
        StringAssert.Contains(ex.Message, "LrpOptions.InputRowShapes[\"state\"]");

        using var explainer = new LrpExplainer(unnamed with { InputRowShapes = new Dictionary<string, int[]> { ["state"] = [2, 4] } });
        using var named = new LrpExplainer(Options());
        var actual = explainer.Explain(x, Rows, additionalInputs: Side(state, [16000L]));
        var expected = named.Explain(x, Rows, additionalInputs: Side(state, [16000L]));

        Assert.AreEqual(1, explainer.AdditionalInputBatchAxes["state"]);
        CollectionAssert.AreEqual(expected.Output, actual.Output);
        CollectionAssert.AreEqual(expected.Relevance, actual.Relevance);
    }

    private static LrpOptions Options() => new()
    {
        ModelBytes = ShapeTestModels.StateModel(),
        // z⁺ makes the relevance depend on the activations' values, so a state fed in the wrong layout shows.
        Composite = LrpComposite.EpsilonPlus,
        BatchSize = 2,
    };

    private static Dictionary<string, Array> Side(float[] state, long[] rate)
        => new() { ["state"] = state, ["sr"] = rate };

    private static (float[] X, float[] State) Data()
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, Rows * 4).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var state = Enumerable.Range(0, Rows * 8).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        return (x, state);
    }
}
