using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>Element-wise replay kernels: activations, broadcast arithmetic, BatchNormalization in inference form.</summary>
internal static class ReplayElementwise
{
    public static Tensor Unary(ReplayInputs inputs)
    {
        var node = inputs.Node.Source;
        var x = inputs.Input(0);
        var y = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
        var src = x.Data;
        var dst = y.Data;
        switch (node.OpType)
        {
            case "Relu":
                inputs.Backend.Map(new Backends.Cpu.ReluOp(), src, dst);
                break;
            case "LeakyRelu":
            {
                float alpha = node.GetFloat("alpha", 0.01f);
                inputs.Backend.Map(new Backends.Cpu.LeakyReluOp(alpha), src, dst);
                break;
            }

            case "Sigmoid":
                inputs.Backend.Unary(UnaryFunction.Sigmoid, src, dst);
                break;
            case "Tanh":
                inputs.Backend.Unary(UnaryFunction.Tanh, src, dst);
                break;
            case "Neg":
                inputs.Backend.Unary(UnaryFunction.Neg, src, dst);
                break;
            case "Clip":
            {
                float low = Bound(inputs, 1, "min", float.NegativeInfinity);
                float high = Bound(inputs, 2, "max", float.PositiveInfinity);
                inputs.Backend.Map(new ClipBounds(low, high), src, dst);

                break;
            }

            case "Elu":
            {
                float alpha = node.GetFloat("alpha", 1f);
                // A host loop: the input comes to the host, the result is declared written.
                inputs.Backend.ToHost(src);
                for (int i = 0; i < src.Length; i++)
                {
                    dst[i] = src[i] > 0f ? src[i] : alpha * (MathF.Exp(src[i]) - 1f);
                }

                inputs.Backend.HostWrote(dst);

                break;
            }

            case "Softplus":
                // A host loop: the input comes to the host, the result is declared written.
                inputs.Backend.ToHost(src);
                for (int i = 0; i < src.Length; i++)
                {
                    dst[i] = MathF.Log(1f + MathF.Exp(src[i]));
                }

                inputs.Backend.HostWrote(dst);

                break;
            case "HardSigmoid":
            {
                float alpha = node.GetFloat("alpha", 0.2f), beta = node.GetFloat("beta", 0.5f);
                inputs.Backend.Map(new HardSigmoidLine(alpha, beta), src, dst);

                break;
            }

            default:
                if (!ReplayTransformer.TryUnary(inputs.Backend, node.OpType, src, dst))
                {
                    throw new InvalidOperationException($"No replay kernel for {node.OpType}.");
                }

                break;
        }

        return y;
    }

    /// <summary>Add, Sub, Mul, Div (two operands) and Sum (any number), with numpy broadcasting.</summary>
    public static Tensor Arithmetic(ReplayInputs inputs, int[] outShape)
    {
        var names = inputs.Node.Inputs.Where(n => n.Length > 0).ToList();
        int size = Tensor.ShapeSize(outShape);
        if (names.Count == 2 && inputs.Node.OpType is "Add" or "Mul" or "Sum" && inputs.Value(names[0]).Length != size && names.FindIndex(n => inputs.Value(n).Length == size) is int full and > 0)
        {
            // Commutative: start from the full-size operand (a bias Add(b, x) then needs no broadcast copy).
            (names[0], names[full]) = (names[full], names[0]);
        }

        var first = inputs.Value(names[0]);
        var y = new Tensor(outShape, first.Length == size ? TensorArena.Allocate(size, clear: false) : ReplayBroadcast.Broadcast(inputs.Backend, first, outShape));
        if (names.Count == 1 && first.Length == size)
        {
            inputs.Backend.Copy(first.Data.AsSpan(0, size), y.Data);
        }

        var a = names.Count > 1 && first.Length == y.Length ? first.Data : y.Data;
        for (int k = 1; k < names.Count; k++)
        {
            ReplayBroadcast.Combine(inputs.Backend, inputs.Node.OpType, a, inputs.Value(names[k]), y.Data, outShape);
            a = y.Data;
        }

        return y;
    }

    /// <summary><c>y = (x − mean) / √(var + ε) · scale + B</c> per channel (axis 1).</summary>
    public static Tensor BatchNormalization(ReplayInputs inputs)
    {
        var node = inputs.Node.Source;
        var x = inputs.Input(0);
        var scale = inputs.Input(1).Data;
        var bias = inputs.Input(2).Data;
        var mean = inputs.Input(3).Data;
        var variance = inputs.Input(4).Data;
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        int channels = x.Rank > 1 ? x.Shape[1] : 1;
        int inner = x.Rank > 2 ? x.Length / (x.Shape[0] * channels) : 1;
        var y = new Tensor(x.Shape);
        var a = new float[channels];
        var b = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            a[c] = scale[c] / MathF.Sqrt(variance[c] + epsilon);
            b[c] = bias[c] - (mean[c] * a[c]);
        }

        inputs.Backend.ChannelAffine(x.Data, a, b, inner, y.Data);

        return y;
    }

    private static float Bound(ReplayInputs inputs, int index, string attribute, float fallback)
    {
        var node = inputs.Node.Source;
        if (node.HasAttribute(attribute))
        {
            return node.GetFloat(attribute, fallback);
        }

        if (node.Inputs.Count > index && node.Inputs[index].Length > 0)
        {
            var bound = inputs.Input(index).Data;
            inputs.Backend.ToHost(bound);
            return bound[0];
        }

        return fallback;
    }
}
