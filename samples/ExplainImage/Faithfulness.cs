using System.Diagnostics;
using Microsoft.ML.Lrp;

namespace ExplainImage;

/// <summary>
/// How faithful are the heatmaps? Pixel flipping on ResNet18: each photo's 16 × 16 patches are replaced by a blurred
/// copy, most relevant first (MoRF) and least relevant first (LeRF), and the area between the two score curves (ABPC,
/// curves divided by the unperturbed score) compares three attributions and a random baseline. The explained score is
/// the photo's similarity to itself, <c>f(x′) · f(x)</c> (<see cref="LrpTarget.Direction"/> of its own features): how
/// much the perturbed photo still looks like the photo to ResNet18. (The cross-photo similarity of the heatmaps above
/// is a poor pixel-flipping target: blurring or greying makes two photos' features more alike, so it rises under MoRF
/// and LeRF alike; so does the total activation Σ f.)
/// </summary>
/// <remarks>
/// Gradient × input: the library has no gradient method, but on a ReLU network LRP-0 (the Epsilon rule everywhere
/// with ε → 0) is exactly gradient × input (Ancona et al. 2018): each rule returns <c>x ⊙ Wᵀ(R / z)</c>, and with
/// <c>R = z ⊙ ∂f/∂z</c> at the output this is <c>x ⊙ ∂f/∂x</c> layer by layer (ReLU, max pooling, the residual sums
/// and the average pool keep the identity; BatchNormalization is folded into the convolutions). So the sample runs
/// the <c>Epsilon</c> composite with ε = 1e-9.
/// </remarks>
internal static class Faithfulness
{
    private static readonly LrpPixelFlippingOptions Flipping = new()
    {
        PatchSize = 16,        // 14 × 14 patches of a 224 × 224 photo
        RegionsPerStep = 28,
        Steps = 7,             // every patch replaced by the last step
        Replacement = LrpPerturbation.Blur,
        BlurSigma = 8f,
    };

    public static void Run(IReadOnlyList<PhotoRow> photos, string outFolder)
    {
        Console.WriteLine();
        Console.WriteLine($"Faithfulness: pixel flipping of each photo's similarity to itself, f(x′) · f(x) ({Flipping.PatchSize}×{Flipping.PatchSize} patches, {Flipping.RegionsPerStep} per step, "
            + $"{Flipping.Steps} steps, blurred copy σ = {Flipping.BlurSigma}; curves ÷ |score|; ABPC = area between LeRF and MoRF)");
        var clock = Stopwatch.StartNew();
        string[] methods = ["EpsilonPlusFlat", "EpsilonGammaBox", "Gradient × input (LRP-0)", "Random (baseline)"];
        TimeSpan explaining = TimeSpan.Zero, flipping = TimeSpan.Zero;
        var perPhoto = methods.ToDictionary(m => m, _ => new List<LrpPixelFlippingResult>());
        foreach (PhotoRow photo in photos)
        {
            foreach (string method in methods.Take(3))
            {
                long start = Stopwatch.GetTimestamp();
                using var explainer = new LrpExplainer(Options(method, photo));
                LrpExplanation explanation = explainer.Explain(photo.Input247, rows: 1);
                explaining += Stopwatch.GetElapsedTime(start);
                start = Stopwatch.GetTimestamp();
                perPhoto[method].Add(LrpEvaluation.PixelFlipping(explainer, photo.Input247, explanation, Flipping));
                flipping += Stopwatch.GetElapsedTime(start);
                if (method == methods[2])
                {
                    var random = new Random(perPhoto[method].Count);
                    float[] noise = photo.Input247.Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
                    perPhoto[methods[3]].Add(LrpEvaluation.PixelFlipping(explainer, photo.Input247, 1, noise, null, Flipping));
                }
            }
        }

        var results = methods.Select(m => new KeyValuePair<string, LrpPixelFlippingResult>(m, LrpPixelFlippingResult.Combine(perPhoto[m]))).ToList();
        Console.WriteLine($"  {"method",-26} {string.Join(" ", photos.Select(ph => $"{ph.ImagePath,12}"))} {"mean",8}");
        foreach (var (method, result) in results)
        {
            Console.WriteLine($"  {method,-26} {string.Join(" ", result.Abpc.Select(a => $"{a,12:F3}"))} {result.MeanAbpc,8:F3}");
        }

        string path = Path.Combine(outFolder, "faithfulness-curves.png");
        LrpEvaluation.SaveCurvesPng(path, results);
        Console.WriteLine($"  curves (mean over the photos; solid MoRF, dashed LeRF; blue {methods[0]}, orange {methods[1]}, green {methods[2]}, red {methods[3]}): {Path.GetFullPath(path)}");
        Console.WriteLine($"  time: {clock.Elapsed.TotalSeconds:F1} s ({photos.Count * 3} explainers planned and run: {explaining.TotalSeconds:F1} s; "
            + $"pixel flipping, {2 * Flipping.Steps!.Value} forward passes per photo and method: {flipping.TotalSeconds:F1} s)");
    }

    private static LrpOptions Options(string method, PhotoRow photo)
    {
        var options = SimilarityExplainer.Options(photo.Pooling395_Output_0) with { BatchSize = 8 };
        return method switch
        {
            "EpsilonPlusFlat" => options with { Composite = LrpComposite.EpsilonPlusFlat },
            "EpsilonGammaBox" => options with
            {
                Composite = LrpComposite.EpsilonGammaBox,
                InputLowerBound = LowerBound(photo),
                InputUpperBound = LowerBound(photo).Select(v => v + 255f).ToArray(),
            },
            _ => options with { Composite = LrpComposite.Epsilon, Epsilon = 1e-9f },
        };
    }

    /// <summary>
    /// ZBox's lower bound per input element: the value a black pixel takes after ResNetPreprocess.onnx, i.e. minus the
    /// per-pixel mean image (the same for every photo), recovered as <c>input − pixel</c> (BGR planes; the photo's
    /// bytes are interleaved RGB). The upper bound (a white pixel) is 255 above it.
    /// </summary>
    private static float[] LowerBound(PhotoRow photo)
    {
        const int plane = PhotoPipeline.Size * PhotoPipeline.Size;
        var low = new float[3 * plane];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < plane; i++)
            {
                low[c * plane + i] = photo.Input247[c * plane + i] - photo.Background[3 * i + (2 - c)];
            }
        }

        return low;
    }
}
