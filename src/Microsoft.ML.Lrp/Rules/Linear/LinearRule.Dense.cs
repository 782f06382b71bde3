using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The common case of a linear rule on a dense layer (Gemm, or MatMul with a constant weight, any number of leading
/// axes seen as rows) with one quotient of one product of the unmodified input (Epsilon): forward GEMM, one fused
/// bias-quotient-sums pass (the backend's <c>DenseQuotient</c>), backward GEMM, and the input relevance computed in place
/// in the backward result.
/// </summary>
internal sealed partial class LinearRule
{
    private bool TryPropagateSingleDenseTerm(RuleContext ctx, Tensor x, Tensor relevance, float eps)
    {
        if (Layer is not DenseLayer || _groups.Count != 1 || _groups[0].Mask != 0 || _groups[0].Terms.Count != 1)
        {
            return false;
        }

        var group = _groups[0];
        var term = group.Terms[0];
        if (term.Input != InputVariant.X || term.Sign != 1f || relevance.Length % ctx.Batch != 0 || relevance.Length / ctx.Batch % Layer.OutChannels != 0)
        {
            return false;
        }

        return TryPropagateNonZeroRows(ctx, x, relevance, group, term, eps)
            || PropagateSingleProduct(ctx, x, relevance, group, term, eps, denseQuotient: true);
    }

    /// <summary>Rows (of the flattened leading axes) skipped by the last pass because their relevance was exactly zero (for tests).</summary>
    internal int LastSkippedRows { get; private set; }

    /// <summary>
    /// When at most half of the rows (tokens) carry any relevance — a next-token target's LM head and last block, a
    /// class token's last block — the product runs on those rows only: gathered, propagated, scattered back into a
    /// zeroed input relevance. Rows of exactly zero relevance give exactly zero input relevance and absorb nothing,
    /// so the result is the full computation's. False (nothing done) when the rows are not worth compacting.
    /// </summary>
    private bool TryPropagateNonZeroRows(RuleContext ctx, Tensor x, Tensor relevance, LinearGroup group, LinearTerm term, float eps)
    {
        LastSkippedRows = 0;
        var dense = (DenseLayer)Layer;
        int outFeatures = Layer.OutChannels, inFeatures = dense.InFeatures;
        int rows = relevance.Length / outFeatures;
        if (dense.TransposedInput || x.Length != rows * inFeatures || rows % ctx.Batch != 0)
        {
            return false;
        }

        var backend = ctx.Backend;
        // NaN rows count as carrying relevance, so the finiteness check still sees them.
        if (backend.NonZeroRows(relevance.Data, rows, rows / 2) is not { } kept)
        {
            return false;
        }

        LastSkippedRows = rows - kept.Length;
        var inputRelevance = new Tensor(x.Shape);
        if (kept.Length > 0)
        {
            var compactRelevance = new Tensor([kept.Length, outFeatures], TensorArena.Allocate(kept.Length * outFeatures, clear: false));
            backend.GatherRows(kept, outFeatures, relevance.Data, compactRelevance.Data);
            var compactX = new Tensor([kept.Length, inFeatures], TensorArena.Allocate(kept.Length * inFeatures, clear: false));
            backend.GatherRows(kept, inFeatures, x.Data, compactX.Data);
            float[]? compactOutput = null;
            if (ReusesOutput && ctx.TryValue(ctx.Node.Outputs[0], out var y) && y.Length == relevance.Length)
            {
                compactOutput = TensorArena.Allocate(compactRelevance.Length, clear: false);
                backend.GatherRows(kept, outFeatures, y.Data, compactOutput);
            }

            // One quotient row per kept row; their sums go to the batch row each belongs to.
            var (c, relevanceSums, dots) = SingleProduct(backend, compactX, compactRelevance, compactOutput, kept.Length, group, term, eps, denseQuotient: true);
            int rowsPerSample = rows / ctx.Batch;
            for (int j = 0; j < kept.Length; j++)
            {
                ctx.Absorb(kept[j] / rowsPerSample, relevanceSums[j] - (group.Coefficient * dots[j]));
            }

            backend.ScatterAddRows(kept, inFeatures, c.Data, inputRelevance.Data);
            foreach (var buffer in new[] { compactRelevance.Data, compactX.Data, c.Data, compactOutput })
            {
                if (buffer is not null)
                {
                    TensorArena.Release(buffer);
                }
            }
        }

        ctx.AddInputRelevance(0, inputRelevance);
        return true;
    }
}
