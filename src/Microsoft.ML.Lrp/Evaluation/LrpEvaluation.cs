using Microsoft.ML.Lrp.Evaluation;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp;

/// <summary>
/// Faithfulness of explanations, measured with the model itself: pixel flipping with the area between the
/// perturbation curves (ABPC), and the model-parameter randomisation check.
/// </summary>
public static class LrpEvaluation
{
    /// <summary>
    /// Pixel flipping of an explanation: per row, the regions (see <see cref="LrpPixelFlippingOptions"/>) are ordered
    /// by their summed relevance and replaced cumulatively, <see cref="LrpPixelFlippingOptions.RegionsPerStep"/> at a
    /// step, most relevant first (MoRF) and least relevant first (LeRF); ONNX Runtime re-scores every perturbed input
    /// on the explainer's model, reading the explained score as the explainer does (the output at the row's target in
    /// <see cref="LrpExplanation.Targets"/>, <c>w · output</c> for a direction, <c>Σ output</c> for all outputs).
    /// </summary>
    /// <remarks>
    /// The protocol of Samek et al. (2017) with the area between the curves of Schulz et al. (2020) and Blücher et
    /// al. (2024): curves divided by <c>|f(x)|</c> (see <see cref="LrpPixelFlippingOptions.NormalizeByInitialScore"/>),
    /// ABPC as in <see cref="LrpPixelFlippingResult"/>. Zennit itself has no pixel-flipping module; the defaults follow
    /// the common choice of a blurred replacement, which keeps perturbed images closer to the data than a constant.
    /// </remarks>
    /// <param name="explainer">The explainer whose model re-scores the perturbed inputs (not used to explain again).</param>
    /// <param name="input">The explained rows, <see cref="LrpExplanation.Rows"/> × <see cref="LrpExplainer.InputRowLength"/>.</param>
    /// <param name="explanation">The explanation of <paramref name="input"/>: its relevance orders the regions, its targets fix the score.</param>
    /// <param name="options">How to perturb; null for the defaults.</param>
    /// <exception cref="LrpException">The model has other inputs, a non-float explained input, or an output that is not float.</exception>
    public static LrpPixelFlippingResult PixelFlipping(LrpExplainer explainer, float[] input, LrpExplanation explanation, LrpPixelFlippingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        var targets = explanation.Targets.Any(t => t < 0) ? null : explanation.Targets;
        return PixelFlipper.Run(explainer, input, explanation.Rows, explanation.Relevance, targets, options ?? new LrpPixelFlippingOptions());
    }

    /// <summary>
    /// Pixel flipping of any attribution (one value per input element: another explainer's relevance, gradient ×
    /// input, a random baseline), re-scored on <paramref name="explainer"/>'s model as in
    /// <see cref="PixelFlipping(LrpExplainer, float[], LrpExplanation, LrpPixelFlippingOptions?)"/>.
    /// </summary>
    /// <param name="explainer">The explainer whose model and target define the score.</param>
    /// <param name="input">The rows, <paramref name="rows"/> × <see cref="LrpExplainer.InputRowLength"/>.</param>
    /// <param name="rows">Rows in <paramref name="input"/>.</param>
    /// <param name="attribution">One value per element of <paramref name="input"/>.</param>
    /// <param name="targets">For class targets, the output index of each row; null uses the explainer's target (the predicted class of the unperturbed row for <see cref="LrpTarget.PredictedClass"/>).</param>
    /// <param name="options">How to perturb; null for the defaults.</param>
    public static LrpPixelFlippingResult PixelFlipping(LrpExplainer explainer, float[] input, int rows, float[] attribution, IReadOnlyList<int>? targets = null, LrpPixelFlippingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(attribution);
        return PixelFlipper.Run(explainer, input, rows, attribution, targets, options ?? new LrpPixelFlippingOptions());
    }

    /// <summary>
    /// Draws the mean MoRF (solid) and LeRF (dashed) curves of each result as a line plot PNG: x the fraction of
    /// regions perturbed, y the (normalised) score; one colour per result in the order given (blue, orange, green,
    /// red, purple, brown), with a legend of the labels at the top right (capital letters, digits and a few signs of a
    /// small pixel font; the first 40 characters); grey lines mark y = 0 and y = 1.
    /// </summary>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="curves">Label and result per method, in legend order.</param>
    /// <param name="width">Image width in pixels (at least 128).</param>
    /// <param name="height">Image height in pixels (at least 128).</param>
    public static void SaveCurvesPng(string path, IEnumerable<KeyValuePair<string, LrpPixelFlippingResult>> curves, int width = 640, int height = 400)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(curves);
        var list = curves.ToList();
        var results = list.Select(c => c.Value ?? throw new ArgumentException($"The result for '{c.Key}' is null.", nameof(curves))).ToList();
        if (results.Count == 0)
        {
            throw new ArgumentException("Give at least one pixel-flipping result to draw.", nameof(curves));
        }

