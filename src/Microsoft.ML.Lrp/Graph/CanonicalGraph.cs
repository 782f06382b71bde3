using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// The ONNX graph seen from one explained input and one explained output: every value classified
/// (<see cref="ValueKind"/>), the nodes on relevance paths in topological order, and BatchNormalization folded
/// into a preceding Conv/Gemm where RULES.md allows it.
/// </summary>
internal sealed class CanonicalGraph
{
    private readonly Dictionary<string, ValueKind> _kinds;
    private readonly Dictionary<string, LrpNode> _producers;

    private CanonicalGraph(OnnxModel model, string input, string output, ConstantStore constants, IReadOnlyList<LrpNode> nodes, Dictionary<string, ValueKind> kinds)
    {
        Model = model;
        ExplainedInput = input;
        ExplainedOutput = output;
        Constants = constants;
        RelevanceNodes = nodes;
        _kinds = kinds;
        _producers = new Dictionary<string, LrpNode>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var o in node.Outputs)
            {
                _producers[o] = node;
            }
        }
    }

    public OnnxModel Model { get; }

    public OnnxGraph Onnx => Model.Graph;

    public string ExplainedInput { get; }

    public string ExplainedOutput { get; }

    public ConstantStore Constants { get; }

    /// <summary>Nodes on a relevance path, topologically ordered (a folded BatchNormalization is not listed apart).</summary>
    public IReadOnlyList<LrpNode> RelevanceNodes { get; }

    public int FoldedBatchNorms => RelevanceNodes.Count(n => n.FoldedBatchNorm is not null);

    public ValueKind KindOf(string value) => value.Length == 0
        ? ValueKind.SidePath
        : _kinds.TryGetValue(value, out var k) ? k : ValueKind.SidePath;

    public bool IsRelevance(string value) => KindOf(value) == ValueKind.Relevance;

    public LrpNode? RelevanceProducer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>Relevance nodes that read <paramref name="value"/> as a relevance-carrying input, in topological order.</summary>
    /// <remarks>An index built once (a scan of every node per question made planning quadratic in the depth).</remarks>
    public IEnumerable<LrpNode> RelevanceConsumers(string value)
        => (_consumers ??= IndexConsumers()).TryGetValue(value, out var consumers) ? consumers : [];

    private Dictionary<string, List<LrpNode>>? _consumers;

    private Dictionary<string, List<LrpNode>> IndexConsumers()
    {
        var index = new Dictionary<string, List<LrpNode>>(StringComparer.Ordinal);
        foreach (var node in RelevanceNodes)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (!OpRegistry.IsDataInput(node.Source, i))
                {
                    continue;
                }

                if (!index.TryGetValue(node.Inputs[i], out var list))
                {
                    index[node.Inputs[i]] = list = [];
                }

                if (list.Count == 0 || list[^1] != node)
                {
                    list.Add(node);
                }
            }
        }

        return index;
    }

    public static CanonicalGraph Build(OnnxModel model, string inputName, string outputName)
    {
        var graph = model.Graph;
        // 1. Constants: known values and everything computed only from them.
        var constant = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in graph.Initializers.Keys)
        {
            constant.Add(name);
        }

        foreach (var node in graph.Nodes)
        {
            bool allConstant = node.Inputs.All(i => i.Length == 0 || constant.Contains(i));
            if (allConstant && !Folding.ConstantFolder.IsNonDeterministic(node))
            {
                foreach (var o in node.Outputs)
                {
                    constant.Add(o);
                }
            }
        }

        // Values computed from constants alone are folded once (ONNX Runtime evaluates the constant subgraph).
        var constants = new ConstantStore(model, constant);

        // 2. Values that depend on the explained input through data operands (token ids also through the views
        //    of them that reach an embedding lookup: TokenIdsChain).
        var ids = TokenIdsChain.Follow(graph, inputName, outputName, constant);
        var dependent = new HashSet<string>(StringComparer.Ordinal) { inputName };
        foreach (var node in graph.Nodes)
        {
            if (OpRegistry.ProducesSidePathOnly(node) && !TokenEmbedding.IsIdsLink(node, ids) && !Quantized.QuantizedCasts.CarriesQuantized(node, graph))
            {
                continue;
            }

            bool fed = node.Inputs.Where((name, i) => name.Length > 0 && OpRegistry.IsDataInput(node, i)).Any(dependent.Contains)
                || TokenEmbedding.IsLookup(node, ids, constant);
            if (!fed)
            {
                continue;
            }

            for (int o = 0; o < node.Outputs.Count; o++)
            {
                if (node.Outputs[o].Length > 0 && IsDataOutput(node, o))
                {
                    dependent.Add(node.Outputs[o]);
                }
            }
        }

        if (!dependent.Contains(outputName))
        {
            throw new LrpException($"The output '{outputName}' does not depend on the input '{inputName}' through any float operation, so it cannot be explained in terms of it. Choose another InputColumnName or OutputName.");
        }

        // 3. Walk back from the output: nodes that pass relevance from the output to the input (a gate of a Mul or
        //    the normaliser of a Div carries none: GateOperands).
        var needed = new HashSet<string>(StringComparer.Ordinal) { outputName };
        var onPath = new List<OnnxNode>();
        for (int n = graph.Nodes.Count - 1; n >= 0; n--)
        {
            var node = graph.Nodes[n];
            if (!node.Outputs.Any(o => o.Length > 0 && needed.Contains(o) && dependent.Contains(o)))
            {
                continue;
            }

            onPath.Add(node);
            if (TokenEmbedding.IsLookup(node, ids, constant))
            {
                needed.Add(node.Inputs[1]);
            }

            int gate = GateOperands.GateInput(node, graph, dependent.Contains);
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                var name = node.Inputs[i];
                if (name.Length > 0 && OpRegistry.IsDataInput(node, i) && dependent.Contains(name) && i != gate)
                {
                    needed.Add(name);
                }
            }
        }

        onPath.Reverse();

        var kinds = new Dictionary<string, ValueKind>(StringComparer.Ordinal);
        foreach (var name in needed.Where(dependent.Contains))
        {
            kinds[name] = ValueKind.Relevance;
        }

        foreach (var name in constant)
        {
            kinds.TryAdd(name, ValueKind.Constant);
        }

        // 4. Fold BatchNormalization into a Conv/Gemm whose output feeds nothing else.
        var foldedInto = new Dictionary<OnnxNode, OnnxNode>();
        var absorbed = new HashSet<OnnxNode>();
        foreach (var bn in onPath.Where(n => n.OpType == "BatchNormalization" && n.Domain.Length == 0))
        {
            var x = bn.Inputs[0];
            var producer = graph.Producer(x);
            if (producer is null || !(producer.OpType is "Conv" or "Gemm" or "ConvTranspose") || graph.Consumers(x).Count != 1 || graph.IsGraphOutput(x) || x == outputName)
            {
                continue;
            }

            if (bn.Inputs.Count < 5 || !bn.Inputs.Skip(1).Take(4).All(constants.Contains) || !producer.Inputs.Skip(1).Where(i => i.Length > 0).All(constants.Contains))
            {
                continue;
            }

            foldedInto[producer] = bn;
            absorbed.Add(bn);
        }

        var nodes = new List<LrpNode>();
        foreach (var node in onPath)
        {
            if (absorbed.Contains(node))
            {
                continue;
            }

            if (foldedInto.TryGetValue(node, out var bn))
            {
                kinds.Remove(node.Outputs[0]);
                nodes.Add(new LrpNode(node, [bn.Outputs[0]], bn));
            }
            else
            {
                nodes.Add(new LrpNode(node, node.Outputs, null));
            }
        }

        return new CanonicalGraph(model, inputName, outputName, constants, nodes, kinds);
    }

    /// <summary>Secondary outputs that are indices, masks or training statistics carry no relevance.</summary>
    private static bool IsDataOutput(OnnxNode node, int outputIndex) => OpRegistry.IsDataOutput(node, outputIndex);
}
