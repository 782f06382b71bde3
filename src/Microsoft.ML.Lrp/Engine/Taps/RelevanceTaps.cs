using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Promises;

namespace Microsoft.ML.Lrp.Engine.Taps;

/// <summary>
/// What a relevance pass must see besides the input relevance, resolved once per explainer from
/// <see cref="LrpOptions.RelevanceOutputs"/>, <see cref="LrpOptions.ParameterRelevance"/> and
/// <see cref="LrpOptions.Conditions"/>: the tensors whose relevance is recorded or masked (by canonical name) and the
/// linear nodes whose parameter relevance is computed. Every tap fires when the relevance at a tensor is complete:
/// just before the node that produced the tensor runs (all its consumers have run by then), or at the end of a chunk
/// for the explained input.
/// </summary>
internal sealed class RelevanceTaps
{
    private readonly Dictionary<string, string> _canonical;
    private readonly Dictionary<LrpNode, List<string>> _byProducer = [];

    private RelevanceTaps(CanonicalGraph graph, Dictionary<string, string> canonical, HashSet<string> recorded, Dictionary<string, int[]> conditions, Dictionary<LrpNode, ParameterTap> parameters)
    {
        Graph = graph;
        _canonical = canonical;
        Recorded = recorded;
        Conditions = conditions;
        Parameters = parameters;
        Kept = new HashSet<string>(recorded.Concat(conditions.Keys), StringComparer.Ordinal);
        foreach (var name in Kept)
        {
            if (graph.RelevanceProducer(name) is { } producer)
            {
                if (!_byProducer.TryGetValue(producer, out var list))
                {
                    _byProducer[producer] = list = [];
                }

                list.Add(name);
            }
        }
    }

    public CanonicalGraph Graph { get; }

    /// <summary>Canonical names of the tensors whose relevance is recorded.</summary>
    public IReadOnlySet<string> Recorded { get; }

    /// <summary>Canonical tensor name → the channels its condition keeps.</summary>
    public IReadOnlyDictionary<string, int[]> Conditions { get; }

    /// <summary>The linear nodes whose parameter relevance is computed.</summary>
    public IReadOnlyDictionary<LrpNode, ParameterTap> Parameters { get; }

    /// <summary>Every tensor recorded or conditioned: no fast-forwarded chain may run through them.</summary>
    public IReadOnlySet<string> Kept { get; }

    /// <summary>Channel layout of each kept tensor; set by <see cref="Bind"/> once shapes are known.</summary>
    public Dictionary<string, TensorLayout> Layouts { get; } = new(StringComparer.Ordinal);

    /// <summary>The kept tensors that <paramref name="node"/> produces.</summary>
    public IReadOnlyList<string> ProducedBy(LrpNode node) => _byProducer.TryGetValue(node, out var list) ? list : [];

    /// <summary>The canonical name a requested tensor name was resolved to (null when it was not requested).</summary>
    public string? CanonicalOf(string tensorName) => _canonical.GetValueOrDefault(tensorName);

    /// <summary>The taps the options ask for; null when they ask for none (the pass then runs exactly as before).</summary>
    public static RelevanceTaps? Resolve(CanonicalGraph graph, IReadOnlyList<RelevanceStep> steps, LrpOptions options)
    {
        if (options.RelevanceOutputs is not { Count: > 0 } && options.ParameterRelevance is not { Count: > 0 } && options.Conditions is not { Count: > 0 })
        {
            return null;
        }

        var canonical = new Dictionary<string, string>(StringComparer.Ordinal);
        var recorded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (column, tensor) in options.RelevanceOutputs ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrWhiteSpace(column))
            {
                throw new LrpException("LrpOptions.RelevanceOutputs has an empty column name.");
            }

