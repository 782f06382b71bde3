using ILGPU;
using ILGPU.Runtime;
using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The Norm rule on a broadcasting sum on the device (<see cref="BodyKernels"/>: <c>NormSum</c>): per operand a term
/// launch and a share launch, plus the quotient, the absorbed remainder and its per-row sums: the number of launches
/// depends on the operands, never on the batch.
/// </summary>
internal sealed partial class IlgpuBackend
{
    /// <summary>First of the per-operand slots (data, offsets and share of operand i at this + 2i, + 2i + 1).</summary>
    private const int SlotNormOperands = 60;

    /// <summary>Runs the plan's kernels; shares come back in the operands' own shapes (one may be written over <paramref name="relevance"/> with <paramref name="reuseRelevance"/>).</summary>
    public float[]?[] NormSum(NormSumPlan plan, float[] relevance, float epsilon, double[] absorbedPerRow, bool reuseRelevance)
    {
        var operands = plan.Operands;
        int count = operands.Length, inner = plan.Inner, outer = plan.Outer;
        long length = (long)outer * inner;
        var shares = new float[]?[count];
        bool reuse = reuseRelevance;
        for (int i = 0; i < count; i++)
        {
            var op = operands[i];
            if (op.Relevant)
            {
                bool inPlace = reuse && op.Whole && op.Length == relevance.Length;
                reuse &= !inPlace;
                shares[i] = inPlace ? relevance : TensorArena.Allocate(op.Length, clear: length == 0);
            }
        }

        if (length == 0)
        {
            return shares;
        }

        var term = Kernel<Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, float, int, int, int>>(
            "norm-term", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, float, int, int, int>(BodyKernels.NormTerm));
        var quotient = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>>(
            "norm-quotient", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(BodyKernels.NormQuotient));
        var share = Kernel<Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int, int, int>>(
            "norm-operand", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int, int, int>(BodyKernels.NormOperand));
        var absorbed = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>>>(
            "norm-absorbed", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(BodyKernels.NormAbsorbed));
        var zero = Kernel<Action<Index1D, ArrayView<float>>>("zero", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>>(BodyKernels.Zero));
        int batch = plan.Batch;
        var pairs = new float[2 * batch];
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var rv = Operand(SlotK0, relevance.AsSpan(0, (int)length));
            var zv = _pool.Floats(SlotK1, length);
            var cv = _pool.Floats(SlotK2, outer);
            var sv = _pool.Floats(SlotK3, length);
            var accv = _pool.Floats(SlotK4, (long)BodyKernels.NormAccumulators * outer);
            var none = _pool.Floats(SlotK5, 1);
            var data = new ArrayView<float>[count];
            var offsets = new ArrayView<int>[count];
            for (int i = 0; i < count; i++)
            {
                // Operands that receive no relevance are the sum's constants (parameters: the same at every batch size);
                // the others are per-sample tensors.
                data[i] = operands[i].Relevant
                    ? Operand(SlotNormOperands + (2 * i), operands[i].Data)
                    : Parameter(SlotNormOperands + (2 * i), operands[i].Data);
                offsets[i] = OperandInts(SlotNormOperands + i, operands[i].Offsets);
            }

            // z: the whole operands in order, then the one-per-block constants (zero when there are none).
            bool hasWhole = false, hasConstant = false;
            foreach (bool whole in new[] { true, false })
            {
                for (int i = 0; i < count; i++)
                {
                    var op = operands[i];
                    if (op.Whole == whole)
                    {
                        bool first = whole ? !hasWhole : !hasConstant;
                        Launched();
                        term(whole ? (int)length : outer, data[i], offsets[i], whole ? zv : cv, op.Sign, inner, whole ? 1 : 0, first ? 1 : 0);
                        hasWhole |= whole;
                        hasConstant |= !whole;
                    }
                }
            }

            if (!hasConstant)
            {
                Launched();
                zero(outer, cv);
            }

            Launched();
            quotient(outer, rv, zv, cv, sv, accv, inner, hasWhole ? 1 : 0, epsilon);
            var shareViews = new ArrayView<float>[count];
            for (int i = 0; i < count; i++)
            {
                var op = operands[i];
                shareViews[i] = op.Relevant ? _pool.Floats(SlotNormOperands + (2 * i) + 1, op.Length) : none;
                if (op.Relevant)
                {
                    Launched();
                    zero(op.Length, shareViews[i]);
                }

                Launched();
                share(outer, data[i], offsets[i], sv, accv, shareViews[i], op.Sign, inner, op.Whole ? 1 : 0, op.Relevant ? 1 : 0);
            }

            var blockPairs = _pool.Floats(SlotK6, 2L * outer);
            Launched();
            absorbed(outer, accv, blockPairs);
            var totals = SegmentSums(blockPairs, SlotK7, batch, outer / batch, 1);
            for (int i = 0; i < count; i++)
            {
                if (shares[i] is { } target)
                {
                    Download(shareViews[i], target.AsSpan(0, operands[i].Length));
                }
            }

            Download(totals, pairs);
        }

        for (int n = 0; n < batch; n++)
        {
            absorbedPerRow[n] += CompensatedSum.OnHost(pairs[2 * n], pairs[(2 * n) + 1]);
        }

        return shares;
    }
}
