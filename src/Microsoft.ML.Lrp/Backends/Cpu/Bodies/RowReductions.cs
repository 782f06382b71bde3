using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>Reductions over a whole tensor or per row: extrema, sums in double, dot products (TensorPrimitives per row).</summary>
internal static class RowReductions
{
    public static float Min(ReadOnlySpan<float> x) => x.IsEmpty ? float.PositiveInfinity : TensorPrimitives.Min<float>(x);

    public static float Max(ReadOnlySpan<float> x) => x.IsEmpty ? float.NegativeInfinity : TensorPrimitives.Max<float>(x);

    /// <summary><c>sums[r] = Σ x[r, :]</c>, added in double element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sums(ReadOnlySpan<float> x, int rows, Span<double> sums)
    {
        int rowLength = rows == 0 ? 0 : x.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            foreach (float v in x.Slice(r * rowLength, rowLength))
            {
                sum += v;
            }

            sums[r] = sum;
        }
    }

    /// <summary><c>dots[r] = ⟨a[r, :], b[r, :]⟩</c> (float dot per row, widened).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dots(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int rows, Span<double> dots)
    {
        int rowLength = rows == 0 ? 0 : a.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            dots[r] = TensorPrimitives.Dot<float>(a.Slice(r * rowLength, rowLength), b.Slice(r * rowLength, rowLength));
        }
    }
}
