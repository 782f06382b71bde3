using System.Text.Json;
using Microsoft.ML.Lrp.Tests.Golden;

namespace Microsoft.ML.Lrp.Tests.Intermediate;

/// <summary>
/// Relevance at intermediate layer outputs against Zennit 0.5.1 (<c>Golden/&lt;model&gt;-intermediate.json</c>, made by
/// <c>make-golden.py --intermediate</c> for the models of <see cref="ZennitGoldenTests"/>): a VGG-like net's first and
/// last convolutional stages, a Conv output whose BatchNorm is folded into it, a dense activation; a ResNet-like net's
/// block output, a tensor inside a residual branch, and its last stage. Same tolerance as the input relevance.
/// </summary>
[TestClass]
public sealed class ZennitIntermediateGoldenTests
{
    [TestMethod]
    [DataRow("vgg", LrpComposite.EpsilonPlusFlat)]
    [DataRow("vgg", LrpComposite.EpsilonGammaBox)]
    [DataRow("vgg", LrpComposite.EpsilonAlpha2Beta1)]
    [DataRow("resnet", LrpComposite.EpsilonPlusFlat)]
    [DataRow("resnet", LrpComposite.EpsilonGammaBox)]
    [DataRow("resnet", LrpComposite.EpsilonAlpha2Beta1)]
    public void RelevanceAt_MatchesZennitAtTheSameLayerOutput(string model, LrpComposite composite)
    {
        foreach (var (name, deviation) in Deviations(model, composite, o => o))
        {
            Assert.IsLessThan(ZennitGoldenTests.RelevanceTolerance, deviation, name);
        }
    }

    [TestMethod]
    public void RelevanceAt_WithAChangedRule_MissesZennitByFarMoreThanTheTolerance()
    {
        // ZPlus instead of Epsilon at the dense layers moves the relevance at every tensor below them.
        var deviations = Deviations("vgg", LrpComposite.EpsilonPlusFlat, o => o with { RuleOverrides = new Dictionary<string, LrpRule> { ["Gemm"] = LrpRule.ZPlus() } });
        foreach (var (name, deviation) in deviations)
        {
            Assert.IsGreaterThan(20 * ZennitGoldenTests.RelevanceTolerance, deviation, name);
        }
    }

    private static List<(string Name, double Deviation)> Deviations(string model, LrpComposite composite, Func<LrpOptions, LrpOptions> adjust)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Golden");
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, model + "-intermediate.json")));
        var root = document.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().Where(c => c.GetProperty("composite").GetString() == composite.ToString()).ToList();
        var tensors = cases.Select(c => c.GetProperty("tensor").GetString()!).Distinct().ToList();
        var inputs = cases.Select(c => Doubles(c.GetProperty("input"))).DistinctBy(i => string.Join(",", i)).ToList();
        Assert.HasCount(2, inputs);
        Assert.IsGreaterThanOrEqualTo(3, tensors.Count);
        var first = cases[0];
        var options = new LrpOptions
        {
            ModelFile = Path.Combine(folder, root.GetProperty("model").GetString()!),
            InputColumnName = "input",
            Composite = composite,
            Target = LrpTarget.Class(first.GetProperty("target").GetInt32()),
            Epsilon = (float)first.GetProperty("epsilon").GetDouble(),
            Gamma = (float)first.GetProperty("gamma").GetDouble(),
            InputLowerBound = first.TryGetProperty("lower", out var lower) ? Doubles(lower).Select(v => (float)v).ToArray() : null,
            InputUpperBound = first.TryGetProperty("upper", out var upper) ? Doubles(upper).Select(v => (float)v).ToArray() : null,
            RelevanceOutputs = tensors.Select((t, i) => (t, i)).ToDictionary(p => $"R{p.i}", p => p.t),
        };
        using var explainer = new LrpExplainer(adjust(options));
        var deviations = new List<(string, double)>();
        var result = explainer.Explain(inputs.SelectMany(i => i.Select(v => (float)v)).ToArray(), inputs.Count);
        foreach (var c in cases)
        {
            int row = inputs.FindIndex(i => i.SequenceEqual(Doubles(c.GetProperty("input"))));
            var at = result.RelevanceAt(c.GetProperty("tensor").GetString()!);
            CollectionAssert.AreEqual(c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(), at.Shape.ToArray(), c.GetProperty("name").GetString());
            deviations.Add((c.GetProperty("name").GetString()!, GoldenRun.RelativeDeviation(at.Row(row).ToArray(), Doubles(c.GetProperty("relevance")))));
        }

        return deviations;
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();
}
