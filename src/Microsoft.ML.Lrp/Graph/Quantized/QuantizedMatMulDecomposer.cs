using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Quantized;

/// <summary>
/// <c>QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)</c> = <c>QuantizeLinear(MatMul(DQ(a), DQ(b)),
/// y_scale, y_zp)</c>, and <c>MatMulInteger(a, b, a_zp, b_zp)</c> = <c>MatMul(a − a_zp, b − b_zp)</c> computed in float.
/// ONNX Runtime's com.microsoft float-output forms: <c>DynamicQuantizeMatMul(A, B, b_scale, b_zp, bias)</c>, which
/// quantizes A itself with the range of the whole tensor (contrib_ops dynamic_quantize_matmul), =
/// <c>MatMul(DQ(DynamicQuantizeLinear(A)), DQ(B)) + bias</c>; <c>MatMulIntegerToFloat(A, B, a_scale, b_scale, a_zp,
/// b_zp, bias)</c> = <c>MatMul(DQ(A), DQ(B)) + bias</c>. A constant operand is dequantized as a weight (per-column
/// scales and zero points broadcast on its last axis) and folded, so the MatMul is a dense layer; an activation
/// operand through <c>DequantizeLinear</c>.
/// </summary>
internal sealed class QuantizedMatMulDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["QLinearMatMul", "MatMulInteger", "DynamicQuantizeMatMul", "MatMulIntegerToFloat"];

    public void Decompose(FusedGraphBuilder b)
    {
        switch (b.Fused.OpType)
        {
            case "MatMulInteger":
            {
                string ai = Operand(b, b.Input(0), null, b.Input(2), "A");
                string bi = Operand(b, b.Input(1), null, b.Input(3), "B");
                QuantizedOperands.IntegerResult(b, output => b.MatMul(ai, bi, output));
                return;
            }

            case "DynamicQuantizeMatMul":
            {
                string[] quantized = [b.Fresh("a_quantized"), b.Fresh("a_scale"), b.Fresh("a_zero_point")];
                b.Emit("DynamicQuantizeLinear", [b.Input(0)], quantized);
                string a = QuantizedOperands.Activation(b, quantized[0], quantized[1], quantized[2], "A");
                string m = Operand(b, b.Input(1), b.Input(2), b.Input(3), "B");
                ProductWithBias(b, a, m, b.Input(4));
                return;
            }

            case "MatMulIntegerToFloat":
            {
                string a = Operand(b, b.Input(0), b.Input(2), b.Input(4), "A");
                string m = Operand(b, b.Input(1), b.Input(3), b.Input(5), "B");
                ProductWithBias(b, a, m, b.Input(6));
                return;
            }

            default:
            {
                string a = Operand(b, b.Input(0), b.Input(1), b.Input(2), "A");
                string m = Operand(b, b.Input(3), b.Input(4), b.Input(5), "B");
                QuantizedOperands.Requantize(b, b.MatMul(a, m), b.Input(6), b.Input(7), b.Output(0));
                return;
            }
        }
    }

    /// <summary><c>a · m</c> plus the optional float bias, into the node's output.</summary>
    private static void ProductWithBias(FusedGraphBuilder b, string a, string m, string bias)
    {
        string product = b.MatMul(a, m, bias.Length > 0 ? null : b.Output(0));
        if (bias.Length > 0)
        {
            b.Add(product, bias, b.Output(0));
        }
    }

    private static string Operand(FusedGraphBuilder b, string value, string? scale, string zeroPoint, string role)
        => QuantizedOperands.IsConstant(b.Graph, value)
            ? QuantizedOperands.Weight(b, value, scale, zeroPoint, -1, role)
            : QuantizedOperands.Activation(b, value, scale, zeroPoint, role);
}
