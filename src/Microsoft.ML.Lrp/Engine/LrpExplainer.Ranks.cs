using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp;

public sealed partial class LrpExplainer
{
    /// <summary>
    /// The ranks of values that a decomposition needs and the model does not declare (a FusedMatMul's transposed
    /// operand), learnt by running the original model once on a made-up row; null when none is needed. A run that
    /// fails leaves them unknown, and the decomposition then names the node.
    /// </summary>
    private Dictionary<string, int>? LearnRanks(OnnxModel original, bool batchFixedAtOne)
    {
        var values = FusedOpDecomposition.ValuesNeedingRank(original);
        if (values.Count == 0)
        {
            return null;
        }

        try
        {
            using var runner = new OrtRunner(OrtModel.From(original, new OnnxWriteOptions { ExtraOutputs = values, MakeBatchDynamic = batchFixedAtOne }), Options with { GpuDeviceId = null }, _modelDescription, probe: true);
            var shapes = runner.RunShapes(MadeUpRows([MadeUpRow(1)]), values, new HashSet<string>()).Shapes;
            return values.ToDictionary(v => v, v => shapes[v].Length, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is LrpException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return null;
        }
    }
}
