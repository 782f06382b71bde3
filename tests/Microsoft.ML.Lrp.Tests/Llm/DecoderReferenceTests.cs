namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary>The engine on the exported tiny Llama decoder against <see cref="NaiveLlamaReference"/> (double, by hand).</summary>
[TestClass]
public sealed class DecoderReferenceTests
{
    [TestMethod]
    [DataRow(6, 21)]
    [DataRow(9, 22)]
    public void Llama_AttnLrp_EqualsNaiveDoubleReference(int sequence, int seed)
    {
        var ids = TinyDecoder.Ids(1, sequence, seed);
        var reference = new NaiveLlamaReference(Path.Combine(AppContext.BaseDirectory, "Llm", "models", "llama.weights.json"), heads: 4, kvHeads: 2, epsilon: 1e-6);
        var (logits, token, expected) = reference.Explain(ids);

        using var explainer = new LrpExplainer(TinyDecoder.Options("llama", cache: false, sequence, past: 0, LrpComposite.AttnLrp));
        var result = explainer.ExplainTokens(ids, 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, sequence, 0));

        var lastLogits = result.Output.AsSpan((sequence - 1) * TinyDecoder.Vocabulary, TinyDecoder.Vocabulary);
        for (int v = 0; v < TinyDecoder.Vocabulary; v++)
        {
            Assert.AreEqual(logits[v], lastLogits[v], 1e-4, $"logit {v}: the reference's forward is the model's");
        }

        Assert.AreEqual(token, result.Targets[0]);
        double scale = expected.Max(Math.Abs);
        Assert.IsGreaterThan(0, scale);
        for (int t = 0; t < sequence; t++)
        {
            Assert.AreEqual(expected[t], result.RelevanceOf(0)[t], 1e-5 * scale, $"token {t}");
        }
    }
}
