using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Evaluation;

/// <summary>Models and inputs for the evaluation tests.</summary>
internal static class EvaluationModels
{
    /// <summary>
    /// A linear scorer <c>f(x) = w · x + b</c> over rows of <paramref name="features"/> values (Gemm with transB, one
    /// output), so that Epsilon relevance is exactly <c>R_i = w_i x_i</c> and replacing <c>x_i</c> by 0 lowers the
    /// score by exactly that contribution.
    /// </summary>
    public static (byte[] Model, float[] Weights, float Bias) Linear(int features, int seed, float low, float high)
    {
        var b = new OnnxModelBuilder(seed).Input("input", "N", features);
        float[] w = b.Weights.Uniform(features, low, high);
        const float bias = 0.25f;
        b.Initializer("W", w, 1, features)
            .Initializer("B", [bias], 1)
            .Node("Gemm", ["input", "W", "B"], ["output"], "dense", ("transB", 1));
        return (b.Output("output", "N", 1).Build(), w, bias);
    }

    /// <summary>Uniform inputs in [low, high), rows × length.</summary>
    public static float[] Input(int length, int seed, float low = -1f, float high = 1f) => new SeededWeights(seed).Uniform(length, low, high);

    /// <summary>Explainer options for Epsilon with a negligible stabiliser (LRP-0).</summary>
    public static LrpOptions Epsilon(byte[] model, int batch) => new()
    {
        ModelBytes = model,
        Composite = LrpComposite.Epsilon,
        Epsilon = 1e-9f,
        BatchSize = batch,
    };
}
