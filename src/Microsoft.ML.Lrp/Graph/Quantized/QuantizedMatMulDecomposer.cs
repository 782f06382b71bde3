using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Quantized;

/// <summary>
/// <c>QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp)</c> = <c>QuantizeLinear(MatMul(DQ(a), DQ(b)),
/// y_scale, y_zp)</c>, and <c>MatMulInteger(a, b, a_zp, b_zp)</c> = <c>MatMul(a − a_zp, b − b_zp)</c> computed in float.
/// A constant operand is dequantized as a weight (per-column scales and zero points broadcast on its last axis) and
/// folded, so the MatMul is a dense layer; an activation operand through <c>DequantizeLinear</c>.
/// </summary>
internal sealed class QuantizedMatMulDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["QLinearMatMul", "MatMulInteger"];

    public void Decompose(FusedGraphBuilder b)
    {
        if (b.Fused.OpType == "MatMulInteger")
        {
            string ai = Operand(b, b.Input(0), null, b.Input(2), "A");
            string bi = Operand(b, b.Input(1), null, b.Input(3), "B");
            QuantizedOperands.IntegerResult(b, output => b.MatMul(ai, bi, output));
            return;
        }

        string a = Operand(b, b.Input(0), b.Input(1), b.Input(2), "A");
        string m = Operand(b, b.Input(3), b.Input(4), b.Input(5), "B");
        QuantizedOperands.Requantize(b, b.MatMul(a, m), b.Input(6), b.Input(7), b.Output(0));
    }

    private static string Operand(FusedGraphBuilder b, string value, string? scale, string zeroPoint, string role)
        => QuantizedOperands.IsConstant(b.Graph, value)
            ? QuantizedOperands.Weight(b, value, scale, zeroPoint, -1, role)
            : QuantizedOperands.Activation(b, value, scale, zeroPoint, role);
}
