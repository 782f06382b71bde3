namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary><see cref="LrpTarget.NextToken"/>: the logit explained sits at each row's last non-padded position.</summary>
[TestClass]
public sealed class NextTokenTests
{
    private const int Sequence = 6;

    [TestMethod]
    [DataRow("llama")]
    [DataRow("qwen")]
    public void NextToken_Batch_ConservedPerRowAndPerNode(string variant)
    {
        // Rows of different lengths: the dense rules run on the rows that carry relevance only, and each kept row's
        // absorbed relevance must land on its own sample.
        long[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0];
        // (The Qwen-style variant's q/k/v biases absorb relevance in the last block's compacted rows.)
        using var explainer = new LrpExplainer(TinyDecoder.Options(variant, cache: false, Sequence, past: 0, LrpComposite.AttnLrp));
        var result = explainer.ExplainTokens(TinyDecoder.Ids(3, Sequence, seed: 5), 3, additionalInputs: TinyDecoder.Inputs(variant, false, 3, Sequence, 0, mask), conservationReport: true);

        for (int r = 0; r < 3; r++)
        {
            Assert.AreEqual(0, result.ConservationError(r), 1e-6 * Math.Max(1, Math.Abs(result.SeedTotals[r])), $"row {r}");
        }

        foreach (var node in result.ConservationReport!.Nodes)
        {
            Assert.AreEqual(node.RelevanceIn, node.RelevanceOut + node.Absorbed, 1e-4 * Math.Max(1, Math.Abs(node.RelevanceIn)), node.NodeName);
        }
    }

    [TestMethod]
    public void NextToken_PredictedToken_AtLastUnpaddedPositionOfEachRow()
    {
        // Row 0 is full; row 1 is right-padded after 4 tokens; row 2 after 1 token.
        long[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0];
        int[] lastPosition = [5, 3, 0];
        using var explainer = new LrpExplainer(TinyDecoder.Options("llama", cache: false, Sequence, past: 0, LrpComposite.AttnLrp));
        var ids = TinyDecoder.Ids(3, Sequence, seed: 1);
        var result = explainer.ExplainTokens(ids, 3, additionalInputs: TinyDecoder.Inputs("llama", false, 3, Sequence, 0, mask));

        for (int r = 0; r < 3; r++)
        {
            var logits = result.Output.AsSpan(r * result.OutputRowLength + lastPosition[r] * TinyDecoder.Vocabulary, TinyDecoder.Vocabulary);
            int argMax = 0;
            for (int v = 1; v < logits.Length; v++)
            {
                if (logits[v] > logits[argMax])
                {
                    argMax = v;
                }
            }

            Assert.AreEqual(argMax, result.Targets[r], $"row {r}: the token id explained");
            Assert.AreEqual(logits[argMax], result.Scores[r], $"row {r}: the score is the logit there");
            Assert.AreEqual(logits[argMax], result.SeedTotals[r], 1e-6f, $"row {r}: the seed is that logit alone");
        }
    }

    [TestMethod]
    public void NextToken_GivenToken_IsExplainedAndPaddedTokensGetNothing()
    {
        long[] mask = [1, 1, 1, 1, 0, 0];
        using var explainer = new LrpExplainer(TinyDecoder.Options("llama", cache: false, Sequence, past: 0, LrpComposite.AttnLrp, LrpTarget.NextToken(17)));
        var result = explainer.ExplainTokens(TinyDecoder.Ids(1, Sequence, seed: 2), 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, Sequence, 0, mask));

        Assert.AreEqual(17, result.Targets[0]);
        Assert.AreEqual(result.Output[3 * TinyDecoder.Vocabulary + 17], result.Scores[0]);
        var relevance = result.RelevanceOf(0);
        Assert.AreEqual(0f, relevance[4], "a padded token gets no relevance");
        Assert.AreEqual(0f, relevance[5], "a padded token gets no relevance");
        Assert.AreNotEqual(0f, relevance[3], "the explained position's own token has relevance");
    }

    [TestMethod]
    public void NextToken_RightPaddedRow_EqualsItsUnpaddedPrefixExplainedAlone()
    {
        long[] mask = [1, 1, 1, 1, 0, 0];
        var ids = TinyDecoder.Ids(1, Sequence, seed: 3);
        using var padded = new LrpExplainer(TinyDecoder.Options("llama", cache: false, Sequence, past: 0, LrpComposite.AttnLrp));
        using var alone = new LrpExplainer(TinyDecoder.Options("llama", cache: false, 4, past: 0, LrpComposite.AttnLrp));
        var withPadding = padded.ExplainTokens(ids, 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, Sequence, 0, mask));
        var prefix = alone.ExplainTokens(ids[..4], 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, 4, 0));

        Assert.AreEqual(prefix.Targets[0], withPadding.Targets[0]);
        float scale = prefix.RelevanceOf(0).ToArray().Max(Math.Abs);
        for (int t = 0; t < 4; t++)
        {
            Assert.AreEqual(prefix.RelevanceOf(0)[t], withPadding.RelevanceOf(0)[t], 1e-5f * scale, $"token {t}");
        }
    }

    [TestMethod]
    public void NextToken_TokenIdOutsideTheVocabulary_NamesTheOutput()
    {
        using var explainer = new LrpExplainer(TinyDecoder.Options("llama", cache: false, Sequence, past: 0, LrpComposite.AttnLrp, LrpTarget.NextToken(TinyDecoder.Vocabulary)));
        var error = Assert.ThrowsExactly<LrpException>(() => explainer.ExplainTokens(TinyDecoder.Ids(1, Sequence, 4), 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, Sequence, 0)));
        StringAssert.Contains(error.Message, "logits");
        StringAssert.Contains(error.Message, "NextToken(96)");
    }

    [TestMethod]
    public void NextToken_OutputWithoutSequenceAxis_TakesItsOnlyPosition()
    {
        var network = TestModels.TestNetworks.Mlp();
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model, InputColumnName = "input", Target = LrpTarget.NextToken() });
        var input = network.RandomInput(5).Select(v => (float)v).ToArray();
        var result = explainer.Explain(input[..10], 1);
        int argMax = Array.IndexOf(result.Output, result.Output.Max());
        Assert.AreEqual(argMax, result.Targets[0]);
        Assert.AreEqual(result.Output[argMax], result.Scores[0]);
    }
}
