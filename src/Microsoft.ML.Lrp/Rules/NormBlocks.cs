using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

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
    private const int BlockElements = 4096;

    /// <summary>Enough blocks to keep every core busy (when the inner axes allow).</summary>
    private static readonly int MinimumBlocks = 4 * Environment.ProcessorCount;

    /// <summary>Inner blocks are not split below this many elements.</summary>
    private const int MinimumInner = 1024;

    private readonly (float[] Data, float Sign, bool Whole, int[] Offsets, bool Relevant, bool Injective, int Length)[] _operands;
    private readonly int _outer, _inner, _batch;

    private NormBlocks(int outer, int inner, int batch, (float[], float, bool, int[], bool, bool, int)[] operands)
    {
        _outer = outer;
        _inner = inner;
        _batch = batch;
        _operands = operands;
    }

    /// <summary>The layout of a sum, or null when the output's first axis is not the batch.</summary>
    public static NormBlocks? TryCreate(int[] outShape, int batch, IReadOnlyList<(Tensor Value, float Sign, bool Relevant)> operands)
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
        var list = new (float[], float, bool, int[], bool, bool, int)[operands.Count];
        for (int i = 0; i < operands.Count; i++)
        {
            var (value, sign, relevant) = operands[i];
            bool isWhole = whole[i] ?? true;
            int[] sourceOuter = aligned[i][..split];
            var offsets = TensorShapes.BroadcastSourceIndex(sourceOuter, outOuter);
            int blockLength = isWhole ? inner : 1;
            for (int o = 0; o < offsets.Length; o++)
            {
                offsets[o] *= blockLength;
            }

            list[i] = (value.Data, sign, isWhole, offsets, relevant, Tensor.ShapeSize(sourceOuter) == outer, value.Length);
        }

        return new NormBlocks(outer, inner, batch, list);
    }

    /// <summary>
    /// Runs the rule: returns each operand's share (null for operands that carry no relevance) in the operand's
    /// own shape, and adds the absorbed remainder per batch row to <paramref name="absorbedPerRow"/>. With
    /// <paramref name="reuseRelevance"/> the caller gives up <paramref name="relevance"/>: one share may be written
    /// over it.
    /// </summary>
    public float[]?[] Propagate(float[] relevance, StabilizedDivide divide, double[] absorbedPerRow, bool reuseRelevance = false)
    {
        int count = _operands.Length, inner = _inner;
        var shares = new float[]?[count];
        var direct = new float[]?[count];
        bool reuse = reuseRelevance;
        for (int i = 0; i < count; i++)
        {
            var op = _operands[i];
            if (!op.Relevant)
            {
                continue;
            }

            // An operand laid out as the output takes its share in the relevance's own buffer (each block reads its
            // slice of R before it writes the share there); other injective operands are written whole, so neither
            // needs zeroing.
            bool inPlace = reuse && op.Whole && op.Length == relevance.Length;
            reuse &= !inPlace;
            shares[i] = inPlace ? relevance : op.Injective ? TensorArena.Allocate(op.Length, clear: false) : TensorArena.Allocate(op.Length);
            direct[i] = op.Injective ? shares[i] : new float[_outer * (op.Whole ? inner : 1)];
        }

        var absorbedPerBlock = new double[_outer];
        int rowsPerItem = Math.Max(1, BlockElements / inner);
        int items = (_outer + rowsPerItem - 1) / rowsPerItem;
        Parallel.For(
            0,
            items,
            CpuParallel.Options,
            () => (new float[inner], new float[inner]),
            (item, _, scratch) =>
            {
                var (z, s) = scratch;
                int end = Math.Min(_outer, (item + 1) * rowsPerItem);
                for (int o = item * rowsPerItem; o < end; o++)
                {
                    RunBlock(o, relevance.AsSpan(o * inner, inner), divide, z, s, direct, absorbedPerBlock);
                }

                return scratch;
            },
            _ => { });

        for (int i = 0; i < count; i++)
        {
            var op = _operands[i];
            if (op.Relevant && !op.Injective)
            {
                var target = shares[i]!;
                var source = direct[i]!;
                int block = op.Whole ? inner : 1;
                for (int o = 0; o < _outer; o++)
                {
                    TensorPrimitives.Add(target.AsSpan(op.Offsets[o], block), source.AsSpan(o * block, block), target.AsSpan(op.Offsets[o], block));
                }
            }
        }

        int blocksPerRow = _outer / _batch;
        for (int o = 0; o < _outer; o++)
        {
            absorbedPerRow[o / blocksPerRow] += absorbedPerBlock[o];
        }

        return shares;
    }

    private void RunBlock(int o, ReadOnlySpan<float> r, StabilizedDivide divide, float[] zBuffer, float[] sBuffer, float[]?[] direct, double[] absorbedPerBlock)
    {
        var z = zBuffer.AsSpan();
        var s = sBuffer.AsSpan();
        float constant = 0f;
        bool first = true;
        foreach (var op in _operands)
        {
            if (!op.Whole)
            {
                constant += op.Sign * op.Data[op.Offsets[o]];
                continue;
            }

            var x = op.Data.AsSpan(op.Offsets[o], _inner);
            if (first)
            {
                TensorPrimitives.Multiply(x, op.Sign, z);
                first = false;
            }
            else
            {
                TensorPrimitives.MultiplyAdd(x, op.Sign, z, z);
            }
        }

        if (first)
        {
            z.Fill(constant);
        }
        else if (constant != 0f)
        {
            TensorPrimitives.Add(z, constant, z);
        }

        StabilizedDivide.Apply(divide, r, z, s);

        // Absorbed from the node's own terms (the stabiliser's share Σ(R − s·z) and the shares of operands that carry
        // no relevance), so the conservation report checks the shares; R − Σ shares only where an operand is non-finite
        // (a −∞ mask makes the own terms 0·∞).
        double ownTerms = (double)TensorPrimitives.Sum(r) - TensorPrimitives.Dot<float>(s, z);
        double absorbed = TensorPrimitives.Sum(r);
        double sumS = double.NaN;
        for (int i = 0; i < _operands.Length; i++)
        {
            var op = _operands[i];
            if (!op.Relevant)
            {
                if (op.Whole)
                {
                    ownTerms += op.Sign * TensorPrimitives.Dot<float>(op.Data.AsSpan(op.Offsets[o], _inner), s);
                }
                else
                {
                    sumS = double.IsNaN(sumS) ? TensorPrimitives.Sum<float>(s) : sumS;
                    ownTerms += op.Sign * op.Data[op.Offsets[o]] * sumS;
                }

                continue;
            }

            if (op.Whole)
            {
                var share = direct[i].AsSpan(op.Injective ? op.Offsets[o] : o * _inner, _inner);
                TensorPrimitives.Multiply(op.Data.AsSpan(op.Offsets[o], _inner), s, share);
                if (op.Sign != 1f)
                {
                    TensorPrimitives.Multiply(share, op.Sign, share);
                }

                absorbed -= TensorPrimitives.Sum<float>(share);
            }
            else
            {
                if (double.IsNaN(sumS))
                {
                    sumS = TensorPrimitives.Sum<float>(s);
                }

                float share = (float)(op.Sign * op.Data[op.Offsets[o]] * sumS);
                direct[i]![op.Injective ? op.Offsets[o] : o] = share;
                absorbed -= share;
            }
        }

        absorbedPerBlock[o] = double.IsFinite(ownTerms) ? ownTerms : absorbed;
    }
}
