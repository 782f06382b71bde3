using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// Orders the schedule: relevance steps in reverse topological order (fast-forwarded chains grouped), each promise
/// replayed just before the first action that reads it (its own promised ancestors first), and every captured or
/// rebuilt activation released after the last action that reads it.
/// </summary>
internal static class ScheduleBuilder
{
    /// <summary>Values that cost nothing to obtain: constants, the caller's inputs, the explained output.</summary>
    public static bool IsFree(RelevancePlan plan, string value)
        => value.Length == 0 || plan.Graph.Constants.Contains(value) || value == plan.Graph.ExplainedOutput || plan.Graph.Onnx.Inputs.Any(i => i.Name == value);

    public static long BytesPerRow(ShapeTable shapes, string value)
        => shapes.Contains(value) && shapes.BatchAxis(value) >= 0 ? shapes.ElementsPerRow(value) * sizeof(float) : 0;

    /// <summary>
    /// The values each relevance step reads at run time: its rule's activations and its computed parameters, and,
    /// once the captures are decided, the optional values among them (<see cref="Rules.IRelevanceRule.OptionalValues"/>).
    /// </summary>
    public static Dictionary<LrpNode, List<string>> ReadsByNode(RelevancePlan plan, IReadOnlyCollection<string>? captured = null)
    {
        var result = new Dictionary<LrpNode, List<string>>();
        var capturedSet = captured is null ? null : new HashSet<string>(captured, StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            var optional = capturedSet is null ? [] : step.Rule.OptionalValues(step.Node).Where(capturedSet.Contains);
            var reads = step.Rule.RequiredValues(step.Node)
                .Concat(step.Node.Inputs.Where((_, i) => !OpRegistry.IsDataInput(step.Node.Source, i)))
                .Concat(optional)
                .Where(v => !IsFree(plan, v))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            result[step.Node] = reads;
        }

        return result;
    }

    /// <summary>The values a replay of <paramref name="node"/> reads.</summary>
    public static IEnumerable<string> ReplayReads(RelevancePlan plan, LrpNode node) => node.Inputs.Where(v => !IsFree(plan, v)).Distinct(StringComparer.Ordinal);

    public static PromiseSchedule Build(RelevancePlan plan, LrpCapturePolicy policy, IReadOnlyList<string> captured, IReadOnlyList<string> promised)
    {
        var graph = plan.Graph;
        var reads = ReadsByNode(plan, captured);
        var index = new Dictionary<LrpNode, int>();
        for (int i = 0; i < graph.RelevanceNodes.Count; i++)
        {
            index[graph.RelevanceNodes[i]] = i;
        }

        var steps = plan.Steps.ToDictionary(s => s.Node);
        var promisedSet = new HashSet<string>(promised, StringComparer.Ordinal);
        var materialised = new HashSet<string>(StringComparer.Ordinal);
        var actions = new List<ScheduleAction>();
        var done = new HashSet<LrpNode>();

        void Materialise(string value)
        {
            if (!promisedSet.Contains(value) || !materialised.Add(value))
            {
                return;
            }

            var node = plan.Producer(value)!;
            foreach (var input in ReplayReads(plan, node))
            {
                Materialise(input);
            }

            actions.Add(new ScheduleAction { Kind = ScheduleActionKind.Replay, Nodes = [plan.ReplayIndex(node)], Names = [node.Name] });
        }

        foreach (var step in plan.Steps)
        {
            if (!done.Add(step.Node))
            {
                continue;
            }

            var chain = FastForward.Chain(plan, step, steps);
            var members = chain.Count > 0 ? chain : [step];
            done.UnionWith(members.Select(m => m.Node));
            foreach (var value in members.SelectMany(m => reads[m.Node]))
            {
                Materialise(value);
            }

            actions.Add(new ScheduleAction { Kind = ScheduleActionKind.Relevance, Nodes = members.Select(m => index[m.Node]).ToList(), Names = members.Select(m => m.Node.Name).ToList() });
        }

        AddReleases(plan, actions, captured);
        return new PromiseSchedule { Policy = policy, Captures = [.. captured], Promised = [.. promised], Actions = actions };
    }

    /// <summary>Sets each action's releases: the captured or rebuilt values it is the last to read.</summary>
    public static void AddReleases(RelevancePlan plan, List<ScheduleAction> actions, IReadOnlyCollection<string> captured)
    {
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        var reads = ReadsByNode(plan, captured);
        for (int a = 0; a < actions.Count; a++)
        {
            foreach (var value in Reads(plan, actions[a], reads))
            {
                lastUse[value] = a;
            }
        }

        for (int a = 0; a < actions.Count; a++)
        {
            actions[a].Release.Clear();
            actions[a].Release.AddRange(lastUse.Where(kv => kv.Value == a).Select(kv => kv.Key).Order(StringComparer.Ordinal));
        }
    }

    public static IEnumerable<string> Reads(RelevancePlan plan, ScheduleAction action, Dictionary<LrpNode, List<string>> reads)
    {
        return action.Kind == ScheduleActionKind.Replay
            ? action.Nodes.Select(plan.ReplayNode).SelectMany(n => ReplayReads(plan, n))
            : action.Nodes.Select(i => plan.Graph.RelevanceNodes[i]).SelectMany(n => reads[n]);
    }
}
