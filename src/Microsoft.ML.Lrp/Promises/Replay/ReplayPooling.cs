using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>Pooling replay kernels: MaxPool and AveragePool through the backend, global pools per plane.</summary>
internal static class ReplayPooling
{
    public static Tensor Pool(ReplayInputs inputs, int[] outShape)
    {
        var x = inputs.Input(0);
        var y = new Tensor(outShape);
        switch (inputs.Node.OpType)
        {
            case "MaxPool":
            {
                var g = PoolGeometryBuilder.Build(inputs.Node, x.Shape, outShape);
                if (inputs.Backend is Backends.Cpu.CpuBackend)
                {
                    Backends.Cpu.MaxPoolWinners.Values(g, x.Data, y.Data);
                    break;
                }

                var winners = new int[y.Length];
                inputs.Backend.MaxPoolArgmax(g, x.Data, winners);
                for (int i = 0; i < winners.Length; i++)
                {
                    y.Data[i] = x.Data[winners[i]];
                }

                break;
            }

            case "AveragePool":
                inputs.Backend.AveragePoolForward(PoolGeometryBuilder.Build(inputs.Node, x.Shape, outShape), x.Data, y.Data);
                break;
            default:
            {
                int planes = y.Length;
                int size = x.Length / planes;
                bool max = inputs.Node.OpType == "GlobalMaxPool";
                for (int p = 0; p < planes; p++)
                {
                    var plane = x.Data.AsSpan(p * size, size);
                    y.Data[p] = max ? System.Numerics.Tensors.TensorPrimitives.Max(plane) : System.Numerics.Tensors.TensorPrimitives.Sum(plane) / size;
                }

                break;
            }
        }

        return y;
    }
}
