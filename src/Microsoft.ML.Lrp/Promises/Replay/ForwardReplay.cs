using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Runs one cheap forward operation on the CPU to rebuild a promised activation (its first output). The kernels
/// follow the ONNX operator definitions; they read inputs and never write them.
/// </summary>
internal static class ForwardReplay
{
    public static Tensor Run(ReplayInputs inputs)
    {
        var node = inputs.Node;
        var outShape = inputs.OutputShape;
        return node.OpType switch
        {
            "Reshape" or "Flatten" or "Squeeze" or "Unsqueeze" or "Identity" or "Dropout" or "Cast" => inputs.Input(0).Reshape(outShape),
            "Add" or "Sub" or "Mul" or "Div" or "Sum" => ReplayElementwise.Arithmetic(inputs, outShape),
            "BatchNormalization" => ReplayElementwise.BatchNormalization(inputs),
            "Transpose" or "Slice" or "Pad" or "Gather" or "Expand" or "Tile" => ReplayMovement.Route(inputs, outShape),
            "Concat" => ReplayMovement.Concat(inputs, outShape),
            "Softmax" => ReplayTransformer.Softmax(inputs),
            "LayerNormalization" => ReplayTransformer.LayerNormalization(inputs),
            "RMSNormalization" => ReplayTransformer.LayerNormalization(inputs, centered: false),
            "Pow" => ReplayTransformer.Pow(inputs, outShape),
            "Where" => ReplayTransformer.Where(inputs, outShape),
            "MaxPool" or "AveragePool" or "GlobalAveragePool" or "GlobalMaxPool" => ReplayPooling.Pool(inputs, outShape),
            _ => ReplayElementwise.Unary(inputs),
        };
    }
}
