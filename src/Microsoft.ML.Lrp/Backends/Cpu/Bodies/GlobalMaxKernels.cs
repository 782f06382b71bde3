using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>Whole-plane maxima: winner takes all for GlobalMaxPool, and the replay of the global pools.</summary>
internal static class GlobalMaxKernels
{
    /// <summary><c>rx</c> (zeroed here) gets <c>r[p]</c> at the first maximum of plane p of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter(float[] x, float[] r, int planes, float[] rx)
    {
        Array.Clear(rx);
        int size = planes == 0 ? 0 : x.Length / planes;
        for (int p = 0; p < planes; p++)
        {
            int best = TensorPrimitives.IndexOfMax(x.AsSpan(p * size, size));
            rx[(p * size) + best] = r[p];
        }
    }

    /// <summary><c>y[p] = max</c> (or mean) of plane p of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pool(float[] x, int planes, bool max, float[] y)
    {
        int size = planes == 0 ? 0 : x.Length / planes;
        for (int p = 0; p < planes; p++)
        {
            var plane = x.AsSpan(p * size, size);
            y[p] = max ? TensorPrimitives.Max(plane) : TensorPrimitives.Sum(plane) / size;
        }
    }
}
