using ExplainSearch;

namespace Microsoft.ML.Lrp.Tests.Transformer.MiniLm;

/// <summary>
/// Sequence targets on the raw MiniLM graph: a position and feature of <c>last_hidden_state</c> (an index into the
/// flattened <c>[sequence, 384]</c> row, as a next-token logit would be), and the model's own pooler output.
/// </summary>
[TestClass]
public sealed class MiniLmTargetTests
{
    private const int Hidden = 384;

    [TestMethod]
    public void Explain_PositionAndFeatureOfTheHiddenState_SeedsThatValueAndConserves()
    {
        const int Position = 2, Feature = 17;
        using var explainer = Raw("last_hidden_state", LrpTarget.Class((Position * Hidden) + Feature));
        var doc = MiniLmFixture.Encoder.Encode("The zoo has a giraffe.");
        var explanation = MiniLmFixture.Explain(explainer, [doc]);

        Assert.AreEqual(MiniLmFixture.Sequence * Hidden, explainer.OutputRowLength);
        Assert.AreEqual(explanation.Output[(Position * Hidden) + Feature], explanation.Scores[0]);
        Assert.AreEqual(0, explanation.ConservationError(0), 1e-3 * Math.Max(1, Math.Abs(explanation.SeedTotals[0])));
        Assert.IsTrue(explanation.Relevance.All(float.IsFinite));
        Assert.AreEqual(0f, explanation.RelevanceOf(0)[MiniLmFixture.Sequence - 1]);
    }

    [TestMethod]
    public void Explain_PoolerOutput_PredictedFeatureIsExplained()
    {
        using var explainer = Raw("924", LrpTarget.PredictedClass);
        var doc = MiniLmFixture.Encoder.Encode("We sell bread.");
        var explanation = MiniLmFixture.Explain(explainer, [doc]);

        Assert.AreEqual(Hidden, explainer.OutputRowLength);
        Assert.AreEqual(explanation.Output.Take(Hidden).Max(), explanation.Scores[0]);
        Assert.IsTrue(explanation.Relevance.All(float.IsFinite));
        Assert.AreEqual(0, explanation.ConservationError(0), 1e-3 * Math.Max(1, Math.Abs(explanation.SeedTotals[0])));
    }

    private static LrpExplainer Raw(string output, LrpTarget target) => new(new LrpOptions
    {
        ModelBytes = MiniLmPackage.ReadModel(),
        OutputName = output,
        Target = target,
        Composite = LrpComposite.AttnLrp,
        InputRowShape = [MiniLmFixture.Sequence],
        BatchSize = 1,
    });
}
