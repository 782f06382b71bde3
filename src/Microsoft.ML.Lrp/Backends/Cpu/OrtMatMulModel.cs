using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The one-node ONNX model of a dense layer's transposed product, <c>Y[r, :] = X[r, :] · W</c> for a weight
/// <c>W [M, K]</c> (the layer's <c>[out, in]</c> layout, read from the layer's array as an external file, see
/// <see cref="OrtWeightFile"/>) and a symbolic number of rows, run by <see cref="OrtConvSession"/> in slices of
/// rows: ONNX Runtime packs the constant W once (MLAS), and on the small row counts of one sentence its GEMM runs
/// about twice as fast as <see cref="BlockedGemm"/>.
/// </summary>
internal static class OrtMatMulModel
{
    public static ModelProto Build(int outFeatures, int inFeatures)
    {
        var graph = new GraphProto { Name = "lrp_dense_transpose" };
        graph.Initializer.Add(OrtWeightFile.Reference("W", [outFeatures, inFeatures], 0));
        graph.Node.Add(OrtConvModel.Node("MatMul", "matmul", ["X", "W"], "Y"));
        graph.Input.Add(OrtConvModel.Value("X", [outFeatures]));
        graph.Output.Add(OrtConvModel.Value("Y", [inFeatures]));
        return OrtConvModel.Model(graph);
    }
}
