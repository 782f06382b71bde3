namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// Rewrites one family of fused operators (ONNX Runtime's com.microsoft transformer ops) as primitive ai.onnx
/// operators with the same outputs, so that the primitive relevance rules apply to them.
/// </summary>
internal interface IFusedOpDecomposer
{
    /// <summary>The op types of the family,.</summary>
    IReadOnlyList<string> OpTypes { get; }

    /// <summary>Emits the primitive nodes through <paramref name="builder"/>; throws an <see cref="LrpException"/> for unsupported forms.</summary>
    void Decompose(FusedGraphBuilder builder);
}
