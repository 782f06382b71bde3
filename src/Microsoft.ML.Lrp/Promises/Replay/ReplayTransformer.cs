using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Replay kernels for the cheap forward operations of transformer graphs: Softmax along one axis,
/// LayerNormalization in inference form, ReduceMean/ReduceSum over axes, Pow with a constant exponent, Where.
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

    /// <summary>ReduceMean and ReduceSum over the node's axes (attribute or constant input), with or without kept dimensions.</summary>
    public static Tensor Reduce(ReplayInputs inputs, int[] outShape)
    {
        var node = inputs.Node.Source;
        var x = inputs.Input(0);
        var axes = node.GetInts("axes") ?? (node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? inputs.Int64s(node.Inputs[1]) : []);
        bool all = axes.Length == 0 && node.GetInt("noop_with_empty_axes", 0) == 0;
        var kept = (int[])x.Shape.Clone();
        for (int d = 0; d < kept.Length; d++)
        {
            if (all || axes.Any(a => (a < 0 ? a + x.Rank : a) == d))
            {
                kept[d] = 1;
            }
        }

        var sums = new double[Tensor.ShapeSize(kept)];
        var map = TensorShapes.BroadcastSourceIndex(kept, x.Shape);
        for (int i = 0; i < x.Length; i++)
        {
            sums[map[i]] += x.Data[i];
        }

        double divisor = node.OpType == "ReduceMean" ? (double)x.Length / Math.Max(1, sums.Length) : 1.0;
        var y = new Tensor(outShape);
        for (int i = 0; i < sums.Length; i++)
        {
            y.Data[i] = (float)(sums[i] / divisor);
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

    /// <summary>erf(x) by Abramowitz and Stegun 7.1.26 evaluated in double (absolute error below 1.5e-7, float rounding).</summary>
    public static void Erf(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double a = Math.Abs((double)x[i]);
            double t = 1.0 / (1.0 + (0.3275911 * a));
            double poly = t * (0.254829592 + (t * (-0.284496736 + (t * (1.421413741 + (t * (-1.453152027 + (t * 1.061405429))))))));
            double e = 1.0 - (poly * Math.Exp(-a * a));
            y[i] = (float)(x[i] < 0 ? -e : e);
        }
    }

    /// <summary>Element-wise unary ops of transformer graphs: Erf, Sqrt, Reciprocal, Exp, Abs.</summary>
    public static bool TryUnary(string opType, ReadOnlySpan<float> x, Span<float> y)
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
