using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>Rows of quantized ops.</summary>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> QuantizedRows() =>
    [
        new OpInfo("MatMulInteger") { WeightedProduct = true },
        new OpInfo("QLinearMatMul") { WeightedProduct = true },
    ];
}
