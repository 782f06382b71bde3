using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Reference.ReferenceGraph;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The reference's relevance pass: nodes in reverse order, each sending the relevance at its outputs to its
/// activation inputs by the rule of RULES.md (linear rules, folded BatchNormalization, Pass, routing adjoints,
/// winner-takes-all, Norm).
/// </summary>
internal sealed class ReferenceBackward
{
    private readonly ReferenceGraph graph;
    private readonly ReferenceForward forward;
    private readonly ReferenceOptions options;
    private readonly ReferenceComposite composite;
    private readonly string inputName;
    private readonly Dictionary<NodeProto, NodeProto> foldedBatchNorm = [];
    private readonly ReferenceTransformerBackward transformer;
    private ReferenceForward? lowForward;
    private ReferenceForward? highForward;

    /// <summary>Prepares the pass (composite, BatchNormalization folds).</summary>
    public ReferenceBackward(ReferenceGraph graph, ReferenceForward forward, ReferenceOptions options, string inputName)
    {
        this.graph = graph;
        this.forward = forward;
        this.options = options;
        this.inputName = inputName;
        composite = new ReferenceComposite(graph, options, inputName, forward.Activations);
        transformer = new ReferenceTransformerBackward(graph, forward, options, AddTo, r => Absorbed += r);
        foreach (var bn in graph.Nodes.Where(n => n.OpType == "BatchNormalization"))
        {
            var producer = graph.Nodes.FirstOrDefault(n => n.Output.Contains(bn.Input[0]));
            if (producer is not null && producer.OpType is "Conv" or "ConvTranspose" or "Gemm"
                && graph.Nodes.Count(n => n.Input.Contains(bn.Input[0])) == 1 && !graph.Outputs.Contains(bn.Input[0]))
            {
                foldedBatchNorm[producer] = bn;
            }
        }
    }

    /// <summary>The relevance at every value reached so far.</summary>
    public Dictionary<string, double[]> Relevance { get; } = [];

    /// <summary>Relevance given to biases, constants and padding.</summary>
    public double Absorbed { get; private set; }

