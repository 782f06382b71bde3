using Microsoft.ML.Lrp.Tensors;
using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Replay kernels of the element-wise ops of <c>OpRegistry.Elementwise</c>: Log, and Max/Min of any number of operands
/// with numpy broadcasting (exact in float, so a replay equals ONNX Runtime's output bit for bit).
/// </summary>
internal static class ReplayMath
{
    /// <summary><c>y = ln x</c>.</summary>
    public static Tensor Log(ReplayInputs inputs)
    {
        var x = inputs.Input(0);
        var y = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
        inputs.Backend.Unary(UnaryFunction.Log, x.Data, y.Data);
        return y;
    }

    /// <summary><c>y = max_j x_j</c> (or min) over the operands, broadcast to <paramref name="outShape"/>.</summary>
    public static Tensor Extremum(ReplayInputs inputs, int[] outShape)
    {
        bool max = inputs.Node.OpType == "Max";
        var names = inputs.Node.Inputs.Where(n => n.Length > 0).ToList();
        int size = Tensor.ShapeSize(outShape);
        var y = new Tensor(outShape, Full(inputs.Backend, inputs.Value(names[0]), outShape, size));
        foreach (var name in names.Skip(1))
        {
            var operand = inputs.Value(name);
            if (operand.Length == 1)
            {
                inputs.Backend.ToHost(operand.Data);
                inputs.Backend.Extremum(max, y.Data, [operand.Data[0]], y.Data);

                continue;
            }

            var full = operand.Length == size ? operand.Data : ReplayBroadcast.Broadcast(inputs.Backend, operand, outShape);
            inputs.Backend.Extremum(max, y.Data, full, y.Data);
            TensorArena.ReleaseUnlessShared(full, operand.Data);
        }

        return y;
    }

    private static float[] Full(Backends.IRelevanceBackend backend, Tensor first, int[] outShape, int size)
    {
        if (first.Length != size)
        {
            return ReplayBroadcast.Broadcast(backend, first, outShape);
        }

        var copy = TensorArena.Allocate(size, clear: false);
        backend.Copy(first.Data.AsSpan(0, size), copy);
        return copy;
    }
}
