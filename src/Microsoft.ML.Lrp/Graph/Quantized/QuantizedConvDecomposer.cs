using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Quantized;

/// <summary>
/// <c>QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B)</c> = <c>QuantizeLinear(Conv(DQ(x), DQ(w),
/// B · x_scale · w_scale), y_scale, y_zp)</c>, and <c>ConvInteger(x, w, x_zp, w_zp)</c> = <c>Conv(x − x_zp, w − w_zp)</c>
/// computed in float. The weight's scale and zero point may be per output channel (axis 0); the convolution keeps
/// every attribute, so the Conv's linear rule applies to the dequantized float weight folded from the constants.
/// </summary>
internal sealed class QuantizedConvDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["QLinearConv", "ConvInteger"];

    public void Decompose(FusedGraphBuilder b)
    {
        if (b.Fused.GetInt("channels_last", 0) != 0)
        {
            throw b.Unsupported("attribute channels_last=1", "Only the NCHW layout is supported.");
        }

        var attributes = b.Fused.Attributes.Values.Where(a => a.Name != "channels_last");
        if (b.Fused.OpType == "ConvInteger")
        {
            string xi = QuantizedOperands.Activation(b, b.Input(0), null, b.Input(2), "input");
            string wi = QuantizedOperands.Weight(b, b.Input(1), null, b.Input(3), 0, "weight");
            QuantizedOperands.IntegerResult(b, output => Conv(b, [xi, wi], output, attributes));
            return;
        }

        string x = QuantizedOperands.Activation(b, b.Input(0), b.Input(1), b.Input(2), "input");
        string w = QuantizedOperands.Weight(b, b.Input(3), b.Input(4), b.Input(5), 0, "weight");
        string[] inputs = [x, w];
        if (b.Input(8).Length > 0)
        {
            // The int32 bias is quantized with scale x_scale · w_scale (per output channel) and zero point 0.
            string biasScale = b.Mul(b.Input(1), b.Input(4));
            inputs = [x, w, b.Mul(b.Cast(b.Input(8), Onnx.OnnxElementType.Float), biasScale)];
        }

        string y = Conv(b, inputs, null, attributes);
        QuantizedOperands.Requantize(b, y, b.Input(6), b.Input(7), b.Output(0));
    }

    private static string Conv(FusedGraphBuilder b, string[] inputs, string? output, IEnumerable<Onnx.OnnxAttribute> attributes)
    {
        output ??= b.Fresh("Conv");
        b.EmitCopying("Conv", inputs, [output], attributes);
        return output;
    }
}
