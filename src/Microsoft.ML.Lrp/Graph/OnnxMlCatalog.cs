using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// Facts about the <c>ai.onnx.ml</c> operators that ML.NET's ONNX export emits: which carry no relevance (labels,
/// maps, thresholds) and which inputs are parameters.
/// </summary>
internal static class OnnxMlCatalog
{
    /// <summary>The ONNX-ML operator domain.</summary>
    public const string Domain = "ai.onnx.ml";

    private static readonly HashSet<string> SidePathOps = new(StringComparer.Ordinal)
    {
        "LabelEncoder", "ZipMap", "Binarizer", "CategoryMapper", "DictVectorizer",
    };

    /// <summary>True for a node of the <c>ai.onnx.ml</c> domain.</summary>
    public static bool IsOnnxMl(OnnxNode node) => node.Domain == Domain;

    /// <summary>
    /// ONNX-ML ops whose outputs carry no relevance: label and string maps, <c>ZipMap</c>'s dictionaries and
    /// <c>Binarizer</c>'s step function (its gradient is zero almost everywhere).
    /// </summary>
    public static bool ProducesSidePathOnly(OnnxNode node) => IsOnnxMl(node) && SidePathOps.Contains(node.OpType);

    /// <summary>False for parameter inputs: the indices of <c>ArrayFeatureExtractor</c>.</summary>
    public static bool IsDataInput(OnnxNode node, int inputIndex)
        => !(IsOnnxMl(node) && node.OpType == "ArrayFeatureExtractor" && inputIndex != 0);

    /// <summary>False for outputs that hold labels: output 0 of <c>LinearClassifier</c>, <c>TreeEnsembleClassifier</c>, <c>SVMClassifier</c>.</summary>
    public static bool IsDataOutput(OnnxNode node, int outputIndex)
        => !(IsOnnxMl(node) && node.OpType is "LinearClassifier" or "TreeEnsembleClassifier" or "SVMClassifier" && outputIndex == 0);
}
