using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>Computes the promise table's figures and the planned peak live set of a schedule.</summary>
internal static class ScheduleStatistics
{
    public static LrpPlanStatistics Compute(RelevancePlan plan, PromiseSchedule schedule)
    {
        var graph = plan.Graph;
        var shapes = plan.Shapes;
        var promised = new HashSet<string>(schedule.Promised, StringComparer.Ordinal);
        var required = plan.Steps.SelectMany(s => s.Rule.RequiredValues(s.Node)).ToHashSet(StringComparer.Ordinal);
        var depth = new Dictionary<string, int>(StringComparer.Ordinal);
        int Depth(string value)
        {
            if (!promised.Contains(value))
            {
                return 0;
            }

            if (!depth.TryGetValue(value, out int d))
            {
                var node = plan.Producer(value)!;
                d = 1 + node.Inputs.Where(i => i.Length > 0).Select(Depth).DefaultIfEmpty(0).Max();
                depth[value] = d;
            }

            return d;
        }

        var promises = schedule.Promised.Where(required.Contains).ToList();
        int nodes = graph.Onnx.Nodes.Count;
        return new LrpPlanStatistics
        {
            Nodes = nodes,
            RelevanceNodes = plan.Steps.Count + graph.FoldedBatchNorms,
            CapturedTensors = schedule.Captures.Count,
            CapturedBytesPerSample = schedule.Captures.Sum(c => ScheduleBuilder.BytesPerRow(shapes, c)),
            FoldedBatchNorms = graph.FoldedBatchNorms,
            CapturePolicy = schedule.Policy,
            Promises = promises.Count,
            PromiseInternalNodes = schedule.Promised.Count,
            SummedPromiseDepth = promises.Sum(Depth),
            PromiseDensity = nodes == 0 ? 0 : (double)schedule.Promised.Count / nodes,
            PlannedPeakBytesPerSample = PeakBytes(plan, schedule),
            ScheduleJson = schedule.ToJson(),
        };
    }

    /// <summary>
    /// Walks the schedule: captured activations are live from the run until released, rebuilt ones from their replay
    /// until released, relevance tensors from the step that first writes them until their producer's step has run.
    /// </summary>
    private static long PeakBytes(RelevancePlan plan, PromiseSchedule schedule)
    {
        var graph = plan.Graph;
        var shapes = plan.Shapes;
        long Bytes(string v) => ScheduleBuilder.BytesPerRow(shapes, v);
        var liveValues = new HashSet<string>(schedule.Captures, StringComparer.Ordinal);
        var liveRelevance = new HashSet<string>(StringComparer.Ordinal) { graph.ExplainedOutput };
        long live = liveValues.Sum(Bytes) + Bytes(graph.ExplainedOutput);
        long peak = live;
        foreach (var action in schedule.Actions)
        {
            var nodes = action.Nodes.Select(i => action.Kind == ScheduleActionKind.Replay ? plan.ReplayNode(i) : graph.RelevanceNodes[i]).ToList();
            if (action.Kind == ScheduleActionKind.Replay)
            {
                var value = nodes[0].Outputs[0];
                if (liveValues.Add(value))
                {
                    live += Bytes(value);
                }
            }
            else
            {
                // A fast-forwarded chain writes only its last node's input relevance.
                var writer = nodes[^1];
                foreach (var input in writer.Inputs.Where((name, i) => graph.IsRelevance(name) && OpRegistry.IsDataInput(writer.Source, i)))
                {
                    if (liveRelevance.Add(input))
                    {
                        live += Bytes(input);
                    }
                }

                peak = Math.Max(peak, live);
                foreach (var output in nodes[0].Outputs)
                {
                    if (liveRelevance.Remove(output))
                    {
                        live -= Bytes(output);
                    }
                }
            }

            peak = Math.Max(peak, live);
            foreach (var dead in action.Release)
            {
                if (liveValues.Remove(dead))
                {
                    live -= Bytes(dead);
                }
            }
        }

        return peak;
    }
}
