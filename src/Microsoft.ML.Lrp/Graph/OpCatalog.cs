using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// Facts about ONNX operators that the planner needs before any rule is chosen: which inputs carry data (as
/// opposed to shapes, indices or parameters), which outputs are integers or booleans, and which ops only move data.
/// </summary>
internal static class OpCatalog
{
    private static readonly HashSet<string> NonFloatOutputOps = new(StringComparer.Ordinal)
    {
        "Shape", "Size", "ArgMax", "ArgMin", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not",
        "And", "Or", "Xor", "NonZero", "IsNaN", "IsInf", "ConstantOfShape", "Range", "NonMaxSuppression",
    };

    private static readonly HashSet<string> ShapeOnlyOps = new(StringComparer.Ordinal)
    {
        "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast",
    };

    /// <summary>Ops whose outputs never carry relevance (integer, boolean or shape results).</summary>
    public static bool ProducesSidePathOnly(OnnxNode node)
    {
        if (OnnxMlCatalog.ProducesSidePathOnly(node) || (NonFloatOutputOps.Contains(node.OpType) && !OnnxMlCatalog.IsOnnxMl(node)))
        {
            return true;
        }

        if (node.OpType == "Cast")
        {
            var to = (OnnxElementType)node.GetInt("to", (long)OnnxElementType.Float);
            return to is not (OnnxElementType.Float or OnnxElementType.Double or OnnxElementType.Float16 or OnnxElementType.BFloat16);
        }

        return false;
    }

    /// <summary>
    /// The input positions through which relevance can flow (data operands). Other inputs are parameters:
    /// shapes, indices, bounds, scales.
    /// </summary>
    public static bool IsDataInput(OnnxNode node, int inputIndex) => OnnxMlCatalog.IsOnnxMl(node) ? OnnxMlCatalog.IsDataInput(node, inputIndex) : node.OpType switch
    {
        "Reshape" or "Slice" or "Pad" or "Expand" or "Tile" or "Squeeze" or "Unsqueeze" or "Resize" or "Upsample"
            or "Split" or "Clip" or "Dropout" or "TopK" or "ReduceSum" or "ReduceMean" or "ReduceMax" or "ReduceMin"
            or "ReduceProd" or "ReduceL1" or "ReduceL2" or "ReduceLogSumExp" or "ReduceSumSquare" => inputIndex == 0,
        "Gather" or "GatherElements" or "GatherND" => inputIndex == 0,
        "Trilu" or "CumSum" or "Pow" => inputIndex == 0,
        "Where" => inputIndex is 1 or 2,
        "BatchNormalization" or "InstanceNormalization" or "LayerNormalization" or "RMSNormalization" => inputIndex == 0,
        "Conv" or "ConvTranspose" or "Gemm" => true,
        "PRelu" => inputIndex == 0,
        _ => true,
    };

    /// <summary>Ops that only move or relabel data (the "shape-only operations" of the first-layer search).</summary>
    public static bool IsShapeOnly(string opType) => ShapeOnlyOps.Contains(opType);

    /// <summary>True for Conv and ConvTranspose.</summary>
    public static bool IsConv(string opType) => opType is "Conv" or "ConvTranspose";
}
