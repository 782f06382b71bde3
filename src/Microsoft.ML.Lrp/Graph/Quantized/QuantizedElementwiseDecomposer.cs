using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Quantized;

/// <summary>
/// ONNX Runtime's quantized element-wise and pooling operators (com.microsoft <c>QLinearAdd</c>, <c>QLinearMul</c>,
/// <c>QLinearSigmoid</c>, <c>QLinearLeakyRelu</c>, <c>QLinearAveragePool</c>, <c>QLinearGlobalAveragePool</c>):
/// every operand dequantized (<c>DequantizeLinear</c>), the float operator with the node's attributes, the result
/// requantized (<c>QuantizeLinear</c>). Their inputs are <c>(x, x_scale, x_zp)</c> triples followed by the output's
/// scale and zero point.
/// </summary>
internal sealed class QuantizedElementwiseDecomposer : IFusedOpDecomposer
{
    private static readonly Dictionary<string, (string FloatOp, int Operands)> Forms = new(StringComparer.Ordinal)
    {
        ["QLinearAdd"] = ("Add", 2),
        ["QLinearMul"] = ("Mul", 2),
        ["QLinearSigmoid"] = ("Sigmoid", 1),
        ["QLinearLeakyRelu"] = ("LeakyRelu", 1),
        ["QLinearAveragePool"] = ("AveragePool", 1),
        ["QLinearGlobalAveragePool"] = ("GlobalAveragePool", 1),
    };

    public IReadOnlyList<string> OpTypes { get; } = [.. Forms.Keys];

    public void Decompose(FusedGraphBuilder b)
    {
        if (b.Fused.GetInt("channels_last", 0) != 0)
        {
            throw b.Unsupported("attribute channels_last=1", "Only the NCHW layout is supported.");
        }

        var (floatOp, operands) = Forms[b.Fused.OpType];
        var inputs = new string[operands];
        for (int i = 0; i < operands; i++)
        {
            string x = b.Input(3 * i);
            inputs[i] = QuantizedOperands.IsConstant(b.Graph, x)
                ? QuantizedOperands.Weight(b, x, b.Input((3 * i) + 1), b.Input((3 * i) + 2), -1, $"operand {i}")
                : QuantizedOperands.Activation(b, x, b.Input((3 * i) + 1), b.Input((3 * i) + 2), $"operand {i}");
        }

        string y = b.Fresh(floatOp);
        b.EmitCopying(floatOp, inputs, [y], b.Fused.Attributes.Values.Where(a => a.Name != "channels_last"));
        QuantizedOperands.Requantize(b, y, b.Input(3 * operands), b.Input((3 * operands) + 1), b.Output(0));
    }
}
