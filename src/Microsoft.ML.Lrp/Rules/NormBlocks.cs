using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// The Norm rule for sums in one fused, parallel pass over the rows of the output, broadcasting included: the
/// output is seen as <c>[outer, inner]</c> where inner spans the trailing axes on which every operand is either
/// whole (a contiguous block, as a bias <c>[H]</c> added to <c>[N, S, H]</c>) or constant (one value per block, as a
/// mean <c>[N, S, 1]</c> subtracted from <c>[N, S, H]</c>); the leading axes, batch included, index the blocks. Per
/// block: the sum, the stabilised quotient, each relevance operand's share and the absorbed remainder.
/// </summary>
internal sealed class NormBlocks
{
    /// <summary>Enough blocks to keep every core busy (when the inner axes allow).</summary>
    private static readonly int MinimumBlocks = 4 * Environment.ProcessorCount;

    /// <summary>Inner blocks are not split below this many elements.</summary>
    private const int MinimumInner = 1024;

    private readonly NormSumPlan _plan;
    private readonly bool _keptOffsets;

    private NormBlocks(NormSumPlan plan, bool keptOffsets)
    {
        _plan = plan;
        _keptOffsets = keptOffsets;
    }

    /// <summary>
    /// The layout of a sum, or null when the output's first axis is not the batch. With <paramref name="offsets"/>
    /// (the rule's kept maps, by key) each operand's block offsets (a function of the shapes only) are built once and
    /// declared constant to the backend when the rule runs.
    /// </summary>
    public static NormBlocks? TryCreate(int[] outShape, int batch, IReadOnlyList<(Tensor Value, float Sign, bool Relevant)> operands, System.Collections.Concurrent.ConcurrentDictionary<string, int[]>? offsets = null)
    {
        int rank = outShape.Length;
        if (rank == 0 || outShape[0] != batch || batch == 0 || Tensor.ShapeSize(outShape) == 0)
        {
            return null;
        }

        var aligned = operands.Select(o => Enumerable.Repeat(1, rank - o.Value.Shape.Length).Concat(o.Value.Shape).ToArray()).ToArray();
        var whole = new bool?[operands.Count];
        int split = rank;
        for (int d = rank - 1; d >= 1; d--)
        {
            bool fits = true;
            var next = (bool?[])whole.Clone();
            for (int i = 0; i < operands.Count && fits; i++)
            {
                int dim = aligned[i][d];
                if (outShape[d] == 1)
                {
                    continue;
                }

                bool isWhole = dim == outShape[d];
                fits = next[i] is null || next[i] == isWhole;
                next[i] = isWhole;
            }

            if (!fits)
            {
                break;
            }

            whole = next;
            split = d;
        }

        // Every operand is whole or one value on each inner axis, so leading inner axes can move to the blocks: a
        // single image's [1, C, H, W] would otherwise be one block on one thread.
        while (split < rank - 1 && Tensor.ShapeSize(outShape[..split]) < MinimumBlocks && Tensor.ShapeSize(outShape[(split + 1)..]) >= MinimumInner)
        {
            split++;
        }

        int inner = Tensor.ShapeSize(outShape[split..]);
        int outer = Tensor.ShapeSize(outShape) / inner;
        int[] outOuter = outShape[..split];
        var list = new NormSumOperand[operands.Count];
        for (int i = 0; i < operands.Count; i++)
        {
            var (value, sign, relevant) = operands[i];
            bool isWhole = whole[i] ?? true;
            int[] sourceOuter = aligned[i][..split];
            int blockLength = isWhole ? inner : 1;
            var blockOffsets = offsets is null
                ? BlockOffsets(sourceOuter, outOuter, blockLength)
                : offsets.GetOrAdd($"{string.Join('x', sourceOuter)}>{string.Join('x', outOuter)}*{blockLength}", _ => BlockOffsets(sourceOuter, outOuter, blockLength));
            list[i] = new NormSumOperand(value.Data, sign, isWhole, blockOffsets, relevant, Tensor.ShapeSize(sourceOuter) == outer, value.Length);
        }

        return new NormBlocks(new NormSumPlan(outer, inner, batch, list), offsets is not null);
    }

    /// <summary>The element offset of each output block's data in an operand of leading shape <paramref name="sourceOuter"/>.</summary>
    private static int[] BlockOffsets(int[] sourceOuter, int[] outOuter, int blockLength)
    {
        var offsets = TensorShapes.BroadcastSourceIndex(sourceOuter, outOuter);
        for (int o = 0; o < offsets.Length; o++)
        {
            offsets[o] *= blockLength;
        }

        return offsets;
    }

    /// <summary>
    /// Runs the rule on <paramref name="backend"/>: returns each operand's share (null for operands that carry no
    /// relevance) in the operand's own shape, and adds the absorbed remainder per batch row to
    /// <paramref name="absorbedPerRow"/>. With <paramref name="reuseRelevance"/> the caller gives up
    /// <paramref name="relevance"/>: one share may be written over it.
    /// </summary>
    public float[]?[] Propagate(IRelevanceBackend backend, float[] relevance, float epsilon, double[] absorbedPerRow, bool reuseRelevance = false)
    {
        if (_keptOffsets)
        {
            foreach (var operand in _plan.Operands)
            {
                backend.DeclareConstant(operand.Offsets);
            }
        }

        return backend.NormSum(_plan, relevance, epsilon, absorbedPerRow, reuseRelevance);
    }
}
