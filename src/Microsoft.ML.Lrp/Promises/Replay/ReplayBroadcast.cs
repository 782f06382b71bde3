using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Binary arithmetic with numpy broadcasting for replays (the backend's <c>BroadcastArithmetic</c>), and the
/// expansion of a tensor to a broadcast shape through a strided view.
/// </summary>
internal static class ReplayBroadcast
{
    /// <summary><c>y = a ∘ b</c> (ONNX Add, Sub, Mul, Div) where <paramref name="a"/> already has the output's size and <paramref name="b"/> broadcasts to <paramref name="outShape"/>.</summary>
    public static void Combine(IRelevanceBackend backend, string op, float[] a, Tensor b, float[] y, int[] outShape)
    {
        var arithmetic = op switch
        {
            "Sub" => ArithmeticOp.Sub,
            "Mul" => ArithmeticOp.Mul,
            "Div" => ArithmeticOp.Div,
            _ => ArithmeticOp.Add,
        };
        backend.BroadcastArithmetic(arithmetic, a, b.Data, b.Shape, y, outShape);
    }

    /// <summary><paramref name="t"/> expanded to <paramref name="outShape"/> (numpy rules) as a new array, without an index map.</summary>
    public static float[] Broadcast(IRelevanceBackend backend, Tensor t, int[] outShape)
    {
        var aligned = new int[outShape.Length];
        Array.Fill(aligned, 1);
        t.Shape.CopyTo(aligned, outShape.Length - t.Shape.Length);
        var strides = TensorShapes.Strides(aligned);
        for (int d = 0; d < aligned.Length; d++)
        {
            if (aligned[d] == 1)
            {
                strides[d] = 0;
            }
        }

        var y = TensorArena.Allocate(Tensor.ShapeSize(outShape), clear: false);
        StridedView.Create(0, outShape, strides).Gather(backend, t.Data, y);
        return y;
    }
}
