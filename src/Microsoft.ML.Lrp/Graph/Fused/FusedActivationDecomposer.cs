namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// ONNX Runtime's fusions of a linear layer with its activation, which its own graph optimiser writes at the
/// extended level: <c>FusedGemm(A, B, C)</c> = activation(Gemm(A, B, C)) and <c>FusedConv(X, W, B, Z)</c> =
/// activation(Conv(X, W, B) + Z). The Gemm/Conv keeps every attribute but the activation's, so the linear rules
/// apply to it unchanged. Activations: Relu, Tanh, Sigmoid, LeakyRelu (alpha), Clip (min, max), HardSigmoid
/// (alpha, beta); any other is rejected.
/// </summary>
internal sealed class FusedActivationDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["FusedGemm", "FusedConv"];

    public void Decompose(FusedGraphBuilder b)
    {
        bool gemm = b.Fused.OpType == "FusedGemm";
        string activation = b.Fused.GetString("activation", "");
        float[] parameters = gemm
            ? [b.Fused.GetFloat("activation_alpha", float.NaN), b.Fused.GetFloat("activation_beta", float.NaN)]
            : b.Fused.Attributes.TryGetValue("activation_params", out var p) ? p.Floats : [];
        var linearAttributes = b.Fused.Attributes.Values.Where(a => !a.Name.StartsWith("activation", StringComparison.Ordinal) && a.Name != "leaky_relu_alpha");
        string[] linearInputs = [.. Enumerable.Range(0, Math.Min(b.Fused.Inputs.Count, 3)).Select(b.Input)];
        string linear = b.Fresh(gemm ? "Gemm" : "Conv");
        b.EmitCopying(gemm ? "Gemm" : "Conv", linearInputs, [linear], linearAttributes);
        if (!gemm && b.Input(3).Length > 0)
        {
            linear = b.Add(linear, b.Input(3));
        }

        string y = b.Output(0);
        switch (activation)
        {
            case "":
                b.Op("Identity", [linear], y);
                break;
            case "Relu" or "Tanh" or "Sigmoid":
                b.Op(activation, [linear], y);
                break;
            case "LeakyRelu":
                float alpha = Parameter(parameters, 0, gemm ? b.Fused.GetFloat("leaky_relu_alpha", 0.01f) : 0.01f);
                b.Op("LeakyRelu", [linear], y, ("alpha", alpha));
                break;
            case "HardSigmoid":
                b.Op("HardSigmoid", [linear], y, ("alpha", Parameter(parameters, 0, 0.2f)), ("beta", Parameter(parameters, 1, 0.5f)));
                break;
            case "Clip":
                b.Op("Clip", [linear, b.Scalar(Parameter(parameters, 0, float.MinValue)), b.Scalar(Parameter(parameters, 1, float.MaxValue))], y);
                break;
            default:
                throw b.Unsupported($"attribute activation='{activation}'", "Supported activations: Relu, Tanh, Sigmoid, LeakyRelu, HardSigmoid, Clip.");
        }
    }

    private static float Parameter(float[] parameters, int index, float fallback)
        => index < parameters.Length && !float.IsNaN(parameters[index]) ? parameters[index] : fallback;
}
