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
                inputs.Backend.MaxPoolValues(g, x.Data, y.Data);
                break;
            }

            case "AveragePool":
                inputs.Backend.AveragePoolForward(PoolGeometryBuilder.Build(inputs.Node, x.Shape, outShape), x.Data, y.Data);
                break;
            default:
            {
                inputs.Backend.GlobalPool(x.Data, y.Length, inputs.Node.OpType == "GlobalMaxPool", y.Data);
                break;
            }
        }

        return y;
    }
}
