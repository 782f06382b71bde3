using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// One activation function of an ONNX recurrent op (the <c>activations</c> attribute), with its alpha and beta, written
/// as primitive ops: Relu, Tanh, Sigmoid, Softsign, Softplus as themselves; <c>LeakyRelu(α)</c>, <c>ThresholdedRelu(α)</c>,
/// <c>Elu(α)</c>, <c>HardSigmoid(α, β)</c> as the ONNX ops of that name; <c>Affine(x) = α·x + β</c> as Mul and Add;
/// <c>ScaledTanh(x) = α·tanh(β·x)</c> as Mul, Tanh, Mul.
/// </summary>
internal sealed record RecurrentActivation(string Name, float Alpha, float Beta)
{
    private static readonly Dictionary<string, (string Op, bool UsesAlpha, bool UsesBeta, float Alpha, float Beta)> Known =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["Relu"] = ("Relu", false, false, 0f, 0f),
            ["Tanh"] = ("Tanh", false, false, 0f, 0f),
            ["Sigmoid"] = ("Sigmoid", false, false, 0f, 0f),
            ["Softsign"] = ("Softsign", false, false, 0f, 0f),
            ["Softplus"] = ("Softplus", false, false, 0f, 0f),
            ["LeakyRelu"] = ("LeakyRelu", true, false, 0.01f, 0f),
            ["ThresholdedRelu"] = ("ThresholdedRelu", true, false, 1f, 0f),
            ["Elu"] = ("Elu", true, false, 1f, 0f),
            ["HardSigmoid"] = ("HardSigmoid", true, true, 0.2f, 0.5f),
            ["Affine"] = ("Affine", true, true, 1f, 0f),
            ["ScaledTanh"] = ("ScaledTanh", true, true, 1f, 1f),
        };

    /// <summary>
    /// The activations of a recurrent node: its <c>activations</c> attribute (or <paramref name="defaults"/> per direction when
    /// absent; one direction's list is repeated for the reverse direction), each taking the next alpha and beta of the
    /// lists when it uses them, in order, and the ONNX operator's default otherwise.
    /// </summary>
    public static RecurrentActivation[] Read(FusedGraphBuilder b, string[] defaults, int directions)
    {
        string[] names = b.Fused.Attributes.TryGetValue("activations", out var attr) && attr.Strings.Length > 0 ? attr.Strings : [];
        if (names.Length == 0)
        {
            names = [.. Enumerable.Repeat(defaults, directions).SelectMany(d => d)];
        }
        else if (names.Length == defaults.Length && directions == 2)
        {
            names = [.. names, .. names];
        }

        if (names.Length != defaults.Length * directions)
        {
            throw b.Unsupported($"activations [{string.Join(", ", names)}]", $"Give {defaults.Length} activation(s) per direction.");
        }

        float[] alphas = b.Fused.Attributes.TryGetValue("activation_alpha", out var a) ? a.Floats : [];
        float[] betas = b.Fused.Attributes.TryGetValue("activation_beta", out var be) ? be.Floats : [];
        int nextAlpha = 0, nextBeta = 0;
        var result = new RecurrentActivation[names.Length];
        for (int k = 0; k < names.Length; k++)
        {
            if (!Known.TryGetValue(names[k], out var known))
            {
                throw b.Unsupported($"activation '{names[k]}'", $"Supported: {string.Join(", ", Known.Keys)}.");
            }

            float alpha = known.UsesAlpha && nextAlpha < alphas.Length ? alphas[nextAlpha++] : known.Alpha;
            float beta = known.UsesBeta && nextBeta < betas.Length ? betas[nextBeta++] : known.Beta;
            result[k] = new RecurrentActivation(known.Op, alpha, beta);
        }

        return result;
    }

    /// <summary>True for the sigmoid-shaped functions whose output lies in [0, 1] (a gate in the LRP sense).</summary>
    public bool IsSigmoidValued => Name is "Sigmoid" or "HardSigmoid";

    /// <summary>Emits the function applied to <paramref name="x"/> and returns its output.</summary>
    public string Apply(FusedGraphBuilder b, string x) => Name switch
    {
        "LeakyRelu" or "ThresholdedRelu" or "Elu" => b.Op(Name, [x], null, ("alpha", Alpha)),
        "HardSigmoid" => b.Op(Name, [x], null, ("alpha", Alpha), ("beta", Beta)),
        "Affine" => b.Add(b.Mul(x, b.Scalar(Alpha)), b.Scalar(Beta)),
        "ScaledTanh" => b.Mul(b.Op("Tanh", [b.Mul(x, b.Scalar(Beta))]), b.Scalar(Alpha)),
        _ => b.Op(Name, [x]),
    };
}
