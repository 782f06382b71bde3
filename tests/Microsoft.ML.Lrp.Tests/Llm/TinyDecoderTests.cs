namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary>
/// Llama-, Qwen- (QKV bias, QK-norm) and Phi-style (partial rotary) decoders with grouped-query attention, rotary
/// embeddings, RMSNorm and SwiGLU, prompt-only and with a key/value cache: relevance per prompt token is finite,
/// conserved per node, and the cache form with an empty cache equals the prompt-only form.
/// </summary>
[TestClass]
public sealed class TinyDecoderTests
{
    private const int Sequence = 6;

    public static IEnumerable<object[]> Cases()
    {
        foreach (var variant in new[] { "llama", "qwen", "phi" })
        {
            foreach (var composite in new[] { LrpComposite.AttnLrp, LrpComposite.CpLrp })
            {
                yield return [variant, false, 0, composite];
                yield return [variant, true, 0, composite];
                yield return [variant, true, 4, composite];
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Decoder_RelevancePerToken_FiniteAndConservedPerNode(string variant, bool cache, int past, LrpComposite composite)
    {
        const int rows = 2;
        using var explainer = new LrpExplainer(TinyDecoder.Options(variant, cache, Sequence, past, composite));
        var result = explainer.ExplainTokens(TinyDecoder.Ids(rows, Sequence, seed: 11), rows,
            additionalInputs: TinyDecoder.Inputs(variant, cache, rows, Sequence, past), conservationReport: true);

        Assert.AreEqual(Sequence, result.InputRowLength, "one relevance value per new token");
        for (int r = 0; r < rows; r++)
        {
            var relevance = result.RelevanceOf(r).ToArray();
            Assert.IsTrue(relevance.All(float.IsFinite), $"row {r}: finite");
            Assert.IsTrue(relevance.Any(v => v != 0), $"row {r}: not all zero");
            double explained = relevance.Sum(v => (double)v) + result.Absorbed[r];
            Assert.AreEqual(result.SeedTotals[r], explained, 1e-4 * Math.Max(1, Math.Abs(result.SeedTotals[r])), $"row {r}: Σ R + absorbed = seed");
        }

        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, "per-node conservation");
    }

    [TestMethod]
    [DataRow("llama", LrpComposite.AttnLrp)]
    [DataRow("qwen", LrpComposite.CpLrp)]
    [DataRow("phi", LrpComposite.AttnLrp)]
    public void Decoder_EmptyCache_EqualsPromptOnlyForm(string variant, LrpComposite composite)
    {
        const int rows = 2;
        var ids = TinyDecoder.Ids(rows, Sequence, seed: 12);
        using var prompt = new LrpExplainer(TinyDecoder.Options(variant, false, Sequence, 0, composite));
        using var cached = new LrpExplainer(TinyDecoder.Options(variant, true, Sequence, 0, composite));
        var a = prompt.ExplainTokens(ids, rows, additionalInputs: TinyDecoder.Inputs(variant, false, rows, Sequence, 0));
        var b = cached.ExplainTokens(ids, rows, additionalInputs: TinyDecoder.Inputs(variant, true, rows, Sequence, 0));

        CollectionAssert.AreEqual(a.Targets, b.Targets);
        float scale = a.Relevance.Max(Math.Abs);
        for (int i = 0; i < a.Relevance.Length; i++)
        {
            Assert.AreEqual(a.Relevance[i], b.Relevance[i], 1e-6f * scale, $"element {i}");
        }
    }

    [TestMethod]
    public void Decoder_CacheContentChangesTheRelevanceOfNewTokens()
    {
        // With a non-empty cache the past keys and values are constant side inputs: they take no relevance of their
        // own, but they change the attention, so the new tokens' relevance must depend on them.
        var ids = TinyDecoder.Ids(1, Sequence, seed: 13);
        using var explainer = new LrpExplainer(TinyDecoder.Options("llama", true, Sequence, 4, LrpComposite.AttnLrp));
        var a = explainer.ExplainTokens(ids, 1, additionalInputs: TinyDecoder.Inputs("llama", true, 1, Sequence, 4, seed: 1));
        var b = explainer.ExplainTokens(ids, 1, additionalInputs: TinyDecoder.Inputs("llama", true, 1, Sequence, 4, seed: 2));
        Assert.IsTrue(a.Relevance.Zip(b.Relevance).Any(p => Math.Abs(p.First - p.Second) > 1e-4 * Math.Abs(p.First)));
    }
}
