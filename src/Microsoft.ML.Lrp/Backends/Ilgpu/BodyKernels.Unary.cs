using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>The replays' unary functions (<see cref="DeviceMath"/>), gathers (MaxPool winners, index maps) and LayerNormalization.</summary>
internal static partial class BodyKernels
{
    /// <summary><c>y = f(x)</c>, <paramref name="function"/> the value of <c>UnaryFunction</c> (Erf, Sqrt, Reciprocal, Exp, Abs, Sigmoid, Tanh, Neg, Log).</summary>
    public static void Unary(Index1D i, ArrayView<float> x, ArrayView<float> y, int function)
    {
        float v = x[i];
        y[i] = function switch
        {
            0 => DeviceMath.Erf(v),
            1 => MathF.Sqrt(v),
            2 => 1f / v,
            3 => DeviceMath.Exp(v),
            4 => DeviceMath.Abs(v),
            5 => DeviceMath.Sigmoid(v),
            6 => DeviceMath.Tanh(v),
            7 => -v,
            _ => DeviceMath.Log(v),
        };
    }

    /// <summary><c>y[j, k] = x[rows[j], k]</c> for rows of <paramref name="length"/> elements.</summary>
    public static void GatherRows(Index1D i, ArrayView<int> rows, ArrayView<float> x, ArrayView<float> y, int length)
        => y[i] = x[((long)rows[i / length] * length) + (i % length)];

    /// <summary><c>y[rows[j], k] += r[j, k]</c> (distinct rows: one writer per element).</summary>
    public static void ScatterAddRows(Index1D i, ArrayView<int> rows, ArrayView<float> r, ArrayView<float> y, int length)
    {
        long target = ((long)rows[i / length] * length) + (i % length);
        y[target] += r[i];
    }

    /// <summary><c>y[i] = x[winner[i]]</c>, −∞ for a window without a winner (winner −1).</summary>
    public static void GatherWinners(Index1D i, ArrayView<float> x, ArrayView<int> winners, ArrayView<float> y)
    {
        int w = winners[i];
        y[i] = w < 0 ? float.NegativeInfinity : x[w];
    }

    /// <summary><c>y[i] = x[map[i]]</c>, or the pad value where <c>map[i] &lt; 0</c>.</summary>
    public static void GatherByMap(Index1D i, ArrayView<int> map, ArrayView<float> x, ArrayView<float> y, float padValue)
    {
        int source = map[i];
        y[i] = source >= 0 ? x[source] : padValue;
    }

    /// <summary>
    /// LayerNormalization forward on row <paramref name="row"/>: <c>y = (x − μ)·(1/√(var + ε))·scale + bias</c>, μ and var
    /// by compensated float sums (μ = 0 when not centered).
    /// </summary>
    public static void LayerNorm(Index1D row, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> bias, ArrayView<float> y, int size, float epsilon, int centered, int hasBias)
    {
        long start = (long)(int)row * size;
        float mean = 0f;
        if (centered != 0)
        {
            var sum = default(CompensatedSum);
            for (int k = 0; k < size; k++)
            {
                sum = sum.Add(x[start + k]);
            }

            mean = sum.Value / size;
        }

        var squares = default(CompensatedSum);
        for (int k = 0; k < size; k++)
        {
            float d = x[start + k] - mean;
            squares = squares.Add(d * d);
        }

        float inverse = 1f / MathF.Sqrt((squares.Value / size) + epsilon);
        for (int k = 0; k < size; k++)
        {
            y[start + k] = ((x[start + k] - mean) * inverse * scale[k]) + (hasBias != 0 ? bias[k] : 0f);
        }
    }
}
