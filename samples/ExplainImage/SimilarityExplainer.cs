using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Lrp;

namespace ExplainImage;

/// <summary>What one explanation step gives: the relevance map and the figures the sample prints.</summary>
/// <param name="Relevance">Relevance of ResNet18's input, 3 × 224 × 224 (BGR planes).</param>
/// <param name="Score">The explained score, <c>w · f</c> (the other photo's features dotted with this one's); with the
/// default output seed it is also the relevance put in at the output.</param>
/// <param name="PlanTime">Loading the model and planning the relevance pass.</param>
/// <param name="FirstTime">The first explanation (ONNX Runtime warms up).</param>
/// <param name="WarmTime">A second explanation of the same photo: the time per image.</param>
/// <param name="Absorbed">Relevance absorbed by biases and stabilisers on the way to the input, where known.</param>
internal sealed record SimilarityExplanation(float[] Relevance, float Score, TimeSpan PlanTime, TimeSpan FirstTime, TimeSpan WarmTime, float? Absorbed = null)
{
    /// <summary>Σ relevance over the input.</summary>
    public double RelevanceSum => Relevance.Sum(r => (double)r);
}

/// <summary>
/// The explanation step: "why does this photo look like that one to ResNet18". The target is the direction of the
/// other photo's feature vector, so the relevance explains the dot product of the two feature vectors.
/// </summary>
internal static class SimilarityExplainer
{
    /// <summary>The options of the explanation step (the same for the framework-free and the ML.NET form).</summary>
    public static LrpOptions Options(float[] towardFeatures) => new()
    {
        ModelFile = PhotoPipeline.ResNet18File,
        InputColumnName = "Input247",
        Target = LrpTarget.Direction(towardFeatures),
        Composite = LrpComposite.EpsilonPlusFlat,
        BatchSize = 1,
    };

    /// <summary>
    /// Explains <paramref name="photo"/> toward <paramref name="towardFeatures"/> in an ML.NET pipeline:
    /// LoadImages → ResizeImages → ExtractPixels → ResNetPreprocess.onnx → ExplainWithLrp.
    /// </summary>
    public static SimilarityExplanation Explain(MLContext ml, PhotoRow photo, float[] towardFeatures)
    {
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new PhotoInput { ImagePath = photo.ImagePath } });
        var clock = Stopwatch.StartNew();
        ITransformer model = PhotoPipeline.Preprocess(ml).Append(ml.Transforms.ExplainWithLrp(Options(towardFeatures))).Fit(data);
        TimeSpan plan = clock.Elapsed;

        clock.Restart();
        Read(ml, model, data);
        TimeSpan first = clock.Elapsed;

        clock.Restart();
        ExplainedRow row = Read(ml, model, data);
        TimeSpan warm = clock.Elapsed;

        (model as IDisposable)?.Dispose();

        // The pipeline's columns carry relevance and score; the conservation balance (what biases and stabilisers
        // absorbed) comes from the framework-free core on the same preprocessed tensor.
        using var core = new LrpExplainer(Options(towardFeatures));
        LrpExplanation balance = core.Explain(photo.Input247, rows: 1);
        return new SimilarityExplanation(row.Relevance, row.LrpScore, plan, first, warm, balance.Absorbed[0]);
    }

    private static ExplainedRow Read(MLContext ml, ITransformer model, IDataView data)
        => ml.Data.CreateEnumerable<ExplainedRow>(model.Transform(data), reuseRowObject: false).Single();
}
