using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Replay kernels for the cheap forward operations of transformer graphs: Softmax along one axis,
/// LayerNormalization in inference form, Pow with a constant exponent, Where, and the unary Erf, Sqrt, Reciprocal,
/// Exp, Abs.
/// Sums are accumulated in double so a rebuilt activation stays within float rounding of ONNX Runtime's.
/// </summary>
internal static class ReplayTransformer
{
    /// <summary><c>y = exp(x − max) / Σ exp(x − max)</c> along <c>axis</c> (default −1; the catalog admits opset ≥ 13 or an explicit last axis).</summary>
    public static Tensor Softmax(ReplayInputs inputs)
    {
        var x = inputs.Input(0);
        var (outer, length, inner) = Split(x.Shape, (int)inputs.Node.Source.GetInt("axis", -1));
        var y = new Tensor(x.Shape);
        var src = x.Data;
        var dst = y.Data;
        if (inner == 1)
        {
            // The usual case (the last axis): vectorised rows, split over the cores.
            Parallel.For(0, outer, o =>
            {
                var row = src.AsSpan(o * length, length);
                var result = dst.AsSpan(o * length, length);
                float max = TensorPrimitives.Max(row);
                double sum = 0;
                for (int j = 0; j < length; j++)
                {
                    result[j] = MathF.Exp(row[j] - max);
                    sum += result[j];
                }

                TensorPrimitives.Multiply(result, (float)(1.0 / sum), result);
            });
            return y;
        }

        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < inner; k++)
            {
                int start = (o * length * inner) + k;
                float max = float.NegativeInfinity;
                for (int j = 0; j < length; j++)
                {
                    max = Math.Max(max, src[start + (j * inner)]);
                }

                double sum = 0;
                for (int j = 0; j < length; j++)
                {
                    float e = MathF.Exp(src[start + (j * inner)] - max);
                    dst[start + (j * inner)] = e;
                    sum += e;
                }

                float scale = (float)(1.0 / sum);
                for (int j = 0; j < length; j++)
                {
                    dst[start + (j * inner)] *= scale;
                }
            }
        }

        return y;
    }

    /// <summary><c>y = (x − mean) / √(var + ε) · scale + B</c> over the axes from <c>axis</c> to the last.</summary>
    public static Tensor LayerNormalization(ReplayInputs inputs)
    {
        var node = inputs.Node;
        var x = inputs.Input(0);
        int axis = (int)node.Source.GetInt("axis", -1);
        if (axis < 0)
        {
            axis += x.Rank;
        }

        float epsilon = node.Source.GetFloat("epsilon", 1e-5f);
        int size = x.Shape[axis..].Aggregate(1, (a, b) => a * b);
        var normalisedShape = x.Shape[axis..];
        var scale = TensorShapes.BroadcastTo(inputs.Input(1), normalisedShape).Data;
        float[]? bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? TensorShapes.BroadcastTo(inputs.Input(2), normalisedShape).Data : null;
        var y = new Tensor(x.Shape);
        for (int start = 0; start < x.Length; start += size)
        {
            var row = x.Data.AsSpan(start, size);
            double mean = 0;
            foreach (float v in row)
            {
                mean += v;
            }

            mean /= size;
            double variance = 0;
            foreach (float v in row)
            {
                variance += (v - mean) * (v - mean);
            }

            float inverse = (float)(1.0 / Math.Sqrt((variance / size) + epsilon));
            float m = (float)mean;
            var dst = y.Data.AsSpan(start, size);
            for (int i = 0; i < size; i++)
            {
                dst[i] = ((row[i] - m) * inverse * scale[i]) + (bias?[i] ?? 0f);
            }
        }

        return y;
    }

    /// <summary><c>y = x ^ p</c> with a constant exponent (squares exactly as <c>x·x</c>).</summary>
    public static Tensor Pow(ReplayInputs inputs, int[] outShape)
    {
        var x = TensorShapes.BroadcastTo(inputs.Input(0), outShape);
        var p = TensorShapes.BroadcastTo(inputs.Input(1), outShape).Data;
        var y = new Tensor(outShape);
        for (int i = 0; i < y.Length; i++)
        {
            y.Data[i] = p[i] == 2f ? x.Data[i] * x.Data[i] : p[i] == 1f ? x.Data[i] : MathF.Pow(x.Data[i], p[i]);
        }

        return y;
    }

    /// <summary><c>y = condition ? a : b</c> with numpy broadcasting of all three.</summary>
    public static Tensor Where(ReplayInputs inputs, int[] outShape)
    {
        var condition = TensorShapes.BroadcastTo(inputs.Input(0), outShape).Data;
        var a = TensorShapes.BroadcastTo(inputs.Input(1), outShape).Data;
        var b = TensorShapes.BroadcastTo(inputs.Input(2), outShape).Data;
        var y = new Tensor(outShape);
        for (int i = 0; i < y.Length; i++)
        {
            y.Data[i] = condition[i] != 0f ? a[i] : b[i];
        }

        return y;
    }

    /// <summary>Coefficients of erf's Maclaurin series in x²: (−1)ⁿ · 2/√π / (n!·(2n+1)).</summary>
    private static readonly double[] ErfSeries = BuildErfSeries(34);

    /// <summary>
    /// erf(x) in double, rounded to float: the Maclaurin series (vectorised) below |x| = 2, the continued fraction
    /// of erfc (24 terms, error below 1e-12) up to 6, ±1 beyond.
    /// </summary>
    public static void Erf(float[] x, float[] y)
    {
        const int Chunk = 16384;
        Parallel.For(0, (x.Length + Chunk - 1) / Chunk, c =>
        {
            int start = c * Chunk;
            int end = Math.Min(x.Length, start + Chunk);
            ErfBlock(x.AsSpan(start, end - start), y.AsSpan(start, end - start));
        });
    }

    private static void ErfBlock(ReadOnlySpan<float> x, Span<float> y)
    {
        int lanes = System.Numerics.Vector<double>.Count;
        Span<double> lane = stackalloc double[lanes];
        int i = 0;
        for (; i + lanes <= x.Length; i += lanes)
        {
            bool small = true;
            for (int k = 0; k < lanes; k++)
            {
                lane[k] = x[i + k];
                small &= Math.Abs(lane[k]) < 2;
            }

            if (!small)
            {
                for (int k = 0; k < lanes; k++)
                {
                    y[i + k] = (float)Erf(x[i + k]);
                }

                continue;
            }

            var v = new System.Numerics.Vector<double>(lane);
            var z = v * v;
            var sum = new System.Numerics.Vector<double>(ErfSeries[^1]);
            for (int n = ErfSeries.Length - 2; n >= 0; n--)
            {
                sum = (sum * z) + new System.Numerics.Vector<double>(ErfSeries[n]);
            }

            var r = v * sum;
            for (int k = 0; k < lanes; k++)
            {
                y[i + k] = (float)r[k];
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] = (float)Erf(x[i]);
        }
    }

    private static double Erf(double x)
    {
        double a = Math.Abs(x);
        double e;
        if (a < 2)
        {
            double z = a * a, sum = 0;
            for (int n = ErfSeries.Length - 1; n >= 0; n--)
            {
                sum = (sum * z) + ErfSeries[n];
            }

            e = a * sum;
        }
        else if (a < 6)
        {
            double k = a;
            for (int n = 24; n >= 1; n--)
            {
                k = a + (n / 2.0 / k);
            }

            e = 1 - (Math.Exp(-a * a) / Math.Sqrt(Math.PI) / k);
        }
        else
        {
            e = 1;
        }

        return x < 0 ? -e : e;
    }

    private static double[] BuildErfSeries(int terms)
    {
        var c = new double[terms];
        double factorial = 1;
        for (int n = 0; n < terms; n++)
        {
            factorial *= Math.Max(1, n);
            c[n] = (n % 2 == 0 ? 1 : -1) * 2 / Math.Sqrt(Math.PI) / (factorial * ((2 * n) + 1));
        }

        return c;
    }

    /// <summary>Element-wise unary ops of transformer graphs: Erf, Sqrt, Reciprocal, Exp, Abs.</summary>
    public static bool TryUnary(string opType, float[] x, float[] y)
    {
        switch (opType)
        {
            case "Erf":
                Erf(x, y);
                return true;
            case "Sqrt":
                TensorPrimitives.Sqrt(x, y);
                return true;
            case "Reciprocal":
                TensorPrimitives.Reciprocal(x, y);
                return true;
            case "Exp":
                TensorPrimitives.Exp(x, y);
                return true;
            case "Abs":
                TensorPrimitives.Abs(x, y);
                return true;
            default:
                return false;
        }
    }

    private static (int Outer, int Length, int Inner) Split(int[] shape, int axis)
    {
        if (axis < 0)
        {
            axis += shape.Length;
        }

        int outer = shape[..axis].Aggregate(1, (a, b) => a * b);
        int inner = shape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        return (outer, shape[axis], inner);
    }
}
