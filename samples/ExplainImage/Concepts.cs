using Microsoft.ML.Lrp;
using Microsoft.ML.Lrp.Visualization;

namespace ExplainImage;

/// <summary>
/// Concept heatmaps (CRP, Achtibat et al. 2023): which of ResNet18's learned features in its last convolutional stage
/// (<c>ReLU393_Output_0</c>, 512 channels of 7 × 7) carry the similarity, and where each of the three most relevant
/// ones fired in the photo. One explanation records the relevance at that stage
/// (<see cref="LrpOptions.RelevanceOutputs"/>); <see cref="LrpConcepts.TopChannels"/> ranks its channels; then one
/// conditioned explanation per channel (<see cref="LrpOptions.Conditions"/>) draws that concept's heatmap.
/// </summary>
internal static class Concepts
{
    /// <summary>The output of ResNet18's last convolutional stage (before the global average pooling).</summary>
    public const string LastStage = "ReLU393_Output_0";

    /// <summary>Prints the three most relevant channels of <see cref="LastStage"/> and writes their heatmaps.</summary>
    public static void Explain(PhotoRow photo, float[] towardFeatures, string outFolder, int count = 3)
    {
        var options = SimilarityExplainer.Options(towardFeatures) with
        {
            RelevanceOutputs = new Dictionary<string, string> { ["StageRelevance"] = LastStage },
        };
        LrpExplanation explanation;
        using (var explainer = new LrpExplainer(options))
        {
            explanation = explainer.Explain(photo.Input247, rows: 1);
        }

        double score = explanation.Scores[0];
        double[] perChannel = LrpConcepts.ChannelRelevance(explanation, LastStage);
        int[] top = LrpConcepts.TopChannels(explanation, LastStage, count);
        Console.WriteLine();
        Console.WriteLine($"Concepts of {photo.ImagePath} in ResNet18's last stage ({LastStage}, {perChannel.Length} channels): "
            + $"the top {count} carry {100 * top.Sum(c => perChannel[c]) / score:F1} % of the score");
        foreach (int channel in top)
        {
            var conditioned = options with { RelevanceOutputs = null, Conditions = new Dictionary<string, int[]> { [LastStage] = [channel] } };
            using var explainer = new LrpExplainer(conditioned);
            LrpExplanation concept = explainer.Explain(photo.Input247, rows: 1);
            string path = Path.Combine(outFolder, $"{Path.GetFileNameWithoutExtension(photo.ImagePath)}-concept-{channel}.png");
            HeatmapRenderer.SavePng(path, concept.Relevance, 3, PhotoPipeline.Size, PhotoPipeline.Size, photo.Background);
            Console.WriteLine($"  channel {channel,3}: R = {perChannel[channel]:F4} ({100 * perChannel[channel] / score:F1} % of the score), "
                + $"Σ heatmap = {concept.Relevance.Sum(r => (double)r):F4}; {Path.GetFullPath(path)}");
        }
    }
}
