namespace Microsoft.ML.Lrp.Tests.Tokens;

/// <summary>
/// Token ids that reach the embedding Gather through an integer Cast, Reshape, Flatten, Squeeze, Unsqueeze, Identity
/// or Transpose: the relevance per token equals that of the same model with the ids feeding the Gather directly.
/// </summary>
[TestClass]
public sealed class TokenIdsChainTests
{
    private const int Sequence = 6;

    private static readonly long[] Ids = [1, 4, 4, 6, 0, 2, 3, 5, 2, 1, 0, 0, 6, 6, 2, 3, 1, 0];

    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0];

    private const int Rows = 3;

    [TestMethod]
    [DataRow(nameof(TokenChain.CastFromInt32), 0)]
    [DataRow(nameof(TokenChain.CastFromInt32), 1)]
    [DataRow(nameof(TokenChain.ReshapeFlat), 1)]
    [DataRow(nameof(TokenChain.UnsqueezeSqueeze), 0)]
    [DataRow(nameof(TokenChain.Transpose), 0)]
    [DataRow(nameof(TokenChain.Transpose), 1)]
    [DataRow(nameof(TokenChain.FlattenCastReshape), 1)]
    [DataRow(nameof(TokenChain.PositionsFromIds), 0)]
    public void ExplainTokens_ChainBeforeGather_MatchesDirectGather(string chainName, int target)
    {
        var chain = Enum.Parse<TokenChain>(chainName);
        var expected = Explain(TokenChain.Direct, target);
        var actual = Explain(chain, target);

        Assert.AreEqual(Ids.Length, actual.Relevance.Length);
        Assert.IsTrue(expected.Relevance.Count(r => Math.Abs(r) > 1e-3) >= 5, "the direct model gives most unmasked tokens relevance");
        for (int i = 0; i < Ids.Length; i++)
        {
            Assert.AreEqual(expected.Relevance[i], actual.Relevance[i], 1e-6, $"token {i}");
        }

        for (int row = 0; row < Rows; row++)
        {
            Assert.AreEqual(expected.SeedTotals[row], actual.SeedTotals[row], 1e-6, $"score of row {row}");
        }
    }

    [TestMethod]
    [DataRow(nameof(TokenChain.Transpose), 0)]
    [DataRow(nameof(TokenChain.FlattenCastReshape), 1)]
    public void ExplainTokens_ChainBeforeGather_MatchesNaiveReference(string chainName, int target)
    {
        var explanation = Explain(Enum.Parse<TokenChain>(chainName), target);
        var weights = new TokenTestModel(Sequence); // the same seed draws the same weights in the same order

        for (int row = 0; row < Rows; row++)
        {
            var range = (row * Sequence)..((row + 1) * Sequence);
            var expected = TokenRelevanceReference.Explain(weights, Ids[range], Mask[range], target, 1e-6);
            for (int i = 0; i < Sequence; i++)
            {
                Assert.AreEqual(expected[i], explanation.RelevanceOf(row)[i], 1e-4 * (1 + Math.Abs(expected[i])), $"row {row}, token {i}");
            }
        }
    }

    [TestMethod]
    [DataRow(nameof(LrpCapturePolicy.MinimizeMemory))]
    [DataRow(nameof(LrpCapturePolicy.MinimizeTime))]
    [DataRow(nameof(LrpCapturePolicy.CaptureAll))]
    public void ExplainTokens_ChainUnderEachCapturePolicy_MatchesDirectGather(string policyName)
    {
        var policy = Enum.Parse<LrpCapturePolicy>(policyName);
        var expected = Explain(TokenChain.Direct, 0, policy: policy);
        var flattened = Explain(TokenChain.FlattenCastReshape, 0, policy: policy);
        var transposed = Explain(TokenChain.Transpose, 0, policy: policy);

        for (int i = 0; i < Ids.Length; i++)
        {
            Assert.AreEqual(expected.Relevance[i], flattened.Relevance[i], 1e-6, $"flattened, token {i}");
            Assert.AreEqual(expected.Relevance[i], transposed.Relevance[i], 1e-6, $"transposed, token {i}");
        }
    }

    [TestMethod]
    [DataRow(nameof(TokenChain.CastFromInt32))]
    [DataRow(nameof(TokenChain.ReshapeFlat))]
    [DataRow(nameof(TokenChain.UnsqueezeSqueeze))]
    [DataRow(nameof(TokenChain.Transpose))]
    [DataRow(nameof(TokenChain.FlattenCastReshape))]
    public void ExplainTokens_ChainBeforeGather_ConservesRelevancePerRow(string chainName)
    {
        var chain = Enum.Parse<TokenChain>(chainName);
        var explanation = Explain(chain, 0, conservationReport: true);

        for (int row = 0; row < Rows; row++)
        {
            double tokens = 0;
            foreach (float r in explanation.RelevanceOf(row))
            {
                tokens += r;
            }

            Assert.AreEqual(explanation.SeedTotals[row], tokens + explanation.Absorbed[row], 1e-4, $"row {row}");
        }

        var lookup = explanation.ConservationReport!.Nodes.Single(n => n.NodeName == "word_embeddings");
        Assert.AreEqual(lookup.RelevanceIn, lookup.RelevanceOut, 1e-4);
    }

    [TestMethod]
    [DataRow(nameof(TokenChain.CastFromInt32))]
    [DataRow(nameof(TokenChain.ReshapeFlat))]
    [DataRow(nameof(TokenChain.Transpose))]
    public void ExplainTokens_ChainBeforeGather_MaskedTokensGetExactlyZero(string chainName)
    {
        var chain = Enum.Parse<TokenChain>(chainName);
        var explanation = Explain(chain, 1);

        Assert.AreEqual(0f, explanation.RelevanceOf(1)[4]);
        Assert.AreEqual(0f, explanation.RelevanceOf(1)[5]);
        Assert.AreEqual(0f, explanation.RelevanceOf(2)[3]);
        Assert.AreEqual(0f, explanation.RelevanceOf(2)[5]);
        Assert.AreNotEqual(0f, explanation.RelevanceOf(2)[0] + explanation.RelevanceOf(2)[1] + explanation.RelevanceOf(2)[2]);
    }

    [TestMethod]
    public void Constructor_AddOnIdsBeforeGather_ThrowsNamingTheNode()
    {
        var ex = Assert.ThrowsExactly<LrpException>(() => Create(TokenChain.AddOnIds, 0));

        StringAssert.Contains(ex.Message, "'shift_ids' (Add)");
        StringAssert.Contains(ex.Message, "'word_embeddings'");
    }

    private static LrpExplanation Explain(TokenChain chain, int target, bool conservationReport = false, LrpCapturePolicy policy = LrpCapturePolicy.MinimizeMemory)
    {
        using var explainer = Create(chain, target, policy);
        return explainer.ExplainTokens(Ids, Rows, additionalInputs: new Dictionary<string, Array> { ["attention_mask"] = Mask }, conservationReport: conservationReport);
    }

    private static LrpExplainer Create(TokenChain chain, int target, LrpCapturePolicy policy = LrpCapturePolicy.MinimizeMemory) => new(new LrpOptions
    {
        CapturePolicy = policy,
        ModelBytes = TokenChainModel.Build(chain, Sequence),
        Composite = LrpComposite.Epsilon,
        Target = LrpTarget.Class(target),
        BatchSize = 2,
    });
}
