using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// <c>If</c>: both branches are inlined and each output is <c>Where(cond, then, else)</c>, so that relevance flows
/// (Where's routing rule) through the branch the run took and the other branch gets none. Both branches run; the
/// outputs must have the same shape (declared shapes that differ are refused).
/// </summary>
internal sealed class IfInliner : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["If"];

    public void Decompose(FusedGraphBuilder b)
    {
        var thenBranch = SubgraphInliner.Body(b, "then_branch");
        var elseBranch = SubgraphInliner.Body(b, "else_branch");
        if (thenBranch.Output.Count != elseBranch.Output.Count)
        {
            throw b.Unsupported("branches with different numbers of outputs", "Both branches must produce the node's outputs.");
        }

        for (int k = 0; k < thenBranch.Output.Count; k++)
        {
            long?[]? a = SubgraphInliner.DeclaredShape(thenBranch.Output[k]);
            long?[]? c = SubgraphInliner.DeclaredShape(elseBranch.Output[k]);
            bool differ = a is not null && c is not null && (a.Length != c.Length || a.Zip(c).Any(p => p.First is long x && p.Second is long y && x != y));
            if (differ)
            {
                throw b.Unsupported(
                    $"branches whose output {k} differs in shape ([{string.Join(", ", a!)}] and [{string.Join(", ", c!)}])",
                    "Relevance through an If needs both branches to produce outputs of one shape, to select between them element by element.");
            }
        }

        string[] thenOutputs = SubgraphInliner.Inline(b, thenBranch, []);
        string[] elseOutputs = SubgraphInliner.Inline(b, elseBranch, []);
        string condition = b.Reshape(b.Input(0), []);
        for (int k = 0; k < thenOutputs.Length; k++)
        {
            if (b.Output(k).Length > 0)
            {
                b.Op("Where", [condition, thenOutputs[k], elseOutputs[k]], b.Output(k));
            }
        }
    }
}
