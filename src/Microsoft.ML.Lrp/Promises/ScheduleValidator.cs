using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// Checks a stored schedule against the model it is loaded with: the same nodes, every relevance node run once
/// after the nodes that consume its outputs, replays only of replayable nodes, and every value read while it is
/// available (captured, rebuilt, or free) and not yet released.
/// </summary>
internal static class ScheduleValidator
{
    public static void Validate(RelevancePlan plan, PromiseSchedule schedule)
    {
        var problem = Problem(plan, schedule);
        if (problem is not null)
        {
            throw new LrpException($"The stored relevance schedule does not match the model: {problem}. Save the model again with this version of Microsoft.ML.Lrp.");
        }
    }

    private static string? Problem(RelevancePlan plan, PromiseSchedule schedule)
    {
        var graph = plan.Graph;
        if (schedule.Version != PromiseSchedule.CurrentVersion)
        {
            return $"its version is {schedule.Version}, not {PromiseSchedule.CurrentVersion}";
        }

        // A hand-edited or corrupted file may hold nulls where lists or names belong (JSON "null").
        if (schedule.Captures is null || schedule.Promised is null || schedule.Actions is null
            || schedule.Captures.Any(c => c is null) || schedule.Promised.Any(p => p is null))
        {
            return "its captures, promises or actions are missing or hold a null";
        }

        if (!Enum.IsDefined(schedule.Policy))
        {
            return $"its capture policy {(int)schedule.Policy} is not one of {string.Join(", ", Enum.GetNames<LrpCapturePolicy>())}";
        }

        int index = 0;
        foreach (var action in schedule.Actions)
        {
            if (action is null || action.Nodes is null || action.Names is null || action.Release is null
                || action.Names.Any(n => n is null) || action.Release.Any(r => r is null) || !Enum.IsDefined(action.Kind))
            {
                return $"action #{index} is null, has a null list or name, or an unknown kind";
            }

            index++;
        }

        var available = new HashSet<string>(schedule.Captures, StringComparer.Ordinal);
        var reads = ScheduleBuilder.ReadsByNode(plan, schedule.Captures);
        var ran = new HashSet<LrpNode>();
        var promised = new HashSet<string>(schedule.Promised, StringComparer.Ordinal);
        var steps = plan.Steps.ToDictionary(s => s.Node);
        foreach (var action in schedule.Actions)
        {
            if (action.Nodes.Count == 0 || action.Nodes.Count != action.Names.Count)
            {
                return "an action names no nodes";
            }

            for (int k = 0; k < action.Nodes.Count; k++)
            {
                int i = action.Nodes[k];
                bool replay = action.Kind == ScheduleActionKind.Replay;
                if (!(replay ? plan.IsReplayIndex(i) : i >= 0 && i < graph.RelevanceNodes.Count) || (replay ? plan.ReplayNode(i) : graph.RelevanceNodes[i]).Name != action.Names[k])
                {
                    return $"node #{i} '{action.Names[k]}' is not in the model's relevance path";
                }
            }

            var nodes = action.Nodes.Select(i => action.Kind == ScheduleActionKind.Replay ? plan.ReplayNode(i) : graph.RelevanceNodes[i]).ToList();
            var missing = ScheduleBuilder.Reads(plan, action, reads).FirstOrDefault(v => !available.Contains(v));
            if (missing is not null)
            {
                return $"'{missing}' is read by '{nodes[0].Name}' before it is captured or rebuilt";
            }

            if (action.Kind == ScheduleActionKind.Replay)
            {
                if (nodes.Count != 1 || !OpRegistry.CanReplay(nodes[0], graph) || !promised.Contains(nodes[0].Outputs[0]))
                {
                    return $"'{nodes[0].Name}' ({nodes[0].OpType}) cannot be replayed";
                }

                available.Add(nodes[0].Outputs[0]);
            }
            else
            {
                if (nodes.Count > 1 && !nodes.SequenceEqual(FastForward.Chain(plan, steps[nodes[0]], steps).Select(s => s.Node)))
                {
                    return $"the fast-forward chain from '{nodes[0].Name}' is not relevance-preserving";
                }

                foreach (var node in nodes)
                {
                    if (!ran.Add(node))
                    {
                        return $"'{node.Name}' runs twice";
                    }

                    var early = node.Outputs.SelectMany(graph.RelevanceConsumers).FirstOrDefault(c => !ran.Contains(c) && !nodes.Contains(c));
                    if (early is not null)
                    {
                        return $"'{node.Name}' runs before '{early.Name}', which consumes its output";
                    }
                }
            }

            foreach (var dead in action.Release)
            {
                available.Remove(dead);
            }
        }

        var skipped = graph.RelevanceNodes.FirstOrDefault(n => !ran.Contains(n));
        return skipped is null ? null : $"'{skipped.Name}' never runs";
    }
}
