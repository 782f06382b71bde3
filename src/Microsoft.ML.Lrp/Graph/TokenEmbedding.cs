using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// Recognises the embedding lookups of an explained token-id input: a Gather (axis 0) of rows of a constant table
/// at the ids, or at a view of them that <see cref="TokenIdsChain"/> follows (an integer Cast, a Reshape, a
/// Transpose...). Their outputs start the relevance path, and their relevance flows back to the ids (RULES.md,
/// "Gather on an embedding table"), through the chain's nodes to the ids' own positions.
/// </summary>
internal static class TokenEmbedding
{
    /// <summary>
    /// True when <paramref name="node"/> gathers rows of a constant table at token ids: a value of
    /// <paramref name="ids"/> (the explained input and its views, <see cref="TokenIdsChain.Follow"/>).
    /// </summary>
    public static bool IsLookup(OnnxNode node, IReadOnlySet<string> ids, IReadOnlySet<string> constants)
        => node.OpType == "Gather" && node.Domain.Length == 0 && node.Inputs.Count == 2
            && ids.Contains(node.Inputs[1]) && constants.Contains(node.Inputs[0]) && node.GetInt("axis", 0) == 0;

    /// <summary>True when <paramref name="node"/> is a link of the ids chain <paramref name="ids"/> (its output is a view of the ids).</summary>
    public static bool IsIdsLink(OnnxNode node, IReadOnlySet<string> ids)
        => node.Outputs.Count == 1 && ids.Contains(node.Outputs[0]) && TokenIdsChain.IsLink(node);

    /// <summary>
    /// True when input <paramref name="inputIndex"/> of <paramref name="node"/> is the token ids (the explained input
    /// or a view of it on the relevance path) that the embedding lookup reads.
    /// </summary>
    public static bool IsIdsOperand(LrpNode node, int inputIndex, CanonicalGraph graph)
        => inputIndex == 1 && node.OpType == "Gather" && node.Source.Domain.Length == 0 && node.Inputs.Count == 2
            && graph.IsRelevance(node.Inputs[1]) && graph.KindOf(node.Inputs[0]) == ValueKind.Constant && node.Source.GetInt("axis", 0) == 0;
}
