using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// The fused operators that <see cref="FusedOpDecomposition"/> rewrites, by op type. All live in the com.microsoft
/// domain; SimplifiedLayerNormalization, which ONNX Runtime registers in the default domain, is matched in both; the
/// default-domain opset-23 Attention and RotaryEmbedding, the Einsums of three or more operands and the DFT/STFT
/// (a MatMul with the Fourier matrix) have their own table.
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
        new GroupQueryAttentionDecomposer());

    /// <summary>Default-domain ops decomposed the same way: the opset-23 attention ops, and Einsums of three or more operands.</summary>
    private static readonly Dictionary<string, IFusedOpDecomposer> DefaultDomain = Build(
        new OnnxAttentionDecomposer(),
        new RotaryEmbeddingDecomposer(),
        new EinsumChainDecomposer(),
        new SpectralDecomposer());

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

        bool defaultDomainForm = node.Domain.Length == 0 && node.OpType == "SimplifiedLayerNormalization";
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
