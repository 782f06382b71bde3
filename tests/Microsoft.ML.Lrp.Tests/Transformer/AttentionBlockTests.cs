using Microsoft.ML.Lrp.Tests.Engine;
using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Tests.TestModels.TransformerBlocks;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>
/// Self-attention blocks (single head and multi-head; no mask, a padding mask fed as a second int64 input, a causal
/// mask) explained by the engine and by the slow double-precision reference, under AttnLrp and CpLrp. The reference
/// reads the padding flags as a constant; the engine must treat the non-explained input the same way (no relevance).
/// </summary>
[TestClass]
public sealed class AttentionBlockTests
{
    private const int Rows = 2, Tokens = 5, Width = 8;
    internal static readonly long[] KeepFlags = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];

    internal static byte[] Block(int heads, string mask, bool maskAsInput)
    {
        var b = new OnnxModelBuilder(seed: 70).Opset(14).Input("input", "N", Tokens, Width);
        Scalars(b);
        string? additive = null;
        if (mask == "padding")
        {
            if (maskAsInput)
            {
                b.Input("attention_mask", "N", Tokens);
            }
            else
            {
                b.Initializer("attention_mask", KeepFlags, Rows, Tokens);
            }

            additive = PaddingMask(b, "attention_mask");
        }
        else if (mask == "causal")
        {
            additive = CausalMask(b, Tokens);
        }

        Attention(b, "attn", "input", "output", Tokens, Width, heads, additive);
        var bytes = b.Output("output", "N", Tokens, Width).Build();
        return maskAsInput ? RuleHarness.WithInt64Input(bytes, "attention_mask") : bytes;
    }

    public static IEnumerable<object[]> Cases()
    {
        foreach (int heads in new[] { 1, 2 })
        {
            foreach (var mask in new[] { "none", "padding", "causal" })
            {
                foreach (var composite in new[] { LrpComposite.AttnLrp, LrpComposite.CpLrp })
                {
                    yield return [heads, mask, composite];
                }
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void AttentionBlock_MatchesSlowReference(int heads, string mask, LrpComposite composite)
    {
        var direction = new SeededWeights(71).Uniform(Tokens * Width, -1f, 1f);
        var options = new LrpOptions { ModelBytes = Block(heads, mask, mask == "padding"), Composite = composite, Target = LrpTarget.Direction(direction) };
        var input = new SeededWeights(72).Uniform(Rows * Tokens * Width, -1f, 1f);
        using var explainer = new LrpExplainer(options);
        var additional = mask == "padding" ? new Dictionary<string, Array> { ["attention_mask"] = KeepFlags } : null;
        var result = explainer.Explain(input, Rows, null, additional, conservationReport: true);

        var expected = ReferenceLrp.Explain(Block(heads, mask, false), input.Select(v => (double)v).ToArray(), [Rows, Tokens, Width], ReferenceOptions.From(options));
        EngineVersusReferenceTests.AssertClose(expected, result.Relevance, $"{heads} heads, {mask}, {composite}");
        Assert.AreEqual(expected.Absorbed, result.Absorbed.Sum(), 1e-3 * (1 + Math.Abs(expected.Absorbed)), "absorbed");
        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, "per-node conservation");
    }

    [TestMethod]
    [DataRow(LrpComposite.AttnLrp)]
    [DataRow(LrpComposite.CpLrp)]
    public void PaddedTokens_TargetOnRealToken_GetExactlyZero(LrpComposite composite)
    {
        var options = new LrpOptions { ModelBytes = Block(2, "padding", true), Composite = composite, Target = LrpTarget.Class(3) };
        var input = new SeededWeights(73).Uniform(Rows * Tokens * Width, -1f, 1f);
        using var explainer = new LrpExplainer(options);
        var result = explainer.Explain(input, Rows, null, new Dictionary<string, Array> { ["attention_mask"] = KeepFlags });
        var row1 = result.RelevanceOf(1).ToArray();
        for (int i = 3 * Width; i < Tokens * Width; i++)
        {
            Assert.AreEqual(0f, row1[i], $"padded element {i}");
        }

        Assert.IsGreaterThan(0.0, Enumerable.Range(0, 3 * Width).Sum(i => Math.Abs(row1[i])), "real tokens get relevance");
    }

    [TestMethod]
    public void PaddingMaskInput_BatchedEqualsRowByRow()
    {
        var options = new LrpOptions { ModelBytes = Block(2, "padding", true), Composite = LrpComposite.AttnLrp, Target = LrpTarget.Class(7) };
        var input = new SeededWeights(74).Uniform(Rows * Tokens * Width, -1f, 1f);
        using var explainer = new LrpExplainer(options);
        var batched = explainer.Explain(input, Rows, null, new Dictionary<string, Array> { ["attention_mask"] = KeepFlags });
        for (int row = 0; row < Rows; row++)
        {
            var single = explainer.Explain(
                input.AsSpan(row * Tokens * Width, Tokens * Width).ToArray(), 1, null,
                new Dictionary<string, Array> { ["attention_mask"] = KeepFlags.AsSpan(row * Tokens, Tokens).ToArray() });
            for (int i = 0; i < Tokens * Width; i++)
            {
                Assert.AreEqual(single.Relevance[i], batched.RelevanceOf(row)[i], 1e-6f, $"row {row}, element {i}");
            }
        }
    }
}
