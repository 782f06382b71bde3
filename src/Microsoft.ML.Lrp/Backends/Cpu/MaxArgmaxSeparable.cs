using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Max-pooling winners of one 2-D plane in two separable passes: each input row's maximum over every window's
/// columns (first maximum in column order), then each output's maximum over its window's rows of those (first in
/// row order). That is the first maximum in row-major window order, as the generic <see cref="PoolWindowSweep"/>
/// visitor finds it; padding never wins.
/// Windows that lie wholly inside the plane run with <see cref="Vector{T}"/> across output columns, reading the
/// strided columns from a row split into its stride phases; border columns run in scalar loops.
/// </summary>
internal static unsafe class MaxArgmaxSeparable
{
    /// <summary>Whether <paramref name="s"/> is a plain 2-D (or 1-D) window geometry.</summary>
    public static bool Applies(in SpatialShape3 s) => s.In[0] == 1 && s.Kernel[0] == 1 && s.Out[0] == 1 && s.Pad[0] == 0;

    /// <summary>Floats of scratch <see cref="Plane"/> needs for <paramref name="s"/>.</summary>
    public static int ScratchFloats(in SpatialShape3 s) => (s.In[1] * s.Out[2] * 2) + (s.Stride[2] * PhaseLength(s));

    /// <summary>Columns per stride phase: enough for every vector load of an interior window.</summary>
    private static int PhaseLength(in SpatialShape3 s) => s.Out[2] + ((s.Kernel[2] - 1) * s.Dilation[2] / s.Stride[2]) + 1;

    /// <summary>Writes <c>offset + argmax</c> (or −1 for an empty window) for every output of the plane at <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plane(in SpatialShape3 s, float* x, int* argmax, int offset, float* scratch)
    {
        int inH = s.In[1], inW = s.In[2], outH = s.Out[1], outW = s.Out[2];
        float* rowValue = scratch;
        int* rowIndex = (int*)(scratch + (inH * outW));
        float* phases = scratch + (2 * inH * outW);
        (int owLo, int owHi) = InteriorColumns(s);
        bool emptyColumns = false;
        for (int c = 0; c < outW; c++)
        {
            (int kwLo, int kwHi) = s.ValidKernelOffsets(2, c);
            emptyColumns |= kwLo >= kwHi;
        }

        for (int h = 0; h < inH; h++)
        {
            Row(s, x + ((long)h * inW), h * inW, rowValue + (h * outW), rowIndex + (h * outW), phases, owLo, owHi);
        }

        int strideH = s.Stride[1], padH = s.Pad[1], dilH = s.Dilation[1];
        int lanes = Vector<float>.Count;
        for (int oh = 0; oh < outH; oh++)
        {
            int* target = argmax + (oh * outW);
            (int khLo, int khHi) = s.ValidKernelOffsets(1, oh);
            if (khLo >= khHi)
            {
                new Span<int>(target, outW).Fill(-1);
                continue;
            }

            int h0 = (oh * strideH) - padH;
            int first = (h0 + (khLo * dilH)) * outW;
            int ow = 0;
            var offsets = new Vector<int>(offset);
            for (int next = 0; outW >= lanes && next < outW; next += lanes)
            {
                ow = Math.Min(next, outW - lanes);
                var best = Vector.Load(rowValue + first + ow);
                var index = Vector.Load(rowIndex + first + ow);
                for (int kh = khLo + 1; kh < khHi; kh++)
                {
                    int row = (h0 + (kh * dilH)) * outW;
                    var v = Vector.Load(rowValue + row + ow);
                    var greater = Vector.GreaterThan(v, best);
                    best = Vector.ConditionalSelect(greater, v, best);
                    index = Vector.ConditionalSelect(greater, Vector.Load(rowIndex + row + ow), index);
                }

                Vector.Store(index + offsets, target + ow);
                ow += lanes;
            }

            for (; ow < outW; ow++)
            {
                float best = rowValue[first + ow];
                int index = rowIndex[first + ow];
                for (int kh = khLo + 1; kh < khHi; kh++)
                {
                    int row = (h0 + (kh * dilH)) * outW;
                    if (rowValue[row + ow] > best)
                    {
                        best = rowValue[row + ow];
                        index = rowIndex[row + ow];
                    }
                }

                target[ow] = offset + index;
            }

            for (int c = 0; emptyColumns && c < outW; c++)
            {
                (int kwLo, int kwHi) = s.ValidKernelOffsets(2, c);
                if (kwLo >= kwHi)
                {
                    target[c] = -1;
                }
            }
        }
    }

