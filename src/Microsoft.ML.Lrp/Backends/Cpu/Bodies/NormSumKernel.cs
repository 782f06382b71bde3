using System.Runtime.CompilerServices;
using System.Numerics;
using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// The Norm rule on a broadcasting sum (<see cref="NormSumPlan"/>) in one fused, parallel pass over the blocks of the
/// output: per block the sum, the stabilised quotient, each relevance operand's share and the absorbed remainder.
/// </summary>
internal static class NormSumKernel
{
    private const int BlockElements = 4096;

    /// <summary>
    /// Runs the rule: returns each operand's share (null for operands that carry no relevance) in the operand's
    /// own shape, and adds the absorbed remainder per batch row to <paramref name="absorbedPerRow"/>. With
    /// <paramref name="reuseRelevance"/> the caller gives up <paramref name="relevance"/>: one share may be written
    /// over it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[]?[] Run(NormSumPlan plan, float[] relevance, float epsilon, double[] absorbedPerRow, bool reuseRelevance)
    {
        var divide = new StabilizedDivide(epsilon);
        var operands = plan.Operands;
        int count = operands.Length, inner = plan.Inner, outer = plan.Outer;
        var shares = new float[]?[count];
        var direct = new float[]?[count];
        bool reuse = reuseRelevance;
        for (int i = 0; i < count; i++)
        {
            var op = operands[i];
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
            direct[i] = op.Injective ? shares[i] : new float[outer * (op.Whole ? inner : 1)];
        }

        var absorbedPerBlock = new double[outer];
        int rowsPerItem = Math.Max(1, BlockElements / inner);
        int items = (outer + rowsPerItem - 1) / rowsPerItem;
        Parallel.For(
            0,
            items,
            CpuParallel.Options,
            () => (new float[inner], new float[inner]),
            (item, _, scratch) =>
            {
                var (z, s) = scratch;
                int end = Math.Min(outer, (item + 1) * rowsPerItem);
                for (int o = item * rowsPerItem; o < end; o++)
                {
                    RunBlock(operands, inner, o, relevance.AsSpan(o * inner, inner), divide, z, s, direct, absorbedPerBlock);
                }

                return scratch;
            },
            _ => { });

        for (int i = 0; i < count; i++)
        {
            var op = operands[i];
            if (op.Relevant && !op.Injective)
            {
                var target = shares[i]!;
                var source = direct[i]!;
                int block = op.Whole ? inner : 1;
                for (int o = 0; o < outer; o++)
                {
                    TensorPrimitives.Add(target.AsSpan(op.Offsets[o], block), source.AsSpan(o * block, block), target.AsSpan(op.Offsets[o], block));
                }
            }
        }

        int blocksPerRow = outer / plan.Batch;
        for (int o = 0; o < outer; o++)
        {
            absorbedPerRow[o / blocksPerRow] += absorbedPerBlock[o];
        }

        return shares;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunBlock(NormSumOperand[] operands, int inner, int o, ReadOnlySpan<float> r, StabilizedDivide divide, float[] zBuffer, float[] sBuffer, float[]?[] direct, double[] absorbedPerBlock)
    {
        if (operands.Length == 2 && operands[0].Whole && operands[1].Whole)
        {
            absorbedPerBlock[o] = RunPair(operands[0], operands[1], inner, o, r, divide, direct);
            return;
        }

        var z = zBuffer.AsSpan();
        var s = sBuffer.AsSpan();
        float constant = 0f;
        bool first = true;
        foreach (var op in operands)
        {
            if (!op.Whole)
            {
                constant += op.Sign * op.Data[op.Offsets[o]];
                continue;
            }

            var x = op.Data.AsSpan(op.Offsets[o], inner);
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
        for (int i = 0; i < operands.Length; i++)
        {
            var op = operands[i];
            if (!op.Relevant)
            {
                if (op.Whole)
                {
                    ownTerms += op.Sign * TensorPrimitives.Dot<float>(op.Data.AsSpan(op.Offsets[o], inner), s);
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
                var share = direct[i].AsSpan(op.Injective ? op.Offsets[o] : o * inner, inner);
                TensorPrimitives.Multiply(op.Data.AsSpan(op.Offsets[o], inner), s, share);
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

    /// <summary>
    /// A block of a sum of two operands that are whole on the block (a bias or residual Add, a LayerNorm shift) in one
    /// vector sweep: <c>z = σ₀x₀ + σ₁x₁</c>, <c>s = R / stab(z)</c>, each relevant operand's share <c>σᵢxᵢ·s</c>, and
    /// the sums the absorbed share needs (as <see cref="RunBlock"/>). The shares may be written over R.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double RunPair(NormSumOperand first, NormSumOperand second, int inner, int o, ReadOnlySpan<float> r, StabilizedDivide divide, float[]?[] direct)
    {
        var x0 = first.Data.AsSpan(first.Offsets[o], inner);
        var x1 = second.Data.AsSpan(second.Offsets[o], inner);
        var share0 = first.Relevant ? direct[0].AsSpan(first.Injective ? first.Offsets[o] : o * inner, inner) : default;
        var share1 = second.Relevant ? direct[1].AsSpan(second.Injective ? second.Offsets[o] : o * inner, inner) : default;
        float sign0 = first.Sign, sign1 = second.Sign;
        var vSign0 = new Vector<float>(sign0);
        var vSign1 = new Vector<float>(sign1);
        Vector<float> vR = Vector<float>.Zero, vSz = Vector<float>.Zero, vS0 = Vector<float>.Zero, vS1 = Vector<float>.Zero;
        int w = Vector<float>.Count, k = 0;
        for (; k <= inner - w; k += w)
        {
            var a = new Vector<float>(x0[k..]);
            var b = new Vector<float>(x1[k..]);
            var vr = new Vector<float>(r[k..]);
            var z = (b * vSign1) + (a * vSign0);
            var sv = divide.Apply(vr, z);
            vR += vr;
            vSz += sv * z;
            var p0 = a * sv;
            var p1 = b * sv;
            if (first.Relevant)
            {
                (sign0 == 1f ? p0 : p0 * vSign0).CopyTo(share0[k..]);
            }

            if (second.Relevant)
            {
                (sign1 == 1f ? p1 : p1 * vSign1).CopyTo(share1[k..]);
            }

            vS0 += p0;
            vS1 += p1;
        }

        double sumR = Vector.Sum(vR), sz = Vector.Sum(vSz), s0 = Vector.Sum(vS0), s1 = Vector.Sum(vS1);
        for (; k < inner; k++)
        {
            float z = (x1[k] * sign1) + (x0[k] * sign0);
            float sv = divide.Apply(r[k], z);
            sumR += r[k];
            sz += sv * z;
            float p0 = x0[k] * sv, p1 = x1[k] * sv;
            if (first.Relevant)
            {
                share0[k] = sign0 == 1f ? p0 : p0 * sign0;
            }

            if (second.Relevant)
            {
                share1[k] = sign1 == 1f ? p1 : p1 * sign1;
            }

            s0 += p0;
            s1 += p1;
        }

        // As RunBlock: the own terms (stabiliser and operands without relevance), or R − Σ shares where they are not finite.
        double ownTerms = sumR - sz + (first.Relevant ? 0 : sign0 * s0) + (second.Relevant ? 0 : sign1 * s1);
        double absorbed = sumR - (first.Relevant ? sign0 * s0 : 0) - (second.Relevant ? sign1 * s1 : 0);
        return double.IsFinite(ownTerms) ? ownTerms : absorbed;
    }
}
