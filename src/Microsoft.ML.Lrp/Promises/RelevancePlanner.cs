using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// Builds the <see cref="RelevancePlan"/>: binds a rule to every relevance node, orders the steps, and lists what
/// ONNX Runtime could be asked to return (every value a rule reads). Which of those are captured and which are
/// rebuilt is decided by <see cref="PromisePlanner"/> once shapes are known.
/// </summary>
internal static class RelevancePlanner
{
    public static RelevancePlan Build(CanonicalGraph graph, IReadOnlyDictionary<LrpNode, RuleChoice> choices, LrpOptions options)
    {
        var shapes = new ShapeTable();
        var steps = new List<RelevanceStep>();
        for (int i = graph.RelevanceNodes.Count - 1; i >= 0; i--)
        {
            var node = graph.RelevanceNodes[i];
            var choice = choices[node];
            steps.Add(new RelevanceStep(node, RuleBinder.Bind(node, choice, graph, shapes, options), choice));
        }

        var fedByCaller = new HashSet<string>(graph.Onnx.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        var captures = new List<string>();
        var captureSet = new HashSet<string>(StringComparer.Ordinal);
        void Capture(string name)
        {
            if (name.Length > 0 && !graph.Constants.Contains(name) && !fedByCaller.Contains(name) && captureSet.Add(name))
            {
                captures.Add(name);
            }
        }

        foreach (var step in steps)
        {
            foreach (var value in step.Rule.RequiredValues(step.Node))
            {
                Capture(value);
            }

            // Parameters (indices, pads, axes) computed inside the graph come back from the run too.
            for (int i = 0; i < step.Node.Inputs.Count; i++)
            {
                if (!OpRegistry.IsDataInput(step.Node.Source, i))
                {
                    Capture(step.Node.Inputs[i]);
                }
            }
        }

        var probes = new List<string>();
        var probeSet = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.RelevanceNodes)
        {
            foreach (var name in node.Inputs.Concat(node.Outputs))
            {
                if (name.Length > 0 && !graph.Constants.Contains(name) && probeSet.Add(name))
                {
                    probes.Add(name);
                }
            }
        }

        // Side-path nodes a promise may replay: their values' shapes are learnt too.
        var sideNodes = SidePaths.Candidates(graph);
        foreach (var name in sideNodes.SelectMany(n => n.Inputs.Concat(n.Outputs)))
        {
            if (name.Length > 0 && !graph.Constants.Contains(name) && !fedByCaller.Contains(name) && probeSet.Add(name))
            {
                probes.Add(name);
            }
        }

        return new RelevancePlan(graph, steps, captures, probes, shapes, sideNodes);
    }
}
