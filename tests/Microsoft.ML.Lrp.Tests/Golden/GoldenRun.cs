using Microsoft.ML.Lrp.Tests.Reference;

namespace Microsoft.ML.Lrp.Tests.Golden;

/// <summary>Runs <see cref="LrpExplainer"/> (or the test reference) on the cases of a golden file and measures how far it lands.</summary>
internal static class GoldenRun
{
    /// <summary>
    /// The ε the engine runs with for a golden ε. LXT's efficient rules have no stabiliser (ε = 0); the engine gets
    /// 1e-12, which leaves every float32 denominator above 1e-5 unchanged and keeps an exact zero finite.
    /// </summary>
    public static float EngineEpsilon(double goldenEpsilon) => goldenEpsilon == 0 ? 1e-12f : (float)goldenEpsilon;

    /// <summary>
    /// Explains all cases of <paramref name="composite"/> in one batch (they share target, ε, γ and bounds) and returns
    /// per case the engine's relevance and output. <paramref name="adjust"/> may change the options (to show that a
    /// changed rule misses the golden relevance).
    /// </summary>
    public static IReadOnlyList<(GoldenCase Case, float[] Relevance, float[] Output)> Explain(
        GoldenFile file, LrpComposite composite, Func<LrpOptions, LrpOptions>? adjust = null)
    {
        var cases = file.CasesOf(composite);
        Assert.IsNotEmpty(cases, $"no {composite} case in {file.ModelPath}");
        var first = cases[0];
        foreach (var c in cases)
        {
            Assert.AreEqual(first.Target, c.Target, c.Name);
            Assert.AreEqual(first.Epsilon, c.Epsilon, c.Name);
        }

        var options = new LrpOptions
        {
            ModelFile = file.ModelPath,
            InputColumnName = "input",
            Composite = composite,
            Target = LrpTarget.Class(first.Target),
            Epsilon = EngineEpsilon(first.Epsilon),
            Gamma = (float)first.Gamma,
            InputLowerBound = first.Lower?.Select(v => (float)v).ToArray(),
            InputUpperBound = first.Upper?.Select(v => (float)v).ToArray(),
            BatchSize = cases.Count,
        };
        using var explainer = new LrpExplainer(adjust is null ? options : adjust(options));
        var result = file.TokenIds
            ? explainer.ExplainTokens(cases.SelectMany(c => c.Input.Select(v => (long)v)).ToArray(), cases.Count)
            : explainer.Explain(cases.SelectMany(c => c.Input.Select(v => (float)v)).ToArray(), cases.Count);
        Assert.AreEqual(first.Relevance.Length, result.InputRowLength);
        return cases.Select((c, i) => (
            c,
            result.RelevanceOf(i).ToArray(),
            result.Output.AsSpan(i * result.OutputRowLength, result.OutputRowLength).ToArray())).ToList();
    }

    /// <summary>The test project's double-precision reference (<see cref="ReferenceLrp"/>) on one golden case.</summary>
    public static double[] Reference(GoldenFile file, GoldenCase c) => ReferenceLrp.Explain(
        File.ReadAllBytes(file.ModelPath),
        c.Input,
        [1, .. file.InputShape],
        new ReferenceOptions
        {
            Composite = c.Composite,
            Epsilon = EngineEpsilon(c.Epsilon),
            Gamma = c.Gamma,
            InputLowerBound = c.Lower,
            InputUpperBound = c.Upper,
            Target = LrpTarget.Class(c.Target),
            InputName = "input",
        }).Relevance;

    /// <summary>max |a − b| / max |b|: the deviation relative to the largest reference value.</summary>
    public static double RelativeDeviation(IReadOnlyList<float> actual, IReadOnlyList<double> expected) =>
        RelativeDeviation(actual.Select(v => (double)v).ToArray(), expected);

    /// <summary>max |a − b| / max |b|.</summary>
    public static double RelativeDeviation(IReadOnlyList<double> actual, IReadOnlyList<double> expected)
    {
        Assert.HasCount(expected.Count, actual);
        double scale = expected.Max(Math.Abs);
        Assert.IsGreaterThan(0.0, scale, "the reference values are all zero");
        double worst = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.IsTrue(double.IsFinite(actual[i]), $"element {i} is {actual[i]}");
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        }

        return worst / scale;
    }
}
