using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// The fused operators that <see cref="FusedOpDecomposition"/> rewrites, by op type: ONNX Runtime's com.microsoft
/// operators, the quantized operators (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger in the default
/// domain, QLinearAdd and its kin, QGemm, DynamicQuantizeMatMul and MatMulIntegerToFloat in com.microsoft) that become DequantizeLinear → float op → QuantizeLinear, the
/// default-domain recurrent and control-flow ops (LSTM, GRU, RNN unrolled over time; If inlined; Loop, Scan unrolled),
/// and, in a table of their own, the default-domain opset-23 Attention and RotaryEmbedding, the Einsums of three or
/// more operands and DFT/STFT (a MatMul with the Fourier matrix).
/// </summary>
internal static class FusedOpRegistry
{
    /// <summary>The domain of ONNX Runtime's contrib operators.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    private static readonly Dictionary<string, IFusedOpDecomposer> ByOpType = Build(
        new GeluDecomposer(),
        new LayerNormDecomposer(),
        new EmbedLayerNormDecomposer(),
        new AttentionDecomposer(),
        new FusedMatMulDecomposer(),
        new RotaryEmbeddingDecomposer(),
        new FusedActivationDecomposer(),
        new Quantized.QuantizedConvDecomposer(),
        new Quantized.QuantizedMatMulDecomposer(),
        new Quantized.QuantizedGemmDecomposer(),
        new Quantized.QuantizedElementwiseDecomposer(),
        new Recurrent.RecurrentDecomposer(),
        new Recurrent.IfInliner(),
        new Recurrent.LoopUnroller(),
        new Recurrent.ScanUnroller(),
        new GroupQueryAttentionDecomposer());

    /// <summary>Op types of the table above rewritten in the default domain too (quantized and recurrent ONNX operators, control flow, ORT's SimplifiedLayerNormalization).</summary>
    private static readonly HashSet<string> DefaultDomainForms = new(StringComparer.Ordinal)
    {
        "SimplifiedLayerNormalization", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "LSTM", "GRU", "RNN", "If", "Loop", "Scan",
    };

    /// <summary>Default-domain ops decomposed the same way: the opset-23 attention ops, Einsums of three or more operands, DFT/STFT, ConcatFromSequence of an appended sequence.</summary>
    private static readonly Dictionary<string, IFusedOpDecomposer> DefaultDomain = Build(
        new OnnxAttentionDecomposer(),
        new RotaryEmbeddingDecomposer(),
        new EinsumChainDecomposer(),
        new SpectralDecomposer(),
        new Recurrent.SequenceConcatDecomposer());

    /// <summary>Every supported op type.</summary>
    public static IReadOnlyCollection<string> OpTypes => ByOpType.Keys;

    /// <summary>The decomposer for <paramref name="node"/>, or null when the node is not a supported fused op.</summary>
    public static IFusedOpDecomposer? Find(OnnxNode node)
    {
        if (node.Domain.Length == 0 && DefaultDomain.TryGetValue(node.OpType, out IFusedOpDecomposer? plain))
        {
            return node.OpType != "Einsum" || node.Inputs.Count >= 3 ? plain : null;
        }

        if (!ByOpType.TryGetValue(node.OpType, out IFusedOpDecomposer? decomposer))
        {
            return null;
        }

        bool defaultDomainForm = node.Domain.Length == 0 && DefaultDomainForms.Contains(node.OpType);
        return node.Domain == MicrosoftDomain || defaultDomainForm ? decomposer : null;
    }

    private static Dictionary<string, IFusedOpDecomposer> Build(params IFusedOpDecomposer[] decomposers)
    {
        var map = new Dictionary<string, IFusedOpDecomposer>(StringComparer.Ordinal);
        foreach (IFusedOpDecomposer d in decomposers)
        {
            foreach (string op in d.OpTypes)
            {
                map.Add(op, d);
            }
        }

        return map;
    }
}
