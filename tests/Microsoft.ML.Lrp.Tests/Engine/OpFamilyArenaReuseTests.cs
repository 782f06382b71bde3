using Microsoft.ML.Lrp.Tests.AttentionOps;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.Interpolation;
using Microsoft.ML.Lrp.Tests.OnnxMl;
using Microsoft.ML.Lrp.Tests.Quantized;
using Microsoft.ML.Lrp.Tests.Recurrent;
using Microsoft.ML.Lrp.Tests.Rules;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Tokens;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// Every buffer a pass takes goes back to the arena (<see cref="ArenaReuseTests.AssertNoNewBuffers"/>) on the
/// end-to-end networks of the op families outside <see cref="TestNetworks.All"/>: indexing, interpolation,
/// ai.onnx.ml, quantized, recurrent and control flow, transformer blocks, opset-23 and contrib attention, fused
/// blocks and token-id models, plus two small networks of its own (a broadcast product of two activations, a
/// LayerNormalization with broadcast scale and bias); each under the composite its own tests use and under every
/// capture policy (replays differ between them).
/// </summary>
[TestClass]
public sealed class OpFamilyArenaReuseTests
{
    private static readonly LrpCapturePolicy[] Policies = [LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeTime];

    [TestMethod]
    public void Indexing_Repeated_HandEveryBufferBack()
    {
        AssertEveryPolicy("TopK/largest", IndexingRuleTests.TopKModel(1L), LrpComposite.Epsilon, rows: 3);
        AssertEveryPolicy("TopK/smallest", IndexingRuleTests.TopKModel(0L), LrpComposite.Epsilon, rows: 3);
        AssertEveryPolicy("GatherElements", IndexingRuleTests.GatherElementsModel(), LrpComposite.Epsilon, rows: 3);
        AssertEveryPolicy("GatherND", IndexingRuleTests.GatherNdModel(), LrpComposite.Epsilon, rows: 3);
        AssertEveryPolicy("ScatterElements/none", IndexingRuleTests.ScatterElementsModel("none"), LrpComposite.Epsilon, rows: 3);
        AssertEveryPolicy("ScatterElements/add", IndexingRuleTests.ScatterElementsModel("add"), LrpComposite.Epsilon, rows: 3);
    }

    [TestMethod]
    public void Interpolation_Repeated_HandEveryBufferBack()
    {
        foreach (var mode in new[] { "nearest", "linear", "cubic" })
        {
            AssertEveryPolicy($"UNet/{mode}", UpsamplingModels.UNet(mode), LrpComposite.EpsilonPlus, rows: 3, direction: false);
        }

        AssertEveryPolicy("PixelShuffle/DCR", UpsamplingModels.PixelShuffle("DCR", false), LrpComposite.EpsilonPlus, rows: 3, direction: false);
        AssertEveryPolicy("PixelShuffle/CRD", UpsamplingModels.PixelShuffle("CRD", false), LrpComposite.EpsilonPlus, rows: 3, direction: false);
    }

    [TestMethod]
    public void OnnxMl_Repeated_HandEveryBufferBack()
    {
        AssertEveryPolicy("Imputer-Scaler-LinearRegressor", OnnxMlOperatorTests.ImputerScalerLinearRegressorModel(), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(0));
        AssertEveryPolicy("OneHot-FeatureVectorizer-Normalizer", OnnxMlOperatorTests.OneHotFeatureVectorizerModel(), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(0));
        AssertEveryPolicy("LinearRegressor-calibrator", OnnxMlOperatorTests.LinearRegressorCalibratorModel(), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(0));
        AssertEveryPolicy("TreeEnsembleRegressor", TreeEnsembleRuleTests.Model(false, 2), LrpComposite.Epsilon, rows: 3, target: LrpTarget.Class(1));
        AssertEveryPolicy("TreeEnsembleClassifier", TreeEnsembleRuleTests.Model(true, 3), LrpComposite.Epsilon, rows: 3, target: LrpTarget.Class(2));
    }

