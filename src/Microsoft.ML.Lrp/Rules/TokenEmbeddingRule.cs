using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Gather on an embedding table with the explained token ids (RULES.md): the relevance of each token is the sum,
/// over the embedding dimension, of the relevance at the row gathered for it:
/// <c>R_id[t] = Σ_d R[t, d]</c>. The table itself is a constant and receives nothing, so nothing is absorbed. The ids
/// operand may be a view of the explained ids (<see cref="TokenIdsChain"/>); the Pass and Routing rules of the view's
/// nodes then carry each token's relevance back to its position in the input.
/// </summary>
internal sealed class TokenEmbeddingRule : IRelevanceRule
{
    public string Description => "TokenEmbedding";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        var idsShape = ctx.Shape(ctx.Node.Inputs[1]);
        var tokens = new Tensor(idsShape);
        int width = r.Length / Math.Max(tokens.Length, 1);
        if (width * tokens.Length != r.Length)
        {
            throw new InvalidOperationException($"The embedding lookup '{ctx.Node.Name}' gives {r.Length} values of relevance for {tokens.Length} token ids; expected a whole embedding row per id.");
        }

        // Row sums on the backend (one row of width elements per token), rounded to float there: on a device backend
        // the token relevance stays on the device.
        ctx.Backend.RowSumsInto(r.Data, tokens.Length, tokens.Data);

        ctx.AddInputRelevance(1, tokens);
    }
}
