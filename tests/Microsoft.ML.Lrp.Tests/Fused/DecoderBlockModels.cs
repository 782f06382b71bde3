using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Onnx.Proto.TensorProto.Types;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>
/// Small causal decoder blocks written with ONNX Runtime's fused ops (hidden 8, 2 heads, sequence 5):
/// a GPT-like one (RMSNorm, unidirectional Attention, SkipSimplifiedLayerNormalization, FastGelu, QuickGelu) and a
/// Llama-like one (FusedMatMul projections, RotaryEmbedding on Q and K, unidirectional MultiHeadAttention, Gelu).
/// </summary>
internal static class DecoderBlockModels
{
    public static byte[] GptLike()
    {
        return new OnnxModelBuilder(41).Opset(17)
            .Input("x", "N", 5, 8).Output("y", "N", 5, 8)
            .RandomUniform("g0", 0.8f, 1.2f, 8).RandomUniform("w_qkv", -0.6f, 0.6f, 8, 24).RandomUniform("b_qkv", -0.2f, 0.2f, 24)
            .RandomUniform("w_out", -0.5f, 0.5f, 8, 8).RandomUniform("b_out", -0.2f, 0.2f, 8).RandomUniform("g1", 0.8f, 1.2f, 8)
            .RandomUniform("w_up", -0.5f, 0.5f, 8, 16).RandomUniform("b_up", -0.2f, 0.2f, 16).RandomUniform("w_down", -0.4f, 0.4f, 16, 8)
            .Node("SimplifiedLayerNormalization", ["x", "g0"], ["n0"], "rms0", ("epsilon", 1e-6f))
            .MicrosoftNode("Attention", ["n0", "w_qkv", "b_qkv"], ["context"], "attention", ("num_heads", 2L), ("unidirectional", 1L))
            .Node("MatMul", ["context", "w_out"], ["projected"])
            .MicrosoftNode("SkipSimplifiedLayerNormalization", ["projected", "x", "g1", "b_out"], ["n1", "", "", "residual"], "rms1", ("epsilon", 1e-6f))
            .Node("MatMul", ["n1", "w_up"], ["up"])
            .MicrosoftNode("FastGelu", ["up", "b_up"], ["fast"], "fast_gelu")
            .MicrosoftNode("QuickGelu", ["fast"], ["quick"], "quick_gelu")
            .Node("MatMul", ["quick", "w_down"], ["down"])
            .Node("Add", ["down", "residual"], ["y"])
            .Build();
    }

    public static byte[] LlamaLike()
    {
        int half = 2;
        float[] cos = new float[16 * half], sin = new float[16 * half];
        for (int p = 0; p < 16; p++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = p / Math.Pow(100, i / (double)half);
                cos[(p * half) + i] = (float)Math.Cos(angle);
                sin[(p * half) + i] = (float)Math.Sin(angle);
            }
        }

        return new OnnxModelBuilder(42).Opset(17)
            .Input("x", "N", 5, 8).TypedInput("position_ids", DataType.Int64, "N", 5).Output("y", "N", 5, 8)
            .Initializer("cos", cos, 16, half).Initializer("sin", sin, 16, half)
            .RandomUniform("w_q", -0.6f, 0.6f, 8, 8).RandomUniform("w_k", -0.6f, 0.6f, 8, 8).RandomUniform("w_v", -0.6f, 0.6f, 8, 8)
            .RandomUniform("w_o", -0.5f, 0.5f, 8, 8).RandomUniform("w_up", -0.5f, 0.5f, 8, 16).RandomUniform("w_down", -0.4f, 0.4f, 16, 8)
            .DeclareValue("q", DataType.Float, "N", 5, 8).DeclareValue("k", DataType.Float, "N", 5, 8)
            .MicrosoftNode("FusedMatMul", ["x", "w_q"], ["q"], "proj_q")
            .MicrosoftNode("FusedMatMul", ["x", "w_k"], ["k"], "proj_k")
            .MicrosoftNode("FusedMatMul", ["x", "w_v"], ["v"], "proj_v")
            .MicrosoftNode("RotaryEmbedding", ["q", "position_ids", "cos", "sin"], ["q_rot"], "rope_q", ("num_heads", 2L))
            .MicrosoftNode("RotaryEmbedding", ["k", "position_ids", "cos", "sin"], ["k_rot"], "rope_k", ("num_heads", 2L))
            .DeclareValue("q_rot", DataType.Float, "N", 5, 8)
            .MicrosoftNode("MultiHeadAttention", ["q_rot", "k_rot", "v"], ["context"], "mha", ("num_heads", 2L), ("unidirectional", 1L))
            .Node("MatMul", ["context", "w_o"], ["projected"])
            .Node("Add", ["projected", "x"], ["residual"])
            .Node("MatMul", ["residual", "w_up"], ["up"])
            .MicrosoftNode("Gelu", ["up"], ["activated"], "gelu")
            .Node("MatMul", ["activated", "w_down"], ["down"])
            .Node("Add", ["down", "residual"], ["y"])
            .Build();
    }
}
