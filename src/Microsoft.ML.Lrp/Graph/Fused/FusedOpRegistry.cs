using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// The fused operators that <see cref="FusedOpDecomposition"/> rewrites, by op type. All live in the com.microsoft
/// domain; SimplifiedLayerNormalization, which ONNX Runtime registers in the default domain, is matched in both; the
/// default-domain recurrent ops LSTM, GRU and RNN are unrolled over time by the same rewrite.
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
        new Recurrent.RecurrentDecomposer(),
        new Recurrent.IfInliner(),
        new Recurrent.LoopUnroller(),
        new Recurrent.ScanUnroller());

    /// <summary>The default-domain ops that are rewritten too (the recurrent ops are unrolled over time).</summary>
    private static readonly HashSet<string> DefaultDomainOps = new(StringComparer.Ordinal) { "SimplifiedLayerNormalization", "LSTM", "GRU", "RNN", "If", "Loop", "Scan" };

    /// <summary>Every supported op type.</summary>
    public static IReadOnlyCollection<string> OpTypes => ByOpType.Keys;

    /// <summary>The decomposer for <paramref name="node"/>, or null when the node is not a supported fused op.</summary>
    public static IFusedOpDecomposer? Find(OnnxNode node)
    {
        if (!ByOpType.TryGetValue(node.OpType, out IFusedOpDecomposer? decomposer))
        {
            return null;
        }

        bool defaultDomainForm = node.Domain.Length == 0 && DefaultDomainOps.Contains(node.OpType);
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
