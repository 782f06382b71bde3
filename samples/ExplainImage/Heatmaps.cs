using System.Globalization;
using Microsoft.ML.Lrp;
using Microsoft.ML.Lrp.Visualization;

namespace ExplainImage;

/// <summary>
/// The heatmaps people look at: for each photo and for the composites <c>EpsilonPlusFlat</c> and
/// <c>EpsilonGammaBox</c>, the photo side by side with its <c>bwr</c> heatmap (red: for the similarity, blue:
/// against it, white: neither), an overlay whose opacity follows <c>|R|</c>, and one labelled grid of all of them.
/// </summary>
internal static class Heatmaps
{
    private static readonly LrpComposite[] Composites = [LrpComposite.EpsilonPlusFlat, LrpComposite.EpsilonGammaBox];

    /// <summary>Explains <paramref name="a"/> toward <paramref name="b"/> and back with each composite and writes the images to <paramref name="outFolder"/>.</summary>
    public static void Write(PhotoRow a, PhotoRow b, string outFolder)
    {
        var options = new HeatmapOptions { ColorMap = HeatmapColorMap.Bwr, ClipPercentile = 99.5f, Symmetric = true, OverlayAlpha = 0.8f };
        var tiles = new List<HeatmapImage>();
        var labels = new List<string?>();
        Console.WriteLine();
        Console.WriteLine("Heatmaps (bwr, symmetric, clipped at the 99.5th percentile of |R|):");
        foreach ((PhotoRow photo, PhotoRow other) in new[] { (a, b), (b, a) })
        {
            (float[] low, float[] high) = InputBounds(photo);
            foreach (LrpComposite composite in Composites)
            {
                LrpOptions lrp = SimilarityExplainer.Options(other.Pooling395_Output_0) with
                {
                    Composite = composite,
                    InputLowerBound = composite == LrpComposite.EpsilonGammaBox ? low : null,
                    InputUpperBound = composite == LrpComposite.EpsilonGammaBox ? high : null,
                };
                using var explainer = new LrpExplainer(lrp);
                float[] relevance = explainer.Explain(photo.Input247, rows: 1).Relevance;
                float[] map = HeatmapRenderer.SumChannels(relevance, 3, PhotoPipeline.Size, PhotoPipeline.Size);
                double positive = map.Where(r => r > 0).Sum(r => (double)r), negative = map.Where(r => r < 0).Sum(r => (double)r);
                float s = HeatmapRenderer.SymmetricScale(map, options.ClipPercentile);

                string name = $"{Path.GetFileNameWithoutExtension(photo.ImagePath)}-{composite}";
                HeatmapImage sideBySide = HeatmapRenderer.RenderSideBySide(relevance, 3, PhotoPipeline.Size, PhotoPipeline.Size, photo.Background, options);
                sideBySide.SavePng(Path.Combine(outFolder, name + "-side-by-side.png"));
                HeatmapRenderer.RenderOverlay(relevance, 3, PhotoPipeline.Size, PhotoPipeline.Size, photo.Background, options)
                    .SavePng(Path.Combine(outFolder, name + "-overlay.png"));
                tiles.Add(sideBySide);
                labels.Add($"{Path.GetFileNameWithoutExtension(photo.ImagePath)} {composite}");

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-28} Σ R+ = {positive,9:F3}, Σ R− = {negative,9:F3}, negative pixels {map.Count(r => r < 0) * 100.0 / map.Length,5:F1} %, s = {s:G3} → {name}-side-by-side.png, -overlay.png"));
            }
        }

        HeatmapRenderer.RenderGrid(tiles, columns: 2, labels).SavePng(Path.Combine(outFolder, "heatmaps-grid.png"));
        Console.WriteLine($"  grid of all four: {Path.GetFullPath(Path.Combine(outFolder, "heatmaps-grid.png"))}");
    }

    /// <summary>
    /// ZBox bounds of <c>Input247</c> for <c>EpsilonGammaBox</c>, one per element: the pixel range 0..255 minus the
    /// preprocessing's per-pixel mean image. The mean is recovered as pixel − Input247 (planes B, G, R).
    /// </summary>
    private static (float[] Low, float[] High) InputBounds(PhotoRow photo)
    {
        int pixels = PhotoPipeline.Size * PhotoPipeline.Size;
        var low = new float[3 * pixels];
        var high = new float[3 * pixels];
        for (int plane = 0; plane < 3; plane++)
        {
            int rgbChannel = 2 - plane; // Input247's planes are B, G, R; Background is interleaved R, G, B.
            for (int i = 0; i < pixels; i++)
            {
                float mean = photo.Background[(3 * i) + rgbChannel] - photo.Input247[(plane * pixels) + i];
                low[(plane * pixels) + i] = -mean;
                high[(plane * pixels) + i] = 255 - mean;
            }
        }

        return (low, high);
    }
}
