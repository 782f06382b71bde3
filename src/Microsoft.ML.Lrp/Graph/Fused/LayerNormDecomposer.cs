namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// Normalisations with a fused residual:
/// <list type="bullet">
/// <item><c>SkipLayerNormalization(x, skip, γ[, β][, bias])</c>: <c>s = (x + bias) + skip</c>, then
/// LayerNormalization over the last axis (the ai.onnx op from opset 17, else ReduceMean/Sub/Mul/ReduceMean/Add/Sqrt/Div).</item>
/// <item><c>SkipSimplifiedLayerNormalization(x, skip, γ[, bias])</c>: the same sum, then RMSNorm.</item>
/// <item><c>SimplifiedLayerNormalization(x, γ)</c> (RMSNorm, default domain or com.microsoft):
/// <c>y = x / √(mean(x²) + ε) · γ</c> as Pow/ReduceMean/Add/Sqrt/Div/Mul, the form exporters write.</item>
/// </list>
/// The residual sum (<c>input_skip_bias_sum</c>, output 3) is an ordinary value of the decomposition. The
/// training statistics <c>mean</c> and <c>inv_std_var</c> are not produced: a graph that reads them is rejected.
/// </summary>
internal sealed class LayerNormDecomposer : IFusedOpDecomposer
{
    /// <summary>ONNX Runtime's default epsilon of the skip and embedding normalisations.</summary>
    private const float SkipDefaultEpsilon = 1e-12f;
    private const float SimplifiedDefaultEpsilon = 1e-5f;

    public IReadOnlyList<string> OpTypes { get; } = ["SkipLayerNormalization", "SkipSimplifiedLayerNormalization", "SimplifiedLayerNormalization"];

    public void Decompose(FusedGraphBuilder b)
    {
        string op = b.Fused.OpType;
        if (op == "SimplifiedLayerNormalization")
        {
            RejectStatistics(b, 1, "inv_std_var");
            long axis = b.Fused.GetInt("axis", -1);
            int? rank = b.Rank(b.Input(0));
            if (axis != -1 && (rank is null || axis != rank - 1))
            {
                throw b.Unsupported($"attribute axis={axis} (normalising more than the last axis)", "Only axis=-1 (the last axis) is supported.");
            }

            RmsNorm(b, b.Input(0), b.Input(1), b.Fused.GetFloat("epsilon", SimplifiedDefaultEpsilon), b.Output(0));
            return;
        }

        RejectStatistics(b, 1, "mean");
        RejectStatistics(b, 2, "inv_std_var");
        bool simplified = op == "SkipSimplifiedLayerNormalization";
        string bias = simplified ? b.Input(3) : b.Input(4);
        string x = bias.Length > 0 ? b.Add(b.Input(0), bias) : b.Input(0);
        string sumName = b.Output(3).Length > 0 ? b.Output(3) : b.Fresh("skip_sum");
        string sum = b.Add(x, b.Input(1), sumName);
        float epsilon = b.Fused.GetFloat("epsilon", SkipDefaultEpsilon);
        if (simplified)
        {
            RmsNorm(b, sum, b.Input(2), epsilon, b.Output(0));
        }
        else
        {
            LayerNorm(b, sum, b.Input(2), b.Input(3), epsilon, b.Output(0));
        }
    }

    /// <summary>LayerNormalization over the last axis: <c>(x − mean)/√(var + ε) · γ + β</c> (β may be "").</summary>
    public static void LayerNorm(FusedGraphBuilder b, string x, string gamma, string beta, float epsilon, string y)
    {
        if (b.Opset >= 17)
        {
            string[] inputs = beta.Length > 0 ? [x, gamma, beta] : [x, gamma];
            b.Op("LayerNormalization", inputs, y, ("axis", -1L), ("epsilon", epsilon));
            return;
        }

        string centred = b.Sub(x, b.ReduceMean(x, [-1], keepDims: true));
        string variance = b.ReduceMean(b.Mul(centred, centred), [-1], keepDims: true);
        string deviation = b.Op("Sqrt", [b.Add(variance, b.Scalar(epsilon))]);
        string normalised = b.Div(centred, deviation);
        if (beta.Length > 0)
        {
            b.Add(b.Mul(normalised, gamma), beta, y);
        }
        else
        {
            b.Mul(normalised, gamma, y);
        }
    }

    /// <summary>RMSNorm over the last axis: <c>x / √(mean(x²) + ε) · γ</c>.</summary>
    public static void RmsNorm(FusedGraphBuilder b, string x, string gamma, float epsilon, string y)
    {
        string meanSquare = b.ReduceMean(b.Op("Pow", [x, b.Scalar(2f)]), [-1], keepDims: true);
        string root = b.Op("Sqrt", [b.Add(meanSquare, b.Scalar(epsilon))]);
        b.Mul(b.Div(x, root), gamma, y);
    }

    private static void RejectStatistics(FusedGraphBuilder b, int index, string name)
    {
        if (b.OutputUsed(index))
        {
            throw b.Unsupported($"output {index} ('{name}', a training statistic) being read", "Remove its consumers or re-export the model without it.");
        }
    }
}
