using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// The fused operators that <see cref="FusedOpDecomposition"/> rewrites, by op type: ONNX Runtime's com.microsoft
/// operators, the quantized operators (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger in the default
/// domain, QLinearAdd and its kin in com.microsoft) that become DequantizeLinear → float op → QuantizeLinear, and the
/// default-domain recurrent and control-flow ops (LSTM, GRU, RNN unrolled over time; If inlined; Loop, Scan unrolled).
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
        new Quantized.QuantizedElementwiseDecomposer(),
        new Recurrent.RecurrentDecomposer(),
        new Recurrent.IfInliner(),
        new Recurrent.LoopUnroller(),
        new Recurrent.ScanUnroller());

    /// <summary>Op types rewritten in the default domain too (quantized and recurrent ONNX operators, control flow, ORT's SimplifiedLayerNormalization).</summary>
    private static readonly HashSet<string> DefaultDomainForms = new(StringComparer.Ordinal)
    {
        "SimplifiedLayerNormalization", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "LSTM", "GRU", "RNN", "If", "Loop", "Scan",
    };

    /// <summary>Every supported op type.</summary>
    public static IReadOnlyCollection<string> OpTypes => ByOpType.Keys;

    /// <summary>The decomposer for <paramref name="node"/>, or null when the node is not a supported fused op.</summary>
    public static IFusedOpDecomposer? Find(OnnxNode node)
    {
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
