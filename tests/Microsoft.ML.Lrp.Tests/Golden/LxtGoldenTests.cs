namespace Microsoft.ML.Lrp.Tests.Golden;

/// <summary>
/// The engine against LXT (golden files made by <c>make-golden.py</c>): a tiny pre-LN transformer encoder on
/// embeddings (LayerNormalization, two-head softmax attention, GELU MLP as PyTorch exports it with Erf, residual
/// adds, mean pooling over tokens) explained with LXT's efficient AttnLRP and CP-LRP rules; the same encoder at
/// opset 13 (<c>encoder13</c>: LayerNorm decomposed into ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add); and the encoder
/// behind a word-embedding Gather and a position embedding (<c>tokens</c>: int64 ids in, relevance per token =
/// LXT's relevance at the word embeddings summed over the embedding dimension).
/// </summary>
/// <remarks>
/// LXT's efficient rules are Gradient × Input with rules folded into the gradient, so every Epsilon rule and
/// stabiliser has ε = 0 (a documented convention difference: RULES.md's default is ε = 1e-6); the engine runs with
/// ε = 1e-12 (<see cref="GoldenRun.EngineEpsilon"/>). That matters here: input 0 has a near-cancelling denominator,
/// and ε = 1e-6 alone moves its relevance by 1.1e-3 (AttnLRP) and 2.0e-3 (CP-LRP) of max |R| — LXT's own explicit
/// functions, which use ε = 1e-6, differ from its efficient path by the same amount. Tolerance: <see cref="Tolerance"/>
/// of max |R|. The golden relevance is float64 and the engine float32; with ε ≈ 0 that near-cancelling denominator
/// is unstabilised, and the engine lands 2.0e-5 (AttnLRP) and 3.4e-5 (CP-LRP) of max |R| from LXT on input 0 of
/// <c>encoder</c>, under 1.5e-6 everywhere else (the decomposed LayerNorm of <c>encoder13</c> lands 1.8e-7 on that
/// input: the LayerNormalization rule recomputes <c>y</c> in double, while the relevance above it was made with ONNX
/// Runtime's float32 <c>y</c>). The tolerance is three times the worst; the test project's double reference meets
/// LXT to 5e-8, and explaining the AttnLRP golden with CP-LRP misses it by far more.
/// </remarks>
[TestClass]
public sealed class LxtGoldenTests
{
    /// <summary>Relevance tolerance relative to max |R| (see the class remarks).</summary>
    public const double Tolerance = 1e-4;

    [TestMethod]
    [DataRow("encoder", LrpComposite.AttnLrp)]
    [DataRow("encoder", LrpComposite.CpLrp)]
    [DataRow("encoder13", LrpComposite.AttnLrp)]
    [DataRow("encoder13", LrpComposite.CpLrp)]
    [DataRow("tokens", LrpComposite.AttnLrp)]
    [DataRow("tokens", LrpComposite.CpLrp)]
    public void Explain_MatchesLxt(string model, LrpComposite composite)
    {
        var file = GoldenFile.Load(model);
        foreach (var (c, relevance, output) in GoldenRun.Explain(file, composite))
        {
            Assert.IsLessThan(ZennitGoldenTests.OutputTolerance, GoldenRun.RelativeDeviation(output, c.Output), $"{c.Name}: output");
            Assert.IsLessThan(Tolerance, GoldenRun.RelativeDeviation(relevance, c.Relevance), $"{c.Name}: relevance");
        }
    }

    [TestMethod]
    [DataRow("encoder", LrpComposite.AttnLrp)]
    [DataRow("encoder", LrpComposite.CpLrp)]
    [DataRow("encoder13", LrpComposite.AttnLrp)]
    public void Reference_MatchesLxtInDoublePrecision(string model, LrpComposite composite)
    {
        // The test project's naive reference (softmax, LayerNorm, bilinear MatMul and gate rules written from
        // RULES.md) against LXT, both in float64 (measured ≤ 5e-8 of max |R|). The reference has no embedding-table
        // Gather, so the token-id model is not among these.
        var file = GoldenFile.Load(model);
        foreach (var c in file.CasesOf(composite))
        {
            Assert.IsLessThan(1e-6, GoldenRun.RelativeDeviation(GoldenRun.Reference(file, c), c.Relevance), c.Name);
        }
    }

    [TestMethod]
    public void Explain_CpLrpAgainstAttnLrpGolden_MissesByFarMoreThanTheTolerance()
    {
        // The two composites differ only at the attention: relevance through the softmax (AttnLRP) or not (CP-LRP).
        var file = GoldenFile.Load("encoder");
        foreach (var (c, relevance, _) in GoldenRun.Explain(file, LrpComposite.AttnLrp, o => o with { Composite = LrpComposite.CpLrp }))
        {
            Assert.IsGreaterThan(20 * Tolerance, GoldenRun.RelativeDeviation(relevance, c.Relevance), c.Name);
        }
    }
}