    [TestMethod]
    public void Quantized_Repeated_HandEveryBufferBack()
    {
        AssertEveryPolicy("QDQ ConvGemm", QuantizedNets.ConvGemm(QuantizedForm.Qdq, true), LrpComposite.EpsilonAlpha2Beta1, rows: 2, target: LrpTarget.Class(1));
        AssertEveryPolicy("QLinearConv ConvGemm", QuantizedNets.ConvGemm(QuantizedForm.QLinearConv, false), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1));
        AssertEveryPolicy("DynamicQuantize MatMulInteger", DynamicModels.MatMul(true), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1));
        AssertEveryPolicy("ConvInteger", DynamicModels.Conv(), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1));
        AssertEveryPolicy("QGemm", OrtQuantizedModels.QGemm(true, quantizedOutput: false, 1f), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1));
        AssertEveryPolicy("DynamicQuantizeMatMul", OrtQuantizedModels.DynamicQuantizeMatMul(true), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1));
    }

    [TestMethod]
    public void Recurrent_Repeated_HandEveryBufferBack()
    {
        foreach (var (op, direction) in new[] { ("LSTM", "bidirectional"), ("GRU", "forward") })
        {
            AssertEveryPolicy($"{op}/{direction}", RecurrentRelevanceTests.Model(op, direction), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1), low: -1.5f, high: 1.5f);
        }

        AssertEveryPolicy("If", ControlFlowModels.If(), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1), output: "y");
        AssertEveryPolicy("Loop", ControlFlowModels.Loop(), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1), output: "y");
        AssertEveryPolicy("SequenceStack", ControlFlowModels.SequenceStack(), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1), output: "y");
        AssertEveryPolicy("Scan", ControlFlowModels.Scan(), LrpComposite.Epsilon, rows: 2, target: LrpTarget.Class(1), output: "y");
    }

    [TestMethod]
    public void Transformer_Repeated_HandEveryBufferBack()
    {
        foreach (var composite in new[] { LrpComposite.AttnLrp, LrpComposite.CpLrp })
        {
            AssertEveryPolicy($"AttentionBlock/padding/{composite}", AttentionBlockTests.Block(2, "padding", true), composite, rows: 2, additional: new Dictionary<string, Array> { ["attention_mask"] = AttentionBlockTests.KeepFlags });
            AssertEveryPolicy($"AttentionBlock/causal/{composite}", AttentionBlockTests.Block(1, "causal", false), composite, rows: 2);
            AssertEveryPolicy($"SoftmaxMatMul/{composite}", BilinearRuleTests.AttentionCoreModel(), composite, rows: 3);
        }

        AssertEveryPolicy("MatMul", BilinearRuleTests.MatMulModel(false), LrpComposite.AttnLrp, rows: 3);
        AssertEveryPolicy("Einsum", BilinearRuleTests.MatMulModel(true), LrpComposite.AttnLrp, rows: 3);
        AssertEveryPolicy("RMSNormalization/last", RmsNormalizationTests.RmsNormModel(-1, 1e-3f), LrpComposite.AttnLrp, rows: 3);
        AssertEveryPolicy("RMSNormalization/axis1", RmsNormalizationTests.RmsNormModel(1, 1e-3f), LrpComposite.AttnLrp, rows: 3);
        AssertEveryPolicy("Mul of two activations, second broadcast", BroadcastProductModel(broadcastFirst: false), LrpComposite.AttnLrp, rows: 3);
        AssertEveryPolicy("Mul of two activations, first broadcast", BroadcastProductModel(broadcastFirst: true), LrpComposite.AttnLrp, rows: 3);
        AssertEveryPolicy("LayerNormalization, scale and bias broadcast", BroadcastLayerNormModel(), LrpComposite.AttnLrp, rows: 3);
    }

    /// <summary>input [N, 3, 4] → a = input·Wa [N, 3, 4], b = input·Wb [N, 3, 1]; output = a · b or b · a (a product of two activations, b broadcast).</summary>
    private static byte[] BroadcastProductModel(bool broadcastFirst) => new OnnxModelBuilder().Opset(13).Input("input", "N", 3, 4)
        .Initializer("wa", new SeededWeights(10).Uniform(16, -1f, 1f), 4, 4).Initializer("wb", new SeededWeights(11).Uniform(4, -1f, 1f), 4, 1)
        .Node("MatMul", ["input", "wa"], ["a"], "proj_a")
        .Node("MatMul", ["input", "wb"], ["b"], "proj_b")
        .Node("Mul", broadcastFirst ? ["b", "a"] : ["a", "b"], ["output"], "mul")
        .Output("output", "N", 3, 4).Build();

    /// <summary>input [N, 3, 4] → LayerNormalization over axes 1 and 2 with scale and bias [4] (broadcast over axis 1) → MatMul → output [N, 3, 2].</summary>
    private static byte[] BroadcastLayerNormModel() => new OnnxModelBuilder().Opset(17).Input("input", "N", 3, 4)
        .Initializer("scale", new SeededWeights(8).Uniform(4, 0.5f, 1.5f), 4).Initializer("bias", new SeededWeights(9).Uniform(4, -0.2f, 0.2f), 4)
        .Initializer("w", new SeededWeights(12).Uniform(8, -1f, 1f), 4, 2)
        .Node("LayerNormalization", ["input", "scale", "bias"], ["normed"], "norm", ("axis", 1L))
        .Node("MatMul", ["normed", "w"], ["output"], "head")
        .Output("output", "N", 3, 2).Build();

    [TestMethod]
    public void Attention_Repeated_HandEveryBufferBack()
    {
        foreach (var composite in new[] { LrpComposite.AttnLrp, LrpComposite.CpLrp })
        {
            AssertEveryPolicy($"opset-23 Attention/{composite}", AttentionRelevanceTests.OnnxAttentionModel(), composite, rows: 2);
        }

        var cache = new Dictionary<string, Array>
        {
            ["pk"] = new SeededWeights(54).Uniform(2 * 12, -1f, 1f),
            ["pv"] = new SeededWeights(55).Uniform(2 * 12, -1f, 1f),
        };
        AssertEveryPolicy("GroupQueryAttention", AttentionRelevanceTests.GroupQueryAttentionModel(), LrpComposite.AttnLrp, rows: 2, additional: cache);
    }

    [TestMethod]
    public void Fused_Repeated_HandEveryBufferBack()
    {
        var mask = new Dictionary<string, Array> { ["mask"] = new[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1 } };
        AssertEveryPolicy("BertBlock", BertBlockModels.Fused(masked: false), LrpComposite.AttnLrp, rows: 2, target: LrpTarget.Class(3), low: -1.5f, high: 1.5f);
        AssertEveryPolicy("BertBlock/masked", BertBlockModels.Fused(masked: true), LrpComposite.AttnLrp, rows: 2, target: LrpTarget.Class(3), additional: mask, low: -1.5f, high: 1.5f);
        AssertEveryPolicy("BertBlock/opset13", BertBlockModels.Fused(masked: false, opset: 13), LrpComposite.AttnLrp, rows: 2, target: LrpTarget.Class(3), low: -1.5f, high: 1.5f);
        AssertEveryPolicy("GptLikeBlock", DecoderBlockModels.GptLike(), LrpComposite.AttnLrp, rows: 2, target: LrpTarget.Class(3), low: -1.5f, high: 1.5f);
        var positions = new Dictionary<string, Array> { ["position_ids"] = new long[] { 0, 1, 2, 3, 4, 0, 1, 2, 3, 4 } };
        AssertEveryPolicy("LlamaLikeBlock", DecoderBlockModels.LlamaLike(), LrpComposite.AttnLrp, rows: 2, target: LrpTarget.Class(3), additional: positions, low: -1.5f, high: 1.5f);
    }

    [TestMethod]
    public void Tokens_Repeated_HandEveryBufferBack()
    {
        const int sequence = 6;
        long[] ids = [1, 4, 4, 6, 0, 2, 3, 5, 2, 1, 0, 0, 6, 6, 2, 3, 1, 0];
        long[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0];
        foreach (var chain in new[] { TokenChain.Direct, TokenChain.CastFromInt32, TokenChain.ReshapeFlat, TokenChain.Transpose, TokenChain.FlattenCastReshape, TokenChain.PositionsFromIds })
        {
            foreach (var policy in Policies)
            {
                using var explainer = new LrpExplainer(new LrpOptions
                {
                    CapturePolicy = policy,
                    ModelBytes = TokenChainModel.Build(chain, sequence),
                    Composite = LrpComposite.Epsilon,
                    Target = LrpTarget.Class(1),
                    BatchSize = 2,
                });
                var attention = new Dictionary<string, Array> { ["attention_mask"] = mask };
                ArenaReuseTests.AssertNoNewBuffers(explainer, () => explainer.ExplainTokens(ids, 3, additionalInputs: attention).Relevance, $"{chain}/{policy}");
            }
        }

        // Word and position embeddings, masked mean, dense head (TokenEmbeddingRuleTests).
        var model = new TokenTestModel(sequence);
        foreach (var policy in Policies)
        {
            using var explainer = new LrpExplainer(new LrpOptions
            {
                CapturePolicy = policy,
                ModelBytes = model.Model,
                Composite = LrpComposite.Epsilon,
                Target = LrpTarget.Class(2),
                InputRowShape = [sequence],
                BatchSize = 2,
            });
            var attention = new Dictionary<string, Array> { ["attention_mask"] = mask[..12] };
            ArenaReuseTests.AssertNoNewBuffers(explainer, () => explainer.ExplainTokens(ids[..12], 2, additionalInputs: attention).Relevance, $"TokenTestModel/{policy}");
        }
    }

    /// <summary>
    /// Explains <paramref name="rows"/> deterministic rows three times per capture policy and asserts the third pass
    /// made no buffer. Without <paramref name="target"/> and with <paramref name="direction"/>, the seed is a fixed
    /// direction over the output row (as <see cref="RuleHarness"/> explains single-op graphs).
    /// </summary>
    private static void AssertEveryPolicy(
        string what, byte[] model, LrpComposite composite, int rows, LrpTarget? target = null, bool direction = true,
        IReadOnlyDictionary<string, Array>? additional = null, string? output = null, float low = -1f, float high = 1f)
    {
        if (target is null && direction)
        {
            using var probe = new LrpExplainer(new LrpOptions { ModelBytes = model, OutputName = output });
            target = LrpTarget.Direction(new SeededWeights(7).Uniform(probe.OutputRowLength, -1f, 1f));
        }

        foreach (var policy in Policies)
        {
            var options = new LrpOptions { ModelBytes = model, Composite = composite, CapturePolicy = policy, BatchSize = rows, OutputName = output };
            if (target is not null)
            {
                options = options with { Target = target };
            }

            using var explainer = new LrpExplainer(options);
            var input = new SeededWeights(21).Uniform(rows * explainer.InputRowLength, low, high);
            ArenaReuseTests.AssertNoNewBuffers(explainer, () => explainer.Explain(input, rows, null, additional).Relevance, $"{what}/{policy}/{composite}");
        }
    }
}