            var name = Canonical(graph, tensor, $"LrpOptions.RelevanceOutputs[\"{column}\"]");
            canonical[tensor] = name;
            canonical[name] = name;
            recorded.Add(name);
        }

        var conditions = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (tensor, channels) in options.Conditions ?? new Dictionary<string, int[]>())
        {
            var name = Canonical(graph, tensor, "LrpOptions.Conditions");
            if (channels is null || conditions.ContainsKey(name))
            {
                throw new LrpException($"LrpOptions.Conditions['{tensor}'] is null or names the same tensor as another entry.");
            }

            conditions[name] = channels;
        }

        CheckOnOnePath(graph, conditions.Keys.ToList());
        var parameters = ParameterTap.Resolve(graph, steps, options);
        return new RelevanceTaps(graph, canonical, recorded, conditions, parameters);
    }

    /// <summary>Learns each kept tensor's layout and checks the conditions' channels against it (after the shapes are learnt).</summary>
    public void Bind(ShapeTable shapes)
    {
        _shapes = shapes;
        foreach (var name in Kept)
        {
            var layout = TensorLayout.Of(Graph, shapes, name);
            Layouts[name] = layout;
            if (Conditions.TryGetValue(name, out var channels))
            {
                if (layout.ChannelAxis < 0)
                {
                    throw new LrpException($"LrpOptions.Conditions names the tensor '{name}' (shape [{string.Join(", ", shapes.Shape(name, 1))}]), which has no channel axis to condition on.");
                }

                int count = layout.RowShape[layout.ChannelAxis];
                foreach (int c in channels)
                {
                    if (c < 0 || c >= count)
                    {
                        throw new LrpException($"LrpOptions.Conditions['{name}'] names channel {c}; the tensor has {count} channels (axis {layout.ChannelAxis} of its row shape [{string.Join(", ", layout.RowShape)}]).");
                    }
                }
            }
        }

        foreach (var tap in Parameters.Values)
        {
            tap.Bind(shapes);
        }
    }

    /// <summary>The layout of any relevance tensor with a batch axis (kept or not); null when its shape is unknown or has no batch axis.</summary>
    public TensorLayout? LayoutOrNull(string name)
        => Layouts.TryGetValue(name, out var layout) ? layout
            : _shapes is not null && _shapes.Contains(name) && _shapes.BatchAxis(name) >= 0 ? TensorLayout.Of(Graph, _shapes, name) : null;

    private ShapeTable? _shapes;

    /// <summary>Checks that no fast-forwarded chain of a (stored) schedule runs through a kept tensor.</summary>
    public void CheckSchedule(RelevancePlan plan)
    {
        foreach (var action in plan.Schedule.Actions.Where(a => a.Kind == ScheduleActionKind.Relevance && a.Nodes.Count > 1))
        {
            foreach (int index in action.Nodes.Skip(1))
            {
                var inner = plan.Graph.RelevanceNodes[index];
                if (inner.Outputs.FirstOrDefault(Kept.Contains) is { } name)
                {
                    throw new LrpException($"The stored relevance schedule moves relevance past the tensor '{name}' in one step, so its relevance cannot be recorded or conditioned. Fit the model again with these options.");
                }
            }
        }
    }

    private static string Canonical(CanonicalGraph graph, string tensor, string option)
    {
        if (string.IsNullOrEmpty(tensor))
        {
            throw new LrpException($"{option} names an empty tensor.");
        }

        if (graph.IsRelevance(tensor))
        {
            return tensor;
        }

        // A Conv/Gemm output whose BatchNormalization was folded in: the merged node's output (Zennit's merged layer).
        if (graph.RelevanceNodes.FirstOrDefault(n => n.FoldedBatchNorm is not null && n.Source.Outputs[0] == tensor) is { } folded)
        {
            return folded.Outputs[0];
        }

        bool known = graph.Onnx.Producer(tensor) is not null || graph.Onnx.Inputs.Any(i => i.Name == tensor) || graph.Onnx.Initializers.ContainsKey(tensor);
        throw new LrpException(known
            ? $"{option} names the tensor '{tensor}', which carries no relevance: it does not lie on a path from the input '{graph.ExplainedInput}' to the output '{graph.ExplainedOutput}' through which relevance flows (constants, shapes, indices and gates carry none)."
            : $"{option} names the tensor '{tensor}', which is not in the model. Tensor names are the ONNX value names (a node's outputs), as Netron shows them.");
    }

    /// <summary>Conditions are ANDed along one path: each conditioned tensor must be an ancestor or a descendant of every other.</summary>
    private static void CheckOnOnePath(CanonicalGraph graph, List<string> tensors)
    {
        for (int i = 0; i < tensors.Count; i++)
        {
            for (int j = i + 1; j < tensors.Count; j++)
            {
                if (!Reaches(graph, tensors[i], tensors[j]) && !Reaches(graph, tensors[j], tensors[i]))
                {
                    throw new LrpException($"LrpOptions.Conditions names the tensors '{tensors[i]}' and '{tensors[j]}', which lie on parallel paths: only relevance that passes every conditioned tensor reaches the input, so nothing would. Condition tensors on one path, or explain them in separate calls.");
                }
            }
        }
    }

    /// <summary>True when relevance at <paramref name="to"/> can flow to <paramref name="from"/>: <paramref name="from"/> is an ancestor of it.</summary>
    private static bool Reaches(CanonicalGraph graph, string from, string to)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([to]);
        while (stack.Count > 0)
        {
            var value = stack.Pop();
            if (value == from)
            {
                return true;
            }

            if (seen.Add(value) && graph.RelevanceProducer(value) is { } producer)
            {
                foreach (var input in producer.Inputs.Where(graph.IsRelevance))
                {
                    stack.Push(input);
                }
            }
        }

        return false;
    }
}
