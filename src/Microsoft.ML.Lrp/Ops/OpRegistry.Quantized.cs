using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>
/// Rows of quantized ops. Their integer-typed outputs are an exception to the rule that integer values are side
/// paths (no row here sets <c>SidePathOnly</c>): a <c>QuantizeLinear</c> → <c>DequantizeLinear</c> pair on an
/// activation is a fake quantization of a float value, and relevance passes through both, following the dequantized
/// value. <c>DequantizeLinear</c> of a constant is folded into a float constant before rules apply
/// (Graph/Folding). <c>QLinearConv</c>, <c>QLinearMatMul</c>, <c>ConvInteger</c>, <c>MatMulInteger</c> and the
/// com.microsoft <c>QLinear*</c> ops are decomposed into DequantizeLinear → float op → QuantizeLinear before any
/// value is classified (Graph/Quantized), so the float op's own rule applies; their rows below only mark them as
/// weighted products and refuse a form the decomposition did not rewrite.
/// </summary>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> QuantizedRows() =>
    [
        // y = saturate(round(x / scale) + zero_point): relevance follows the value (Pass); scale and zero point are parameters.
        Pass("QuantizeLinear") with { DataInput = FirstOnly, BeforeFirstLayer = true },
        // x = (q − zero_point) · scale: Pass, as above.
        Pass("DequantizeLinear") with { DataInput = FirstOnly, BeforeFirstLayer = true },
        // (y, y_scale, y_zero_point) = quantize(x) with a scale from x's range: y carries relevance (Pass); the scale
        // and zero point are statistics (side paths), so the later Mul by the scale is a Pass, not a product of two activations.
        Pass("DynamicQuantizeLinear") with { DataOutput = FirstOnlyOutput, BeforeFirstLayer = true },
        Decomposed("QLinearConv"),
        Decomposed("QLinearMatMul"),
        Decomposed("ConvInteger"),
        Decomposed("MatMulInteger"),
    ];

    private static OpInfo Decomposed(string opType) => new(opType)
    {
        WeightedProduct = true,
        Rule = _ => OpRuleDecision.Refuse("of a form the quantized decomposition (DequantizeLinear → float op → QuantizeLinear) did not rewrite"),
    };
}
