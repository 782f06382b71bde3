using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// Recognises the embedding lookups of an explained token-id input: a Gather (axis 0) of rows of a constant table
/// at the ids. Their outputs start the relevance path, and their relevance flows back to the ids (RULES.md, "Gather
/// on an embedding table").
/// </summary>
internal static class TokenEmbedding
{
    /// <summary>True when <paramref name="node"/> gathers rows of a constant table at the ids <paramref name="idsInput"/>.</summary>
    public static bool IsLookup(OnnxNode node, string idsInput, IReadOnlySet<string> constants)
        => node.OpType == "Gather" && node.Domain.Length == 0 && node.Inputs.Count == 2
            && node.Inputs[1] == idsInput && constants.Contains(node.Inputs[0]) && node.GetInt("axis", 0) == 0;

    /// <summary>True when input <paramref name="inputIndex"/> of <paramref name="node"/> is the explained token-id input it looks up.</summary>
    public static bool IsIdsOperand(LrpNode node, int inputIndex, CanonicalGraph graph)
        => inputIndex == 1 && node.OpType == "Gather" && node.Inputs.Count == 2 && node.Inputs[1] == graph.ExplainedInput;
}
