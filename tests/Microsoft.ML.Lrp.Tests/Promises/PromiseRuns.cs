using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Tests.Engine;
using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>Runs a network under a capture policy and compares attributions.</summary>
internal static class PromiseRuns
{
    public static LrpOptions Options(TestNetwork network, LrpCapturePolicy policy, LrpComposite composite = LrpComposite.EpsilonPlus) => new()
    {
        ModelBytes = network.Model,
        CapturePolicy = policy,
        Composite = composite,
        InputLowerBound = [-1f],
        InputUpperBound = [1f],
        BatchSize = 2,
    };

    public static float[] Input(TestNetwork network, int seed) => network.RandomInput(seed).Select(v => (float)v).ToArray();

    public static float[] Explain(TestNetwork network, LrpCapturePolicy policy, int seed, out PromiseSchedule schedule, out LrpPlanStatistics statistics)
    {
        using var explainer = new LrpExplainer(Options(network, policy));
        schedule = explainer.Plan.Schedule;
        statistics = explainer.Statistics;
        return explainer.Explain(Input(network, seed), network.InputShape[0]).Relevance;
    }

    public static ReferenceResult Reference(TestNetwork network, int seed)
        => ReferenceLrp.Explain(network.Model, Input(network, seed).Select(v => (double)v).ToArray(), network.InputShape, ReferenceOptions.From(Options(network, LrpCapturePolicy.CaptureAll)));

    /// <summary>Asserts max |a − b| ≤ <paramref name="relative"/> · max |a|.</summary>
    public static void AssertSame(float[] expected, float[] actual, double relative, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        double scale = Math.Max(1e-12, expected.Max(v => Math.Abs((double)v)));
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.IsTrue(float.IsFinite(actual[i]), $"{what}: element {i} is {actual[i]}");
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
        }

        Assert.IsLessThanOrEqualTo(relative * scale, worst, $"{what}: worst difference {worst}, scale {scale}");
    }

    /// <summary>Checks all three policies give the same attributions and match the reference engine.</summary>
    public static void AssertPoliciesAgree(TestNetwork network, int seed)
    {
        var all = Explain(network, LrpCapturePolicy.CaptureAll, seed, out _, out _);
        foreach (var policy in new[] { LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.MinimizeTime })
        {
            AssertSame(all, Explain(network, policy, seed, out _, out _), 1e-6, $"{network.Name}/{policy}");
        }

        EngineVersusReferenceTests.AssertClose(Reference(network, seed), all, network.Name);
    }

    public static int ReplayCount(PromiseSchedule schedule, string nodeName)
        => schedule.Actions.Count(a => a.Kind == ScheduleActionKind.Replay && a.Names[0] == nodeName);
}
