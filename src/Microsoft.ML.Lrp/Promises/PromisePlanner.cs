using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// Decides, for every activation a rule reads, whether ONNX Runtime hands it back (capture) or the relevance pass
/// rebuilds it by replaying cheap forward operations from captured ancestors (promise), with the cost model of
/// <see cref="PromiseCost"/> under the chosen <see cref="LrpCapturePolicy"/>; then builds the static schedule.
/// Activations are decided in topological order, so a promise's ancestors are already decided: promises may hang
/// from other promises (trees) and share ancestors.
/// </summary>
internal static class PromisePlanner
{
    private const int MaxChainDepth = 64;

    public static PromiseSchedule Build(RelevancePlan plan, LrpCapturePolicy policy)
    {
        var graph = plan.Graph;
        var shapes = plan.Shapes;
        var reads = ScheduleBuilder.ReadsByNode(plan);
        var position = new Dictionary<LrpNode, int>();
        for (int i = 0; i < graph.RelevanceNodes.Count; i++)
        {
            position[graph.RelevanceNodes[i]] = i;
        }

        var required = new List<string>();
        var parameters = new List<string>();
        foreach (var step in plan.Steps)
        {
            var rule = step.Rule.RequiredValues(step.Node).Where(v => !ScheduleBuilder.IsFree(plan, v)).ToHashSet(StringComparer.Ordinal);
            foreach (var value in reads[step.Node])
            {
                (rule.Contains(value) ? required : parameters).Add(value);
            }
        }

        var captured = new List<string>();
        var promised = new List<string>();
        var decided = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in parameters.Distinct().Where(p => !required.Contains(p)))
        {
            captured.Add(p);
            decided.Add(p);
        }

        var ordered = required.Distinct().OrderBy(v => graph.RelevanceProducer(v) is { } n ? position[n] : -1).ToList();
        foreach (var value in ordered)
        {
            if (!decided.Add(value))
            {
                continue;
            }

            var trial = new PromiseTrial();
            if (policy != LrpCapturePolicy.CaptureAll && TryPromise(plan, policy, value, trial, decided, 0) && trial.Cost.IsBetterThan(CaptureCost(shapes, value), policy))
            {
                promised.AddRange(trial.Promised);
                captured.AddRange(trial.Captured);
                decided.UnionWith(trial.Promised);
                decided.UnionWith(trial.Captured);
            }
            else
            {
                captured.Add(value);
            }
        }

        // Optional values worth capturing (a bias-free linear layer's output is its forward product) cost a full
        // product to recompute against a copy to fetch, so every policy but MinimizeMemory captures them;
        // MinimizeMemory keeps its bytes down and recomputes.
        if (policy != LrpCapturePolicy.MinimizeMemory)
        {
            foreach (var step in plan.Steps)
            {
                foreach (var value in step.Rule.WorthCapturing(step.Node))
                {
                    if (!ScheduleBuilder.IsFree(plan, value) && shapes.Contains(value) && decided.Add(value))
                    {
                        captured.Add(value);
                    }
                }
            }
        }

        return ScheduleBuilder.Build(plan, policy, captured, promised);
    }

    private static PromiseCost CaptureCost(ShapeTable shapes, string value)
        => new(ScheduleBuilder.BytesPerRow(shapes, value), shapes.Contains(value) ? shapes.ElementsPerRow(value) : 0, 0);

    /// <summary>Tries to rebuild <paramref name="value"/>, choosing for each ancestor that is not yet obtained the cheaper of capture and promise.</summary>
    private static bool TryPromise(RelevancePlan plan, LrpCapturePolicy policy, string value, PromiseTrial trial, HashSet<string> decided, int depth)
    {
        var graph = plan.Graph;
        var node = plan.Producer(value);
        if (depth > MaxChainDepth || node is null || node.Outputs[0] != value || !plan.Shapes.Contains(value) || !OpRegistry.CanReplay(node, graph))
        {
            return false;
        }

        trial.Promised.Add(value);
        trial.Cost += new PromiseCost(0, 0, OpRegistry.ReplayWork(node, plan.Shapes));
        foreach (var input in node.Inputs)
        {
            if (ScheduleBuilder.IsFree(plan, input) || decided.Contains(input) || trial.Has(input))
            {
                continue;
            }

            if (!plan.Shapes.Contains(input))
            {
                return false;
            }

            var sub = new PromiseTrial(trial);
            var capture = CaptureCost(plan.Shapes, input);
            if (TryPromise(plan, policy, input, sub, decided, depth + 1) && sub.Cost.IsBetterThan(capture, policy))
            {
                trial.Merge(sub);
            }
            else
            {
                trial.Captured.Add(input);
                trial.Cost += capture;
            }
        }

        return true;
    }
}
