// Why does photo A look like photo B to ResNet18? Explains the dot product of the two photos' ResNet18 features
// with LRP (EpsilonPlusFlat) and writes one heatmap per photo.
//
// Run from the repository root:  dotnet run -c Release --project samples/ExplainImage [output-folder]
// Heatmaps go to the folder given as argument; without one, to samples/ExplainImage/out when the current
// directory is the repository root, else to ./out.
using System.Diagnostics;
using System.Globalization;
using ExplainImage;
using Microsoft.ML;
using Microsoft.ML.Lrp.Visualization;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

string outFolder = args.Length > 0 ? args[0]
    : Directory.Exists(Path.Combine("samples", "ExplainImage")) ? Path.Combine("samples", "ExplainImage", "out")
    : "out";

var ml = new MLContext(seed: 0);
IDataView photos = ml.Data.LoadFromEnumerable(new[]
{
    new PhotoInput { ImagePath = "chelsea.png" },
    new PhotoInput { ImagePath = "coffee.png" },
});

Console.WriteLine($"Model:  {PhotoPipeline.ResNet18File}");
Console.WriteLine($"Photos: {PhotoPipeline.ImageFolder} (chelsea.png, coffee.png; CC0, see images/LICENSE.md)");

// ML.NET: LoadImages → ResizeImages(224, 224) → ExtractPixels → ResNetPreprocess.onnx → ResNet18 (the features).
var clock = Stopwatch.StartNew();
ITransformer featurizer = PhotoPipeline.Features(ml).Fit(photos);
List<PhotoRow> rows = ml.Data.CreateEnumerable<PhotoRow>(featurizer.Transform(photos), reuseRowObject: false).ToList();
Console.WriteLine($"Loaded and featurized {rows.Count} photos in {clock.Elapsed.TotalMilliseconds:F0} ms.");

PhotoRow a = rows[0], b = rows[1];
float[] featuresA = a.Pooling395_Output_0, featuresB = b.Pooling395_Output_0;
double dot = Dot(featuresA, featuresB);
double cosine = dot / Math.Sqrt(Dot(featuresA, featuresA) * Dot(featuresB, featuresB));
Console.WriteLine();
Console.WriteLine($"ResNet18 features (512): cosine similarity({a.ImagePath}, {b.ImagePath}) = {cosine:F4}, f_A · f_B = {dot:F4}");

using (var planned = new Microsoft.ML.Lrp.LrpExplainer(new Microsoft.ML.Lrp.LrpOptions { ModelFile = PhotoPipeline.ResNet18File }))
{
    Microsoft.ML.Lrp.LrpPlanStatistics st = planned.Statistics;
    Console.WriteLine();
    Console.WriteLine($"Relevance plan ({st.CapturePolicy}): {st.Nodes} nodes, {st.RelevanceNodes} on the relevance path; captured {st.CapturedTensors} tensors = {st.CapturedBytesPerSample:N0} bytes/image; "
        + $"{st.Promises} promises over {st.PromiseInternalNodes} replayed nodes (δ = {st.SummedPromiseDepth}, ρ = {st.PromiseDensity:F3}); planned peak {st.PlannedPeakBytesPerSample:N0} bytes/image");
}

Directory.CreateDirectory(outFolder);
foreach ((PhotoRow photo, PhotoRow other) in new[] { (a, b), (b, a) })
{
    Console.WriteLine();
    Console.WriteLine($"Explaining {photo.ImagePath} toward {other.ImagePath} (target: direction of {other.ImagePath}'s features, composite EpsilonPlusFlat)");
    SimilarityExplanation explained = SimilarityExplainer.Explain(ml, photo, other.Pooling395_Output_0);

    double sum = explained.RelevanceSum;
    Console.WriteLine($"  score w·f            = {explained.Score:F4}");
    Console.WriteLine($"  Σ relevance (input)  = {sum:F4}  ({100 * sum / explained.Score:F2} % of the score)");
    if (explained.Absorbed is float absorbed)
    {
        Console.WriteLine($"  absorbed (biases, ε) = {absorbed:F4}");
        Console.WriteLine($"  conservation         : Σ R + absorbed − score = {sum + absorbed - explained.Score:E2}");
    }

    Console.WriteLine($"  time                 : plan {explained.PlanTime.TotalMilliseconds:F0} ms, first image {explained.FirstTime.TotalMilliseconds:F0} ms, per image (warm) {explained.WarmTime.TotalMilliseconds:F0} ms");

    string path = Path.Combine(outFolder, Path.GetFileNameWithoutExtension(photo.ImagePath) + "-heatmap.png");
    HeatmapRenderer.SavePng(path, explained.Relevance, 3, PhotoPipeline.Size, PhotoPipeline.Size, photo.Background);
    Console.WriteLine($"  heatmap              : {Path.GetFullPath(path)}");
}

Heatmaps.Write(a, b, outFolder);
Concepts.Explain(a, b.Pooling395_Output_0, outFolder);

Console.WriteLine();
Console.WriteLine($"Heatmaps (red: relevance for the similarity, blue: against it) are in {Path.GetFullPath(outFolder)}");

Faithfulness.Run(rows, outFolder);

static double Dot(float[] x, float[] y)
{
    double sum = 0;
    for (int i = 0; i < x.Length; i++)
    {
        sum += (double)x[i] * y[i];
    }

    return sum;
}
