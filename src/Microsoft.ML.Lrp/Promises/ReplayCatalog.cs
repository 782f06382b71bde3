using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// The forward operations a promise may replay (cheap ones only: element-wise activations, arithmetic with a
/// constant or another activation, BatchNormalization in inference form, shape and data-movement ops, pooling, and
/// the cheap operations of transformer graphs: Softmax along an axis, LayerNormalization (and RMSNormalization) in inference form,
/// Pow with a constant exponent, Where, Erf/Sqrt/Reciprocal; never Conv, Gemm, MatMul or Einsum) and the estimated
/// work of replaying them, per output element. Reductions (ReduceMean, ReduceSum) are not replayed: their outputs are
/// per-token statistics (1/H of the activation, always cheap to capture), and a sum taken in another order than
/// ONNX Runtime's changes the centred values <c>x − mean</c> by an ulp, which the LayerNorm rules (Sub read as a
/// ratio <c>x / (x − mean)</c>) amplify beyond the policies' 1e-6 agreement.
/// </summary>
internal static class ReplayCatalog
{
    private static readonly HashSet<string> Unary = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Neg", "Identity", "Dropout", "Cast", "Clip", "Elu", "Softplus", "HardSigmoid",
        "Erf", "Sqrt", "Reciprocal", "Exp", "Abs",
    };

    private static readonly HashSet<string> Views = new(StringComparer.Ordinal) { "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout" };

    private static readonly HashSet<string> Routing = new(StringComparer.Ordinal) { "Transpose", "Slice", "Pad", "Gather", "Expand", "Tile" };

    /// <summary>True when <paramref name="node"/>'s first output can be rebuilt from its inputs by a replay kernel.</summary>
    public static bool CanReplay(LrpNode node, CanonicalGraph graph)
    {
        if (node.FoldedBatchNorm is not null || node.Source.Domain.Length != 0)
        {
            return false;
        }

        var op = node.OpType;
        if (op == "Cast")
        {
            var to = (OnnxElementType)node.Source.GetInt("to", (long)OnnxElementType.Float);
            return to == OnnxElementType.Float;
        }

        if (op == "BatchNormalization")
        {
            return node.Source.GetInt("training_mode", 0) == 0 && node.Inputs.Skip(1).Take(4).All(graph.Constants.Contains);
        }

        if (op == "Gather")
        {
            // Constant indices, or indices the caller feeds (token ids, token types): an embedding lookup.
            return node.Inputs.Count > 1 && (graph.Constants.Contains(node.Inputs[1]) || graph.Onnx.Inputs.Any(i => i.Name == node.Inputs[1]));
        }

        if (op == "Pad")
        {
            // A constant pad value (or none); the pads themselves may be captured parameters.
            return node.Inputs.Count < 3 || node.Inputs[2].Length == 0 || graph.Constants.Contains(node.Inputs[2]);
        }

        if (op is "MaxPool" or "AveragePool")
        {
            return node.Source.GetInt("ceil_mode", 0) == 0 && node.Source.GetInts("kernel_shape") is not null;
        }

        if (op == "Softmax")
        {
            // Before opset 13 Softmax flattens from its axis; that agrees with the one-axis kernel on the last axis.
            return graph.Model.OpsetVersion >= 13 || node.Source.GetInt("axis", 1) == -1;
        }

        if (op is "LayerNormalization" or "RMSNormalization")
        {
            return node.Inputs.Skip(1).Where(i => i.Length > 0).All(graph.Constants.Contains);
        }

        if (op == "Pow")
        {
            return graph.Constants.Contains(node.Inputs[1]);
        }

        return Unary.Contains(op) || Views.Contains(op) || Routing.Contains(op)
            || op is "Add" or "Sub" or "Mul" or "Div" or "Sum" or "Concat" or "GlobalAveragePool" or "GlobalMaxPool" or "Where";
    }

    /// <summary>Estimated work of replaying <paramref name="node"/> for one row (in element operations; a view costs nothing).</summary>
    public static double Work(LrpNode node, ShapeTable shapes)
    {
        var op = node.OpType;
        double outElements = shapes.ElementsPerRow(node.Outputs[0]);
        double inElements = shapes.Contains(node.Inputs[0]) ? shapes.ElementsPerRow(node.Inputs[0]) : outElements;
        if (Views.Contains(op))
        {
            return 0;
        }

        if (op is "MaxPool" or "AveragePool")
        {
            long window = node.Source.GetInts("kernel_shape")!.Aggregate(1L, (a, b) => a * b);
            return outElements * window;
        }

        return op switch
        {
            "GlobalAveragePool" or "GlobalMaxPool" => inElements,
            "Add" or "Sub" or "Mul" or "Div" or "Sum" => 1.5 * outElements,
            "BatchNormalization" => 2 * outElements,
            "Softmax" or "Erf" or "Exp" => 4 * outElements,
            "LayerNormalization" or "RMSNormalization" => 5 * outElements,
            "Pow" or "Where" => 1.5 * outElements,
            "Concat" => outElements,
            _ when Routing.Contains(op) => 2 * outElements,
            _ => outElements,
        };
    }
}
