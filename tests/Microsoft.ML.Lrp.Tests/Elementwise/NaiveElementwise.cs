namespace Microsoft.ML.Lrp.Tests.Elementwise;

/// <summary>
/// Naive double-precision references, written from the formulas of RULES.md with plain loops: winner takes all per
/// element (Max/Min, numpy broadcasting, ties split equally, constants absorbing), Norm for Mean, and winner takes all
/// over reduced axes (ReduceMax/ReduceMin).
/// </summary>
internal static class NaiveElementwise
{
    /// <summary>One operand: its values, its shape, and whether it carries relevance (a constant does not).</summary>
    public sealed record Operand(double[] Values, int[] Shape, bool CarriesRelevance);

    /// <summary>The flat index of the element of a right-aligned broadcast operand that output element <paramref name="flat"/> reads.</summary>
    public static int SourceIndex(int[] outShape, int[] sourceShape, int flat)
    {
        int rank = outShape.Length, offset = rank - sourceShape.Length;
        var index = new int[rank];
        for (int a = rank - 1; a >= 0; a--)
        {
            index[a] = flat % outShape[a];
            flat /= outShape[a];
        }

        int source = 0;
        for (int a = 0; a < sourceShape.Length; a++)
        {
            source = (source * sourceShape[a]) + (sourceShape[a] == 1 ? 0 : index[a + offset]);
        }

        return source;
    }

    /// <summary>
    /// Max/Min per element: <c>R_i[src] += [x_i = y] · R / #winners</c>; returns each operand's relevance and the
    /// absorbed total (the shares of operands that carry none).
    /// </summary>
    public static (double[][] Relevance, double Absorbed) WinnerPerElement(IReadOnlyList<Operand> operands, int[] outShape, double[] r, bool max)
    {
        var result = operands.Select(o => new double[o.Values.Length]).ToArray();
        double absorbed = 0;
        for (int e = 0; e < r.Length; e++)
        {
            var values = operands.Select(o => o.Values[SourceIndex(outShape, o.Shape, e)]).ToArray();
            double y = max ? values.Max() : values.Min();
            int winners = values.Count(v => v == y);
            for (int i = 0; i < operands.Count; i++)
            {
                if (values[i] != y)
                {
                    continue;
                }

                double share = r[e] / winners;
                if (operands[i].CarriesRelevance)
                {
                    result[i][SourceIndex(outShape, operands[i].Shape, e)] += share;
                }
                else
                {
                    absorbed += share;
                }
            }
        }

        return (result, absorbed);
    }

    /// <summary>Mean: <c>R_i[src] += (x_i / n) · R / stab(mean)</c>, <c>stab(m) = m + ε·sign(m)</c> (sign(0) = +1).</summary>
    public static double[][] Mean(IReadOnlyList<Operand> operands, int[] outShape, double[] r, double epsilon)
    {
        var result = operands.Select(o => new double[o.Values.Length]).ToArray();
        int n = operands.Count;
        for (int e = 0; e < r.Length; e++)
        {
            var values = operands.Select(o => o.Values[SourceIndex(outShape, o.Shape, e)]).ToArray();
            double mean = values.Sum() / n;
            double s = r[e] / (mean + (mean >= 0 ? epsilon : -epsilon));
            for (int i = 0; i < n; i++)
            {
                if (operands[i].CarriesRelevance)
                {
                    result[i][SourceIndex(outShape, operands[i].Shape, e)] += values[i] / n * s;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// ReduceMax/ReduceMin of a 3-D input <c>[N, A, B]</c> over <paramref name="axes"/>: each window's relevance
    /// <c>R[window]</c> goes to its maxima (or minima), split equally between ties. <paramref name="r"/> has one value
    /// per window, windows in row-major order of the kept axes.
    /// </summary>
    public static double[] ReduceWinner(double[] x, int[] shape, int[] axes, double[] r, bool max)
    {
        var windows = new Dictionary<int, List<int>>();
        var keptStrides = new int[3];
        int stride = 1;
        for (int a = 2; a >= 0; a--)
        {
            keptStrides[a] = axes.Contains(a) ? 0 : stride;
            stride *= axes.Contains(a) ? 1 : shape[a];
        }

        for (int n = 0; n < shape[0]; n++)
        {
            for (int i = 0; i < shape[1]; i++)
            {
                for (int j = 0; j < shape[2]; j++)
                {
                    int window = (n * keptStrides[0]) + (i * keptStrides[1]) + (j * keptStrides[2]);
                    if (!windows.TryGetValue(window, out var members))
                    {
                        windows[window] = members = [];
                    }

                    members.Add((((n * shape[1]) + i) * shape[2]) + j);
                }
            }
        }

        var result = new double[x.Length];
        foreach (var (window, members) in windows)
        {
            double y = max ? members.Max(m => x[m]) : members.Min(m => x[m]);
            var winners = members.Where(m => x[m] == y).ToList();
            foreach (int m in winners)
            {
                result[m] += r[window] / winners.Count;
            }
        }

        return result;
    }
}
