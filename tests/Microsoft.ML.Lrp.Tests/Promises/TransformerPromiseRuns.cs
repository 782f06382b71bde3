using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>Runs a transformer-style network under a capture policy and a transformer composite, with optional extra inputs.</summary>
internal static class TransformerPromiseRuns
{
    public static readonly LrpCapturePolicy[] Policies = [LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.MinimizeTime];

    public sealed record Run(float[] Relevance, PromiseSchedule Schedule, LrpPlanStatistics Statistics, RelevancePlan Plan);

    public static Run Explain(TestNetwork network, LrpCapturePolicy policy, LrpComposite composite, int seed, IReadOnlyDictionary<string, Array>? additional = null)
    {
        using var explainer = new LrpExplainer(PromiseRuns.Options(network, policy, composite) with { InputColumnName = network.InputName });
        var relevance = explainer.Explain(PromiseRuns.Input(network, seed), network.InputShape[0], additionalInputs: additional).Relevance;
        return new Run(relevance, explainer.Plan.Schedule, explainer.Statistics, explainer.Plan);
    }

    /// <summary>Explains under all three policies, asserts they agree (≤ 1e-6 of the largest value), and returns the runs by policy.</summary>
    public static Dictionary<LrpCapturePolicy, Run> AllPolicies(TestNetwork network, LrpComposite composite, int seed, IReadOnlyDictionary<string, Array>? additional = null)
    {
        var runs = Policies.ToDictionary(p => p, p => Explain(network, p, composite, seed, additional));
        foreach (var policy in Policies.Skip(1))
        {
            PromiseRuns.AssertSame(runs[LrpCapturePolicy.CaptureAll].Relevance, runs[policy].Relevance, 1e-6, $"{network.Name}/{composite}/{policy}");
            Assert.IsLessThanOrEqualTo(runs[LrpCapturePolicy.CaptureAll].Statistics.CapturedBytesPerSample, runs[policy].Statistics.CapturedBytesPerSample, $"{network.Name}/{policy} captures more than CaptureAll");
        }

        Assert.IsGreaterThan(0.0, runs[LrpCapturePolicy.CaptureAll].Relevance.Max(v => Math.Abs((double)v)), $"{network.Name}: no relevance reached the input");
        return runs;
    }

    /// <summary>The op types of the nodes the schedule replays, with their counts.</summary>
    public static Dictionary<string, int> ReplayedOps(Run run)
        => run.Schedule.Actions.Where(a => a.Kind == ScheduleActionKind.Replay)
            .GroupBy(a => run.Plan.ReplayNode(a.Nodes[0]).OpType)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Replays of side-path nodes (indices past the relevance nodes).</summary>
    public static int SideReplays(Run run)
        => run.Schedule.Actions.Count(a => a.Kind == ScheduleActionKind.Replay && a.Nodes[0] >= run.Plan.Graph.RelevanceNodes.Count);
}
