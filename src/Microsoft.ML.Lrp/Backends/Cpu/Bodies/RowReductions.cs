using System.Numerics;
using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>Reductions over a whole tensor or per row: extrema, sums in double, dot products (TensorPrimitives per row).</summary>
internal static class RowReductions
{
    public static float Min(ReadOnlySpan<float> x) => x.IsEmpty ? float.PositiveInfinity : TensorPrimitives.Min<float>(x);

    public static float Max(ReadOnlySpan<float> x) => x.IsEmpty ? float.NegativeInfinity : TensorPrimitives.Max<float>(x);

    /// <summary>
    /// <c>sums[r] = Σ x[r, :]</c>, every element widened to double: in vector lanes (a fixed order, so the same
    /// input gives the same sums), then the lanes and the tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sums(ReadOnlySpan<float> x, int rows, Span<double> sums)
    {
        int rowLength = rows == 0 ? 0 : x.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            sums[r] = Sum(x.Slice(r * rowLength, rowLength));
        }
    }

    /// <summary><c>sums[r] = (float)Σ x[r, :]</c>, each sum in double (<see cref="Sums"/>).</summary>
    public static void SumsToFloat(ReadOnlySpan<float> x, int rows, Span<float> sums)
    {
        int rowLength = rows == 0 ? 0 : x.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            sums[r] = (float)Sum(x.Slice(r * rowLength, rowLength));
        }
    }

    private static double Sum(ReadOnlySpan<float> row)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && row.Length >= Vector<float>.Count)
        {
            Vector<double> low = Vector<double>.Zero, high = Vector<double>.Zero;
            for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(new Vector<float>(row.Slice(i)), out var lo, out var hi);
                low += lo;
                high += hi;
            }

            sum = Vector.Sum(low + high);
        }

        for (; i < row.Length; i++)
        {
            sum += row[i];
        }

        return sum;
    }

    /// <summary>See <see cref="IRelevanceBackend.NonZeroRows"/>: each row is read up to its first non-zero value.</summary>
    public static int[]? NonZeroRows(ReadOnlySpan<float> x, int rows, int maxRows)
    {
        int rowLength = rows == 0 ? 0 : x.Length / rows;
        var kept = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            if (AnyNonZero(x.Slice(r * rowLength, rowLength)))
            {
                if (kept.Count == maxRows)
                {
                    return null;
                }

                kept.Add(r);
            }
        }

        return [.. kept];
    }

    /// <summary>True at the first value that does not compare equal to zero (−0 is zero, NaN is not).</summary>
    private static bool AnyNonZero(ReadOnlySpan<float> row)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                if (!Vector.EqualsAll(new Vector<float>(row.Slice(i)), Vector<float>.Zero))
                {
                    return true;
                }
            }
        }

        for (; i < row.Length; i++)
        {
            if (!(row[i] == 0f))
            {
                return true;
            }
        }

        return false;
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
