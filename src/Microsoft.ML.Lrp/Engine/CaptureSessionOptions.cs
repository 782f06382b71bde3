using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// ONNX Runtime settings that make a capture session's forward values independent of which intermediates it
/// fetches. ONNX Runtime fuses a decomposed subgraph (a LayerNorm, an Erf GELU, the attention scaling) only when none
/// of its inner values is a graph output, and the fused kernels round differently from the primitive ops. The capture
/// policies fetch different intermediates, so with those fusions on, the activations that every policy captures move
/// in the last bits between policies (all-MiniLM-L6-v2: ~1.5e-7 relative per tensor, 3.5e-5 of the largest token
/// relevance). With the fusions below disabled every shared capture is bit-identical across policies, while the
/// other optimisations (constant folding, layout transforms for convolutions) stay on. On MiniLM (batch 8, sequence
/// 128, MinimizeMemory's captures) the forward run costs about 3% more CPU time than with every fusion on (measured
/// back to back on a loaded machine, within its noise); ONNX Runtime's basic level cost 5–10%.
/// </summary>
internal static class CaptureSessionOptions
{
    /// <summary>The config key that lists graph transformers by name (separated by ';') for ONNX Runtime to skip.</summary>
    public const string DisabledOptimizersKey = "optimization.disable_specified_optimizers";

    /// <summary>
    /// The fusions whose kernels round differently from the primitive ops they replace. Names are ONNX Runtime's
    /// transformer names (1.31); a name it does not know is ignored, so older and newer spellings may both appear.
    /// </summary>
    public static readonly IReadOnlyList<string> DisabledFusions =
    [
        "LayerNormFusionL1", "LayerNormFusionL2", "SimplifiedLayerNormFusion", "SkipLayerNormFusion", "BiasSkipLayerNormFusion", "EmbedLayerNormFusion",
        "GeluFusionL1", "GeluFusionL2", "BiasGeluFusion", "FastGeluFusion", "QuickGeluFusion", "GeluApproximation",
        "AttentionFusion", "BiasSoftmaxFusion", "MatMulScaleFusion", "MatmulTransposeFusion", "MatMulAddFusion",
        // QDQ models: DequantizeLinear → op → QuantizeLinear would become integer kernels (QLinearConv…) only where no
        // inner value is captured, and a float bias of a Conv/Gemm with dequantized weights would be requantized to
        // int32; both change forward values away from the float ops the rules read (a quantized test net: 9
        // quantization steps, and 0.02 at the output, without these three entries).
        "QDQSelectorActionTransformer", "QDQPropagationTransformer", "QDQS8ToU8Transformer", "WeightBiasQuantization",
    ];

    /// <summary>Adds the settings to <paramref name="options"/> (a CPU or CUDA session's).</summary>
    public static void Apply(SessionOptions options)
        => options.AddSessionConfigEntry(DisabledOptimizersKey, string.Join(';', DisabledFusions));
}
