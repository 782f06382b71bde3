using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Quantized;

/// <summary>
/// ONNX Runtime's com.microsoft <c>QGemm(A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp)</c> (contrib_ops
/// quant_gemm): the int32 bias <c>C</c> is added to the integer accumulator and the sum scaled by
/// <c>alpha · a_scale · b_scale</c>, so <c>Y = alpha · op(DQ(A)) · op(DQ(B)) + alpha · a_scale · b_scale · C</c>;
/// requantized by <c>QuantizeLinear(y_scale, y_zp)</c> when the output is quantized, float otherwise. Decomposed into
/// <c>DequantizeLinear</c> of A, the dequantized constant weight (per-column scales and zero points on B's N axis:
/// 0 with transB, 1 without), a float <c>Gemm</c> with the node's alpha (beta = alpha for the bias already scaled
/// by a_scale · b_scale) and transA/transB, and <c>QuantizeLinear</c>: the Gemm's rule applies to the float weight.
/// </summary>
internal sealed class QuantizedGemmDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["QGemm"];

    public void Decompose(FusedGraphBuilder b)
    {
        long transA = b.Fused.GetInt("transA", 0) != 0 ? 1 : 0;
        long transB = b.Fused.GetInt("transB", 0) != 0 ? 1 : 0;
        float alpha = b.Fused.GetFloat("alpha", 1f);
        string yScale = b.Input(7);
        string yZeroPoint = b.Input(8);
        if (yScale.Length > 0 && yZeroPoint.Length == 0)
        {
            throw b.Unsupported("a y_scale without a y_zero_point", "Give both (a quantized output) or neither (a float output).");
        }

        string a = Operand(b, b.Input(0), b.Input(1), b.Input(2), transA == 0 ? 0 : 1, "A");
        string m = Operand(b, b.Input(3), b.Input(4), b.Input(5), transB == 0 ? 1 : 0, "B");
        string[] inputs = [a, m];
        if (b.Input(6).Length > 0)
        {
            // C is quantized with scale a_scale · b_scale (per column of the output) and zero point 0.
            string biasScale = b.Mul(b.Input(1), b.Input(4));
            inputs = [a, m, b.Mul(b.Cast(b.Input(6), Onnx.OnnxElementType.Float), biasScale)];
        }

        var attributes = new (string, object)[] { ("alpha", alpha), ("beta", alpha), ("transA", transA), ("transB", transB) };
        if (yScale.Length == 0)
        {
            b.Op("Gemm", inputs, b.Output(0), attributes);
            return;
        }

        string y = b.Op("Gemm", inputs, null, attributes);
        QuantizedOperands.Requantize(b, y, yScale, yZeroPoint, b.Output(0));
    }

    /// <summary>A constant operand dequantized as a weight (per-axis along <paramref name="columnAxis"/>), an activation through DequantizeLinear.</summary>
    private static string Operand(FusedGraphBuilder b, string value, string scale, string zeroPoint, int columnAxis, string role)
        => QuantizedOperands.IsConstant(b.Graph, value)
            ? QuantizedOperands.Weight(b, value, scale, zeroPoint, columnAxis, role)
            : QuantizedOperands.Activation(b, value, scale, zeroPoint, role);
}