    /// <summary>The output columns <c>[lo, hi)</c> whose whole window lies inside the row.</summary>
    private static (int Lo, int Hi) InteriorColumns(in SpatialShape3 s)
    {
        int lo = s.ValidOutputs(2, 0).Lo, hi = s.ValidOutputs(2, s.Kernel[2] - 1).Hi;
        for (int kw = 0; kw < s.Kernel[2]; kw++)
        {
            (int l, int h) = s.ValidOutputs(2, kw);
            lo = Math.Max(lo, l);
            hi = Math.Min(hi, h);
        }

        return (lo, Math.Max(lo, hi));
    }

    /// <summary>One input row: the maximum over each output column's window columns, and its plane index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row(in SpatialShape3 s, float* x, int rowStart, float* value, int* index, float* phases, int owLo, int owHi)
    {
        int inW = s.In[2], outW = s.Out[2], kernel = s.Kernel[2], stride = s.Stride[2], pad = s.Pad[2], dil = s.Dilation[2];
        int lanes = Vector<float>.Count;
        int phaseLength = PhaseLength(s);
        // Interior columns run in whole vectors, the last one overlapping its predecessor (recomputing the same
        // outputs) rather than leaving a scalar tail.
        int vectorEnd = owHi - owLo >= lanes ? owHi : owLo;
        if (vectorEnd > owLo)
        {
            // Phase q holds the row's columns q + stride·t − pad: column ow·stride + kw·dil − pad is phase
            // (kw·dil) mod stride at t = ow + (kw·dil) / stride, so each kernel column is one contiguous load.
            for (int q = 0; q < stride; q++)
            {
                float* phase = phases + (q * phaseLength);
                int t = 0;
                if (stride == 2 && Avx2.IsSupported)
                {
                    // Columns q − pad + 2t: the first t in bounds, then 8 at a time from 16 contiguous columns.
                    for (; t < phaseLength && q + (2 * t) - pad < 0; t++)
                    {
                        phase[t] = 0f;
                    }

                    var evens = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
                    for (; t + 8 <= phaseLength && q + (2 * t) - pad + 16 <= inW; t += 8)
                    {
                        float* source = x + q + (2 * t) - pad;
                        var low = Avx2.PermuteVar8x32(Vector256.Load(source), evens);
                        var high = Avx2.PermuteVar8x32(Vector256.Load(source + 8), evens);
                        Vector256.Create(low.GetLower(), high.GetLower()).Store(phase + t);
                    }
                }

                for (; t < phaseLength; t++)
                {
                    int col = q + (stride * t) - pad;
                    phase[t] = (uint)col < (uint)inW ? x[col] : 0f;
                }
            }

            var steps = Vector<int>.Indices * stride;
            for (int next = owLo; next < vectorEnd; next += lanes)
            {
                int ow = Math.Min(next, vectorEnd - lanes);
                int j = 0;
                var best = Vector.Load(phases + ow);
                var bestIndex = steps + new Vector<int>(rowStart + (ow * stride) - pad);
                for (int kw = 1; kw < kernel; kw++)
                {
                    j = kw * dil;
                    var v = Vector.Load(phases + ((j % stride) * phaseLength) + ow + (j / stride));
                    var greater = Vector.GreaterThan(v, best);
                    best = Vector.ConditionalSelect(greater, v, best);
                    bestIndex = Vector.ConditionalSelect(greater, steps + new Vector<int>(rowStart + (ow * stride) - pad + j), bestIndex);
                }

                Vector.Store(best, value + ow);
                Vector.Store(bestIndex, index + ow);
            }
        }

        for (int ow = 0; ow < outW; ow++)
        {
            if (ow == owLo && vectorEnd > owLo)
            {
                ow = vectorEnd - 1;
                continue;
            }

            (int kwLo, int kwHi) = s.ValidKernelOffsets(2, ow);
            if (kwLo >= kwHi)
            {
                value[ow] = float.NegativeInfinity;
                index[ow] = -1;
                continue;
            }

            int w0 = (ow * stride) - pad;
            int best = w0 + (kwLo * dil);
            float bestValue = x[best];
            for (int kw = kwLo + 1; kw < kwHi; kw++)
            {
                int col = w0 + (kw * dil);
                if (x[col] > bestValue)
                {
                    bestValue = x[col];
                    best = col;
                }
            }

            value[ow] = bestValue;
            index[ow] = rowStart + best;
        }
    }
}
