using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Graph.Folding;

/// <summary>
/// Constant folding: the values computed inside the graph from constants alone (a Transpose, Reshape, Mul, Cast or
/// DequantizeLinear of an initializer feeding a Conv or MatMul, a shape built from Constant nodes) are evaluated once,
/// when the graph is built, by ONNX Runtime itself: one session over the extracted constant subgraph, whose outputs
/// are the folded values that the rest of the graph reads. Every op is therefore folded with ONNX Runtime's exact
/// semantics. Nodes with subgraphs and non-deterministic ops are not folded; a folded value larger than
/// <see cref="MaxElementsPerValue"/> elements is skipped (its consumer then reports it by name).
/// </summary>
internal static class ConstantFolder
{
    /// <summary>The largest folded value kept (elements); larger ones are skipped, not held in memory.</summary>
    public const long MaxElementsPerValue = 1L << 26;

    /// <summary>Ops whose outputs differ between runs: never folded.</summary>
    public static bool IsNonDeterministic(OnnxNode node)
        => node.OpType is "RandomNormal" or "RandomUniform" or "RandomNormalLike" or "RandomUniformLike" or "Multinomial" or "Bernoulli";

    /// <summary>
    /// Folds every value of <paramref name="constantValues"/> (values that depend on no graph input) that a node outside
    /// the constant subgraph reads and that is neither an initializer nor a Constant node's value.
    /// </summary>
    /// <returns>The folded values by name, and for each value that was not folded the reason.</returns>
    public static (Dictionary<string, OnnxTensorData> Values, Dictionary<string, string> Skipped) Fold(OnnxModel model, IReadOnlySet<string> constantValues, IReadOnlySet<string> alreadyKnown)
    {
        var graph = model.Graph;
        var values = new Dictionary<string, OnnxTensorData>(StringComparer.Ordinal);
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);

        // The nodes that may be folded: every input constant and foldable, deterministic, no subgraph.
        var foldable = new HashSet<string>(alreadyKnown, StringComparer.Ordinal);
        var kept = new List<OnnxNode>();
        foreach (var node in graph.Nodes)
        {
            if (!node.Outputs.Any(o => o.Length > 0 && constantValues.Contains(o) && !alreadyKnown.Contains(o)))
            {
                continue;
            }

            string? reason = IsNonDeterministic(node) ? "its op is not deterministic"
                : node.Attributes.Values.Any(a => a.Kind == OnnxAttributeKind.Graph) ? "its op has a subgraph"
                : node.Inputs.FirstOrDefault(i => i.Length > 0 && !foldable.Contains(i)) is { } missing ? $"its input '{missing}' is not folded"
                : null;
            if (reason is not null)
            {
                foreach (var o in node.Outputs.Where(o => o.Length > 0))
                {
                    skipped[o] = $"node '{node.Name}' ({node.OpType}) is not folded: {reason}";
                }

                continue;
            }

            kept.Add(node);
            foldable.UnionWith(node.Outputs.Where(o => o.Length > 0));
        }

        // The folded values the rest of the graph reads.
        var keptSet = kept.ToHashSet();
        var wanted = kept.SelectMany(n => n.Outputs).Where(o => o.Length > 0 && !skipped.ContainsKey(o)
            && (graph.IsGraphOutput(o) || graph.Consumers(o).Any(c => !keptSet.Contains(c)))).Distinct().ToArray();
        if (wanted.Length == 0)
        {
            return (values, skipped);
        }

        byte[] foldModel = BuildModel(model, kept, wanted);
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
            using var session = new InferenceSession(foldModel, options);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, Array.Empty<string>(), Array.Empty<OrtValue>(), wanted);
            int i = 0;
            foreach (var value in results)
            {
                string name = wanted[i++];
                var data = FoldedTensor.Read(name, value, out string? why);
                if (data is null)
                {
                    skipped[name] = $"the folded value '{name}' {why}";
                }
                else
                {
                    values[name] = data;
                }
            }
        }
        catch (OnnxRuntimeException ex)
        {
            foreach (var name in wanted)
            {
                skipped[name] = $"ONNX Runtime could not fold the constant subgraph of {kept.Count} nodes ({ex.Message})";
            }
        }

        return (values, skipped);
    }

    /// <summary>The model that computes <paramref name="outputs"/> from the kept nodes and the initializers they read.</summary>
    private static byte[] BuildModel(OnnxModel model, IReadOnlyList<OnnxNode> kept, IReadOnlyList<string> outputs)
    {
        var source = ModelProto.Parser.ParseFrom(model.ToBytes(new OnnxWriteOptions()));
        var byFirstOutput = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in source.Graph.Node)
        {
            if (node.Output.FirstOrDefault(o => o.Length > 0) is { } first)
            {
                byFirstOutput.TryAdd(first, node);
            }
        }

        var graph = new GraphProto { Name = "lrp_constant_folding" };
        var read = new HashSet<string>(StringComparer.Ordinal);
        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in kept)
        {
            read.UnionWith(node.Inputs);
            produced.UnionWith(node.Outputs);
        }

        // Constant nodes the kept nodes read (their values are known, so they are not among the kept nodes) come first.
        foreach (var name in read.Where(n => n.Length > 0 && !produced.Contains(n) && !model.Graph.Initializers.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            if (byFirstOutput.TryGetValue(name, out var constant) && constant.OpType == "Constant" && constant.Domain.Length == 0)
            {
                graph.Node.Add(constant);
            }
        }

        foreach (var node in kept)
        {
            graph.Node.Add(byFirstOutput[node.Outputs.First(o => o.Length > 0)]);
        }

        foreach (var (name, tensor) in model.Graph.Initializers)
        {
            if (read.Contains(name))
            {
                graph.Initializer.Add(Inline(tensor));
            }
        }

        foreach (var name in outputs)
        {
            graph.Output.Add(new ValueInfoProto { Name = name });
        }

        var folded = new ModelProto { IrVersion = Math.Max(source.IrVersion, 4), Graph = graph, ProducerName = "Microsoft.ML.Lrp" };
        folded.OpsetImport.AddRange(source.OpsetImport);
        return folded.ToByteArray();
    }

    /// <summary>The initializer with its bytes in the model (external data was read when the model was loaded).</summary>
    private static TensorProto Inline(OnnxTensorData tensor)
    {
        if (tensor.Raw is not { } raw)
        {
            return tensor.Proto;
        }

        var copy = new TensorProto { Name = tensor.Name, DataType = (int)tensor.ElementType, RawData = ByteString.CopyFrom(raw.Span) };
        copy.Dims.AddRange(tensor.Dims);
        return copy;
    }
}
