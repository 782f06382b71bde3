using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>
/// Models with ONNX Runtime's quantized com.microsoft ops as its optimiser writes them, and their float twins written
/// from the ops' definitions. QGemm: <c>x [N, 6] → QuantizeLinear(xs, 128) → QGemm(transB, alpha) → y [N, 4]</c>
/// (float output, or quantized and dequantized). DynamicQuantizeMatMul: <c>x [N, 3, 6] → y [N, 3, 5]</c>.
/// </summary>
internal static class OrtQuantizedModels
{
    public const float InputScale = 2f / 255f;
    public const int InputZeroPoint = 128;
    public const float OutputScale = 0.02f;
    public const int OutputZeroPoint = 110;

    /// <summary>The QGemm's weight [4, 6] (per output column: axis 0 under transB).</summary>
    public static QuantizedTensor GemmWeight(bool signedWeights)
        => QuantizedTensor.Quantize(new SeededWeights(21).He(24, 6), [4, 6], signedWeights, 0);

    /// <summary>The QGemm's int32 bias [4].</summary>
    public static int[] GemmBias { get; } = [40, -75, 12, 0];

    /// <summary>x → QuantizeLinear → QGemm(xq, xs, xzp, gq, gs, gzp, bq[, ys, yzp]) [→ DequantizeLinear] → y.</summary>
    public static byte[] QGemm(bool signedWeights, bool quantizedOutput, float alpha)
    {
        var g = GemmWeight(signedWeights);
        var b = Start()
            .Initializer(g.ValuesTensor("gq")).Initializer(g.ScaleTensor("gs")).Initializer(g.ZeroPointTensor("gzp"))
            .Initializer(QuantizedTensor.Int32s("bq", GemmBias, 4));
        (string, object)[] attributes = [("transB", 1L), ("alpha", alpha)];
        if (!quantizedOutput)
        {
            return b.MicrosoftNode("QGemm", ["xq", "xs", "xzp", "gq", "gs", "gzp", "bq"], ["y"], "qgemm", attributes).Build();
        }

        return b.Initializer(QuantizedTensor.Scalar("ys", OutputScale))
            .Initializer(QuantizedTensor.Bytes("yzp", [OutputZeroPoint], [], false))
            .MicrosoftNode("QGemm", ["xq", "xs", "xzp", "gq", "gs", "gzp", "bq", "ys", "yzp"], ["yq"], "qgemm", attributes)
            .Node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], "dequant_y")
            .Build();
    }

    /// <summary>The float twin of the float-output QGemm: <c>Gemm(DQ(xq), (gq − gzp)·gs, alpha·xs·gs·bq; alpha, transB)</c>.</summary>
    public static byte[] QGemmFloatTwin(bool signedWeights, float alpha)
    {
        var g = GemmWeight(signedWeights);
        float[] bias = [.. GemmBias.Select((v, c) => alpha * InputScale * g.Scales[c] * v)];
        return Start()
            .Initializer("g", g.Dequantized(), 4, 6).Initializer("bias", bias, 4)
            .Node("DequantizeLinear", ["xq", "xs", "xzp"], ["xd"], "dequant_x")
            .Node("Gemm", ["xd", "g", "bias"], ["y"], "gemm", ("transB", 1L), ("alpha", alpha))
            .Build();
    }

    /// <summary>The DynamicQuantizeMatMul's weight [6, 5], per tensor (what ONNX Runtime's kernel takes).</summary>
    public static QuantizedTensor MatMulWeight(bool signedWeights)
        => QuantizedTensor.Quantize(new SeededWeights(4).He(30, 6), [6, 5], signedWeights, -1);

    /// <summary>The DynamicQuantizeMatMul's float bias [5].</summary>
    public static float[] MatMulBias { get; } = [0.1f, -0.2f, 0.05f, 0f, 0.3f];

    /// <summary>x [N, 3, 6] → DynamicQuantizeMatMul(x, wq, ws, wzp, bias) → y [N, 3, 5].</summary>
    public static byte[] DynamicQuantizeMatMul(bool signedWeights)
    {
        var w = MatMulWeight(signedWeights);
        return new OnnxModelBuilder(3).Opset(13).Input("x", "N", 3, 6).Output("y")
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Initializer("bias", MatMulBias, 5)
            .MicrosoftNode("DynamicQuantizeMatMul", ["x", "wq", "ws", "wzp", "bias"], ["y"], "dq_matmul")
            .Build();
    }

    /// <summary>The float twin: <c>DequantizeLinear(DynamicQuantizeLinear(x)) · (wq − wzp)·ws + bias</c>.</summary>
    public static byte[] DynamicQuantizeMatMulFloatTwin(bool signedWeights)
        => new OnnxModelBuilder(3).Opset(13).Input("x", "N", 3, 6).Output("y")
            .Initializer("w", MatMulWeight(signedWeights).Dequantized(), 6, 5)
            .Initializer("bias", MatMulBias, 5)
            .Node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xzp"], "dynamic_quant")
            .Node("DequantizeLinear", ["xq", "xs", "xzp"], ["xd"], "dequant_x")
            .Node("MatMul", ["xd", "w"], ["z"], "matmul")
            .Node("Add", ["z", "bias"], ["y"], "add_bias")
            .Build();

    /// <summary>The input's quantization by the ONNX formula: <c>saturate(round(x / xs) + 128)</c>.</summary>
    public static int QuantizeInput(float x) => Math.Clamp((int)Math.Round(x / InputScale, MidpointRounding.ToEven) + InputZeroPoint, 0, 255);

    private static OnnxModelBuilder Start()
        => new OnnxModelBuilder(3).Opset(13).Input("x", "N", 6).Output("y")
            .Initializer(QuantizedTensor.Scalar("xs", InputScale))
            .Initializer(QuantizedTensor.Bytes("xzp", [InputZeroPoint], [], false))
            .Node("QuantizeLinear", ["x", "xs", "xzp"], ["xq"], "quant_x");
}