        File.WriteAllBytes(path, new CurvePlot(width, height).Draw(results, list.Select(c => c.Key ?? string.Empty).ToList()));
    }

    /// <summary>
    /// The model-parameter randomisation check of Adebayo et al. (2018), cascading: explains <paramref name="input"/>
    /// with the model as given (step 0), then again after randomising the weights of the top 1, 2, … linear layers
    /// (Conv, ConvTranspose, Gemm, MatMul with a constant weight; last in topological order first; each replaced by
    /// seeded Gaussian values of mean 0 and the standard deviation of the original weights, biases kept), re-planning
    /// each randomised model, and reports per step Spearman's rank correlation of each row's heatmap with the original.
    /// A faithful explanation's correlation falls as the layers that produced it lose their weights. The targets stay
    /// those of the original model's explanation (a class target is not re-predicted on the randomised model).
    /// </summary>
    /// <param name="options">The explainer options (model, composite, target, backend).</param>
    /// <param name="input">The rows, <paramref name="rows"/> × the input row length.</param>
    /// <param name="rows">Rows in <paramref name="input"/>.</param>
    /// <param name="randomization">Seed, number of layers and signed or absolute ranking; null for the defaults.</param>
    /// <param name="targets">Per-row output indices for <see cref="LrpTarget.FromColumn"/>.</param>
    /// <returns>Step 0 (the original, correlation 1) followed by one step per randomised layer.</returns>
    public static IReadOnlyList<LrpRandomizationStep> ParameterRandomization(LrpOptions options, float[] input, int rows, LrpRandomizationOptions? randomization = null, IReadOnlyList<int>? targets = null)
        => ParameterRandomization(options, input, rows, randomization, targets, o => new LrpExplainer(o));

    /// <summary>As the public overload, with <paramref name="create"/> building each explainer (tests pick the backend).</summary>
    internal static IReadOnlyList<LrpRandomizationStep> ParameterRandomization(LrpOptions options, float[] input, int rows, LrpRandomizationOptions? randomization, IReadOnlyList<int>? targets, Func<LrpOptions, LrpExplainer> create)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(input);
        randomization ??= new LrpRandomizationOptions();
        if (randomization.MaxLayers is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(randomization), randomization.MaxLayers, "LrpRandomizationOptions.MaxLayers must be ≥ 0.");
        }

        byte[] bytes = ParameterRandomizer.ModelBytes(options);
        var graph = OnnxModel.Load(bytes).Graph;
        var layers = ParameterRandomizer.LinearLayers(graph);
        if (layers.Count == 0)
        {
            throw new LrpException("The model has no linear layer (Conv, ConvTranspose, Gemm, MatMul with a constant float weight) whose weights could be randomised.");
        }

        int count = Math.Min(layers.Count, randomization.MaxLayers ?? layers.Count);
        var baseOptions = options with { ModelFile = null, ModelBytes = bytes };
        LrpExplanation original;
        using (var explainer = create(baseOptions))
        {
            original = explainer.Explain(input, rows, targets);
        }

        var fixedTargets = original.Targets.All(t => t >= 0) ? original.Targets : null;
        var randomOptions = fixedTargets is null ? baseOptions : baseOptions with { Target = LrpTarget.FromColumn(options.TargetColumnName) };
        int length = original.InputRowLength;
        var steps = new List<LrpRandomizationStep> { Step(0, null, original.Relevance) };
        for (int k = 1; k <= count; k++)
        {
            var prefix = layers.Take(k).ToList();
            byte[] randomized = ParameterRandomizer.Randomize(bytes, graph, prefix, randomization.Seed);
            using var explainer = create(randomOptions with { ModelBytes = randomized });
            var relevance = explainer.Explain(input, rows, fixedTargets ?? targets).Relevance;
            steps.Add(Step(k, prefix[^1], relevance));
        }

        return steps;

        LrpRandomizationStep Step(int index, RandomizedLayer? layer, float[] relevance)
        {
            var correlations = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                correlations[r] = SpearmanCorrelation.Of(original.Relevance.AsSpan(r * length, length), relevance.AsSpan(r * length, length), randomization.AbsoluteRelevance);
            }

            return new LrpRandomizationStep(index, layer?.NodeName, layer?.Initializer, correlations, relevance);
        }
    }
}
