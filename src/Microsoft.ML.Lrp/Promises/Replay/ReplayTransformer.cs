using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;
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
        var y = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: inner != 1));
        inputs.Backend.Softmax(x.Data, y.Data, outer, length, inner);
        return y;
    }

    /// <summary>
    /// <c>y = (x − mean) / √(var + ε) · scale + B</c> over the axes from <c>axis</c> to the last; not
    /// <paramref name="centered"/>, RMSNormalization: <c>y = x / √(mean(x²) + ε) · scale</c>.
    /// </summary>
    public static Tensor LayerNormalization(ReplayInputs inputs, bool centered = true)
    {
        var node = inputs.Node;
        var x = inputs.Input(0);
        // The backend's kernel reads x where it lives; a scale or bias that must be broadcast is read on the host by
        // BroadcastTo, which declares it.
        int axis = (int)node.Source.GetInt("axis", -1);
        if (axis < 0)
        {
            axis += x.Rank;
        }

        float epsilon = node.Source.GetFloat("epsilon", 1e-5f);
        int size = x.Shape[axis..].Aggregate(1, (a, b) => a * b);
        var normalisedShape = x.Shape[axis..];
        var copies = new List<float[]>();
        var scale = TensorShapes.BroadcastTo(inputs.Input(1), normalisedShape, copies);
        float[]? bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? TensorShapes.BroadcastTo(inputs.Input(2), normalisedShape, copies) : null;
        var y = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
        inputs.Backend.LayerNorm(x.Data, scale, bias, size, epsilon, centered, y.Data);
        copies.ForEach(TensorArena.Release);
        return y;
    }

    /// <summary>
    /// <c>y = x ^ p</c> with a constant exponent (squares exactly as <c>x·x</c>). A single exponent of 2 or 1 (the
    /// variances of decomposed LayerNorm and RMSNorm) runs on the backend; other exponents in a host loop.
    /// </summary>
    public static Tensor Pow(ReplayInputs inputs, int[] outShape)
    {
        var (value, exponent) = (inputs.Input(0), inputs.Input(1));
        if (exponent.Length == 1 && value.Length == Tensor.ShapeSize(outShape))
        {
            inputs.Backend.ToHost(exponent.Data);
            if (exponent.Data[0] is 2f or 1f)
            {
                var power = new Tensor(outShape, TensorArena.Allocate(value.Length, clear: false));
                if (exponent.Data[0] == 2f)
                {
                    inputs.Backend.Map(new Rules.Bodies.Product(), value.Data, value.Data, power.Data);
                }
                else
                {
                    inputs.Backend.Copy(value.Data, power.Data);
                }

                return power;
            }
        }

        HostOperands(inputs);
        var copies = new List<float[]>();
        var x = TensorShapes.BroadcastTo(inputs.Input(0), outShape, copies);
        var p = TensorShapes.BroadcastTo(inputs.Input(1), outShape, copies);
        var y = new Tensor(outShape);
        for (int i = 0; i < y.Length; i++)
        {
            y.Data[i] = p[i] == 2f ? x[i] * x[i] : p[i] == 1f ? x[i] : MathF.Pow(x[i], p[i]);
        }

        inputs.Backend.HostWrote(y.Data);
        copies.ForEach(TensorArena.Release);
        return y;
    }

    /// <summary><c>y = condition ? a : b</c> with numpy broadcasting of all three.</summary>
    public static Tensor Where(ReplayInputs inputs, int[] outShape)
    {
        HostOperands(inputs);
        var copies = new List<float[]>();
        var condition = TensorShapes.BroadcastTo(inputs.Input(0), outShape, copies);
        var a = TensorShapes.BroadcastTo(inputs.Input(1), outShape, copies);
        var b = TensorShapes.BroadcastTo(inputs.Input(2), outShape, copies);
        var y = new Tensor(outShape, TensorArena.Allocate(Tensor.ShapeSize(outShape), clear: false));
        inputs.Backend.Map(new WhereSelect(), condition, a, b, y.Data);
        copies.ForEach(TensorArena.Release);
        return y;
    }

    /// <summary>Element-wise unary ops of transformer graphs: Erf, Sqrt, Reciprocal, Exp, Abs.</summary>
    public static bool TryUnary(IRelevanceBackend backend, string opType, float[] x, float[] y)
    {
        UnaryFunction? f = opType switch
        {
            "Erf" => UnaryFunction.Erf,
            "Sqrt" => UnaryFunction.Sqrt,
            "Reciprocal" => UnaryFunction.Reciprocal,
            "Exp" => UnaryFunction.Exp,
            "Abs" => UnaryFunction.Abs,
            _ => null,
        };
        if (f is null)
        {
            return false;
        }

        backend.Unary(f.Value, x, y);
        return true;
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

    /// <summary>Brings the float operands of a host loop to the host (a device backend's buffers; nothing on the CPU).</summary>
    private static void HostOperands(ReplayInputs inputs)
    {
        for (int i = 0; i < inputs.Node.Inputs.Count; i++)
        {
            if (inputs.Node.Inputs[i].Length > 0)
            {
                inputs.Backend.ToHost(inputs.Input(i).Data);
            }
        }
    }
}