    /// <summary>Runs the pass from the seeded output relevance.</summary>
    public void Run(string outputName, double[] seed)
    {
        transformer.OutputName = outputName;
        Relevance[outputName] = seed;
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            Propagate(graph.Nodes[i]);
        }
    }

    private ReferenceTensor? Value(string name) => name.Length == 0 ? null : forward.Values[name];

    private double[]? Target(string name)
    {
        if (!forward.Activations.Contains(name))
        {
            return null;
        }

        if (!Relevance.TryGetValue(name, out var r))
        {
            r = new double[forward.Values[name].Size];
            Relevance[name] = r;
        }

        return r;
    }

    private void AddTo(string name, double[] r)
    {
        if (Target(name) is { } target)
        {
            for (int i = 0; i < r.Length; i++)
            {
                target[i] += r[i];
            }
        }
        else
        {
            Absorbed += r.Sum();
        }
    }

    private void Propagate(NodeProto node)
    {
        var rOut = node.Output.Select(o => Relevance.GetValueOrDefault(o)).ToArray();
        if (rOut.All(r => r is null))
        {
            return;
        }

        if (rOut[0] is { } r0 && transformer.TryPropagate(node, r0))
        {
            return;
        }

        if (foldedBatchNorm.ContainsValue(node))
        {
            AddTo(node.Input[0], rOut[0]!);
        }
        else if (ReferenceNodeMaps.LinearOpTypes.Contains(node.OpType))
        {
            Linear(node, rOut[0]!);
        }
        else if (RoutingMapBuilder.OpTypes.Contains(node.OpType))
        {
            var inputs = node.Input.Select(Value).ToList();
            var targets = node.Input.Select(Target).ToList();
            for (int k = 0; k < rOut.Length; k++)
            {
                if (rOut[k] is not { } r)
                {
                    continue;
                }

                var map = RoutingMapBuilder.Build(node, inputs, graph.Opset, k);
                map.Adjoint(r, targets);
                Absorbed += r.Where((_, o) => map.Operand[o] < 0 || targets[map.Operand[o]] is null).Sum();
            }
        }
        else if (node.OpType is "Add" or "Sum" or "Sub")
        {
            Norm(node, rOut[0]!);
        }
        else if (node.OpType is "Mul" or "Div" || ReferenceComposite.PassOpTypes.Contains(node.OpType))
        {
            Pass(node, rOut[0]!);
        }
        else if (node.OpType is not ("Shape" or "Constant"))
        {
            throw new NotSupportedException($"The reference has no relevance rule for {Describe(node)}.");
        }
    }

    private void Linear(NodeProto node, double[] r)
    {
        var (map, input) = ReferenceNodeMaps.Build(node, Value, forward.Activations.Contains);
        if (foldedBatchNorm.TryGetValue(node, out var bn))
        {
            double epsilon = Float(bn, "epsilon", 1e-5);
            var scale = Value(bn.Input[1])!.Data;
            var shift = Value(bn.Input[2])!.Data;
            var mean = Value(bn.Input[3])!.Data;
            var variance = Value(bn.Input[4])!.Data;
            int channels = map.OutputShape[1];
            int inner = map.OutputSize / (map.OutputShape[0] * channels);
            double Factor(int o) => scale[(o / inner) % channels] / Math.Sqrt(variance[(o / inner) % channels] + epsilon);
            map.ScaleOutputs(Factor, o => shift[(o / inner) % channels] - (mean[(o / inner) % channels] * Factor(o)));
        }

        var (rule, optionBounds) = composite.RuleFor(node);
        double[]? low = null;
        double[]? high = null;
        if (rule.Kind == LrpRuleKind.ZBox)
        {
            low = optionBounds ? Bound(input, true) : Enumerable.Repeat((double)rule.Low, map.InputSize).ToArray();
            high = optionBounds ? Bound(input, false) : Enumerable.Repeat((double)rule.High, map.InputSize).ToArray();
        }

        var (relevance, biasShare) = ReferenceLinearRules.Apply(rule, map, Value(input)!.Data, r, options.Epsilon, low, high);
        Absorbed += biasShare;
        AddTo(input, relevance);
    }

    private void Norm(NodeProto node, double[] r)
    {
        var (rule, _) = composite.RuleFor(node);
        if (rule.Kind is not (LrpRuleKind.Norm or LrpRuleKind.Epsilon))
        {
            throw new NotSupportedException($"The reference applies only Norm or Epsilon to {Describe(node)}, not {rule}.");
        }

        double epsilon = rule.Kind == LrpRuleKind.Epsilon && !float.IsNaN(rule.EpsilonValue) ? rule.EpsilonValue : options.Epsilon;
        var z = forward.Values[node.Output[0]];
        for (int j = 0; j < node.Input.Count; j++)
        {
            var x = Value(node.Input[j])!;
            double sign = node.OpType == "Sub" && j > 0 ? -1 : 1;
            var map = ReferenceTensor.BroadcastMap(x.Shape, z.Shape);
            var share = new double[x.Size];
            for (int o = 0; o < z.Size; o++)
            {
                share[map[o]] += sign * x.Data[map[o]] * r[o] / ReferenceLinearRules.Stab(z.Data[o], epsilon);
            }

            AddTo(node.Input[j], share);
        }
    }

    private void Pass(NodeProto node, double[] r)
    {
        var (rule, _) = composite.RuleFor(node);
        if (rule.Kind != LrpRuleKind.Pass)
        {
            throw new NotSupportedException($"The reference applies only Pass to {Describe(node)}, not {rule}.");
        }

        var activation = node.Input.Where(forward.Activations.Contains).ToList();
        if (activation.Count != 1 || (node.OpType == "Div" && node.Input[0] != activation[0]))
        {
            throw new NotSupportedException($"The reference passes relevance through {Describe(node)} only with one activation (a numerator).");
        }

        var x = forward.Values[activation[0]];
        var map = ReferenceTensor.BroadcastMap(x.Shape, forward.Values[node.Output[0]].Shape);
        var share = new double[x.Size];
        for (int o = 0; o < r.Length; o++)
        {
            share[map[o]] += r[o];
        }

        AddTo(activation[0], share);
    }

    private double[] Bound(string value, bool lower)
    {
        var bound = (lower ? options.InputLowerBound : options.InputUpperBound)
            ?? throw new ArgumentException("EpsilonGammaBox needs InputLowerBound and InputUpperBound.");
        var input = forward.Values[inputName];
        int size = input.Size;
        int rowSize = size / input.Shape[0];
        int channels = input.Shape.Length > 1 ? input.Shape[1] : 1;
        int inner = input.Shape.Length > 1 ? rowSize / channels : 1;
        var full = new double[size];
        for (int i = 0; i < size; i++)
        {
            full[i] = bound.Length switch
            {
                1 => bound[0],
                _ when bound.Length == size => bound[i],
                _ when bound.Length == rowSize => bound[i % rowSize],
                _ when bound.Length == channels => bound[(i / inner) % channels],
                _ => throw new ArgumentException($"A bound of {bound.Length} values fits neither a scalar, the channels, a row nor the input."),
            };
        }

        ref var pass = ref lower ? ref lowForward : ref highForward;
        pass ??= new ReferenceForward(graph, inputName, new ReferenceTensor(input.Shape, full));
        return pass.Values[value].Data;
    }
}
