using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>
/// Dynamic quantization as ONNX Runtime's quantize_dynamic writes it:
/// <c>x → DynamicQuantizeLinear → (xq, xs, xzp); MatMulInteger/ConvInteger(xq, wq, xzp, wzp) → Cast(float) → Mul(xs · ws) → Add(bias) → y</c>.
/// </summary>
internal static class DynamicModels
{
    /// <summary>x [N, 3, 6] → y [N, 3, 5]; weights per column when <paramref name="signedWeights"/> (int8), per tensor otherwise (uint8).</summary>
    public static byte[] MatMul(bool signedWeights, float[]? weights = null)
    {
        var w = QuantizedTensor.Quantize(weights ?? new SeededWeights(4).He(30, 6), [6, 5], signedWeights, -1);
        return new OnnxModelBuilder(3).Opset(13).Input("x", "N", 3, 6).Output("y")
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Initializer("bias", [0.1f, -0.2f, 0.05f, 0f, 0.3f], 5)
            .Node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xzp"], "dynamic_quant")
            .Node("MatMulInteger", ["xq", "wq", "xzp", "wzp"], ["acc"], "matmul_integer")
            .Node("Cast", ["acc"], ["accf"], "cast", ("to", 1L))
            .Node("Mul", ["xs", "ws"], ["scale"], "scale_product")
            .Node("Mul", ["accf", "scale"], ["z"], "rescale")
            .Node("Add", ["z", "bias"], ["y"], "add_bias")
            .Build();
    }

    /// <summary>The float twin of <see cref="MatMul"/>: <c>DequantizeLinear(DynamicQuantizeLinear(x)) · W_dq + bias</c>.</summary>
    public static byte[] MatMulFloatTwin(bool signedWeights)
    {
        var w = QuantizedTensor.Quantize(new SeededWeights(4).He(30, 6), [6, 5], signedWeights, -1);
        return new OnnxModelBuilder(3).Opset(13).Input("x", "N", 3, 6).Output("y")
            .Initializer("w", w.Dequantized(), 6, 5)
            .Initializer("bias", [0.1f, -0.2f, 0.05f, 0f, 0.3f], 5)
            .Node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xzp"], "dynamic_quant")
            .Node("DequantizeLinear", ["xq", "xs", "xzp"], ["xd"], "dequant_x")
            .Node("MatMul", ["xd", "w"], ["z"], "matmul")
            .Node("Add", ["z", "bias"], ["y"], "add_bias")
            .Build();
    }

    /// <summary>x [N, 2, 5, 5] → ConvInteger (uint8 weights, per-tensor zero point) → y [N, 3, 3, 3].</summary>
    public static byte[] Conv()
    {
        var w = QuantizedTensor.Quantize(new SeededWeights(6).He(54, 18), [3, 2, 3, 3], false, -1);
        return new OnnxModelBuilder(3).Opset(13).Input("x", "N", 2, 5, 5).Output("y")
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xzp"], "dynamic_quant")
            .Node("ConvInteger", ["xq", "wq", "xzp", "wzp"], ["acc"], "conv_integer")
            .Node("Cast", ["acc"], ["accf"], "cast", ("to", 1L))
            .Node("Mul", ["xs", "ws"], ["scale"], "scale_product")
            .Node("Mul", ["accf", "scale"], ["y"], "rescale")
            .Build();
    }
}
