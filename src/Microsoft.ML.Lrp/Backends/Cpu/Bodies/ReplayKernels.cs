using System.Runtime.CompilerServices;
using Microsoft.ML.Lrp.Backends.Bodies;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>The small forward kernels of replays and routing on the CPU: unary functions, extrema, per-channel affine maps, index routing.</summary>
internal static class ReplayKernels
{
    /// <summary><c>y = f(x)</c> (TensorPrimitives; Erf through ONNX Runtime's own kernel, bit-identical to a capture).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unary(UnaryFunction f, float[] x, float[] y)
    {
        switch (f)
        {
            case UnaryFunction.Erf:
                OrtErfKernel.Compute(x, y);
                break;
            case UnaryFunction.Sqrt:
                TensorPrimitives.Sqrt(x, y);
                break;
            case UnaryFunction.Reciprocal:
                TensorPrimitives.Reciprocal(x, y);
                break;
            case UnaryFunction.Exp:
                TensorPrimitives.Exp(x, y);
                break;
            case UnaryFunction.Abs:
                TensorPrimitives.Abs(x, y);
                break;
            case UnaryFunction.Sigmoid:
                TensorPrimitives.Sigmoid(x, y);
                break;
            case UnaryFunction.Tanh:
                TensorPrimitives.Tanh(x, y);
                break;
            case UnaryFunction.Neg:
                TensorPrimitives.Negate(x, y);
                break;
            case UnaryFunction.Log:
                TensorPrimitives.Log(x, y);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(f));
        }
    }

    /// <summary><c>y = max(a, b)</c> (or min), b one scalar or a's length (NaN propagates, as ONNX Runtime's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Extremum(bool max, float[] a, float[] b, float[] y)
    {
        if (b.Length == 1)
        {
            if (max)
            {
                TensorPrimitives.Max(a, b[0], y);
            }
            else
            {
                TensorPrimitives.Min(a, b[0], y);
            }

            return;
        }

        if (max)
        {
            TensorPrimitives.Max(a, b, y);
        }
        else
        {
            TensorPrimitives.Min(a, b, y);
        }
    }

    /// <summary><c>y = x · scale[c] + shift[c]</c> on <c>[outer, C, inner]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ChannelAffine(float[] x, float[] scale, float[] shift, int inner, float[] y)
    {
        int channels = scale.Length;
        for (int start = 0, c = 0; start < x.Length; start += inner, c = (c + 1) % channels)
        {
            var dst = y.AsSpan(start, inner);
            TensorPrimitives.Multiply(x.AsSpan(start, inner), scale[c], dst);
            TensorPrimitives.Add(dst, shift[c], dst);
        }
    }

    /// <summary><c>y[i] = x[map[i]]</c>, or the pad value where the map has no source (the routing replay's former loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherByMap(int[] map, float[] x, float padValue, float[] y)
    {
        for (int i = 0; i < map.Length; i++)
        {
            y[i] = map[i] >= 0 ? x[map[i]] : padValue;
        }
    }

    /// <summary><c>y[map[i]] = r[i]</c> for a permutation, split over the cores when large.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Permute(int[] map, float[] r, float[] y)
    {
        const int Block = 1 << 14;
        int blocks = (map.Length + Block - 1) / Block;
        if (map.Length < 1 << 17)
        {
            for (int i = 0; i < map.Length; i++)
            {
                y[map[i]] = r[i];
            }

            return;
        }

        Parallel.For(0, blocks, CpuParallel.Options, b =>
        {
            int end = Math.Min(map.Length, (b + 1) * Block);
            for (int i = b * Block; i < end; i++)
            {
                y[map[i]] = r[i];
            }
        });
    }

    /// <summary><c>y[map[i]] += r[i]</c> where <c>map[i] ≥ 0</c>; returns the unmapped relevance (null when none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[]? ScatterAdd(int[] map, float[] r, float[] y)
    {
        float[]? lost = null;
        for (int i = 0; i < map.Length; i++)
        {
            int src = map[i];
            if (src >= 0)
            {
                y[src] += r[i];
            }
            else
            {
                lost ??= new float[map.Length];
                lost[i] = r[i];
            }
        }

        return lost;
    }

    /// <summary><c>y[j, :] = x[rows[j], :]</c>: one contiguous copy per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GatherRows(int[] rows, int length, float[] x, float[] y)
    {
        for (int j = 0; j < rows.Length; j++)
        {
            x.AsSpan(rows[j] * length, length).CopyTo(y.AsSpan(j * length, length));
        }
    }

    /// <summary><c>y[rows[j], :] += r[j, :]</c>: one vectorised add per row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScatterAddRows(int[] rows, int length, float[] r, float[] y)
    {
        for (int j = 0; j < rows.Length; j++)
        {
            var target = y.AsSpan(rows[j] * length, length);
            TensorPrimitives.Add(target, r.AsSpan(j * length, length), target);
        }
    }
}
