using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>How the quantized Conv → Gemm net stores its weights.</summary>
public enum QuantizedForm
{
    /// <summary>DequantizeLinear of int8/uint8 weights (per channel), Q → DQ pairs on activations.</summary>
    Qdq,

    /// <summary>The same net with the dequantized weights stored as float initializers (the reference).</summary>
    FloatWeights,

    /// <summary>The Conv as one QLinearConv (int32 bias), the Gemm's weight as DequantizeLinear.</summary>
    QLinearConv,
}

/// <summary>
/// A small quantized CNN in three storage forms that compute the same function:
/// <c>x → Q → DQ → Conv(W, b) → Q → DQ → Relu → Flatten → Gemm(G, g) → y</c>, input [N, 2, 5, 5], output [N, 4].
/// </summary>
internal static class QuantizedNets
{
    public const float InputScale = 2f / 255f;
    public const int InputZeroPoint = 128;
    public const float ConvScale = 0.05f;
    public const int ConvZeroPoint = 100;

    /// <param name="form">How the weights are stored.</param>
    /// <param name="signedWeights">int8 weights when true, uint8 otherwise.</param>
    /// <param name="castInput">Writes <c>x → Q → Cast(uint8) → DQ</c> as torch's QDQ export does (the cast changes no value).</param>
    public static byte[] ConvGemm(QuantizedForm form, bool signedWeights, bool castInput = false)
    {
        var random = new SeededWeights(11);
        var w = QuantizedTensor.Quantize(random.He(3 * 2 * 3 * 3, 18), [3, 2, 3, 3], signedWeights, 0);
        var g = QuantizedTensor.Quantize(random.He(4 * 27, 27), [4, 27], signedWeights, 0);
        int[] biasQ = [.. random.Uniform(3, -40f, 40f).Select(v => (int)Math.Round(v))];
        float[] bias = [.. biasQ.Select((v, c) => v * (InputScale * w.Scales[c]))];

        var b = new OnnxModelBuilder(5).Input("x", "N", 2, 5, 5).Output("y", "N", 4)
            .Initializer(QuantizedTensor.Scalar("xs", InputScale))
            .Initializer(QuantizedTensor.Bytes("xzp", [InputZeroPoint], [], false))
            .Initializer(QuantizedTensor.Scalar("cs", ConvScale))
            .Initializer(QuantizedTensor.Bytes("czp", [ConvZeroPoint], [], false))
            .RandomUniform("gb", -0.2f, 0.2f, 4)
            .Node("QuantizeLinear", ["x", "xs", "xzp"], [castInput ? "xq0" : "xq"], "quant_x");
        if (castInput)
        {
            b.Node("Cast", ["xq0"], ["xq"], "cast_xq", ("to", 2L));
        }

        switch (form)
        {
            case QuantizedForm.QLinearConv:
                b.Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
                    .Initializer(QuantizedTensor.Int32s("bq", biasQ, 3))
                    .Node("QLinearConv", ["xq", "xs", "xzp", "wq", "ws", "wzp", "cs", "czp", "bq"], ["cq"], "qconv");
                break;
            case QuantizedForm.Qdq:
                b.Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
                    .Node("DequantizeLinear", ["wq", "ws", "wzp"], ["w"], "dequant_w", ("axis", 0L));
                break;
            default:
                b.Initializer("w", w.Dequantized(), 3, 2, 3, 3);
                break;
        }

        if (form != QuantizedForm.QLinearConv)
        {
            b.Initializer("b", bias, 3)
                .Node("DequantizeLinear", ["xq", "xs", "xzp"], ["xd"], "dequant_x")
                .Node("Conv", ["xd", "w", "b"], ["c"], "conv")
                .Node("QuantizeLinear", ["c", "cs", "czp"], ["cq"], "quant_c");
        }

        if (form == QuantizedForm.FloatWeights)
        {
            b.Initializer("g", g.Dequantized(), 4, 27);
        }
        else
        {
            b.Initializer(g.ValuesTensor("gq")).Initializer(g.ScaleTensor("gs")).Initializer(g.ZeroPointTensor("gzp"))
                .Node("DequantizeLinear", ["gq", "gs", "gzp"], ["g"], "dequant_g", ("axis", 0L));
        }

        return b.Node("DequantizeLinear", ["cq", "cs", "czp"], ["cd"], "dequant_c")
            .Node("Relu", "cd", "r", "relu")
            .Node("Flatten", "r", "f", "flatten")
            .Node("Gemm", ["f", "g", "gb"], ["y"], "gemm", ("transB", 1L))
            .Build();
    }

    /// <summary>Inputs in [−1, 1) (inside the input quantization's range).</summary>
    public static float[] Input(int rows, int seed = 3) => new SeededWeights(seed).Uniform(rows * 50, -1f, 1f);

    /// <summary>A float data type for the builder.</summary>
    public static TensorProto.Types.DataType Float => TensorProto.Types.DataType.Float;
}
