using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// Replaces ONNX Runtime's fused transformer operators (com.microsoft Attention, MultiHeadAttention,
/// SkipLayerNormalization, SkipSimplifiedLayerNormalization, SimplifiedLayerNormalization, FastGelu, BiasGelu, Gelu,
/// QuickGelu, EmbedLayerNormalization, FusedMatMul, RotaryEmbedding, GroupQueryAttention, and the FusedGemm/FusedConv that
/// ONNX Runtime's own extended-level optimiser writes), the opset-23 default-domain Attention and RotaryEmbedding,
/// Einsums of three or more operands (a chain of two-operand Einsums) and DFT/STFT (a MatMul with the Fourier matrix)
/// by equivalent subgraphs of primitive ai.onnx operators, before any value is classified or any rule chosen. The same
/// rewrite unrolls the recurrent ops LSTM, GRU and RNN over their time steps, inlines the control-flow ops If, Loop and
/// Scan (Graph/Recurrent), and turns quantized ops into DequantizeLinear → float op → QuantizeLinear (Graph/Quantized).
/// </summary>
/// <remarks>
/// <para>
/// Design: the rewrite produces a new <see cref="OnnxModel"/>, and that decomposed model is the one everything
/// downstream sees: the canonical graph, the rule selection, the planner, and ONNX Runtime, which runs the
/// decomposed graph. Every internal activation of a fused op (the Q, K and V heads, the attention scores and
/// probabilities, the residual sum before a normalisation, the GELU gate) is then an ordinary node output that the
/// plan can capture, or that a promise can later rebuild from a captured ancestor. The decomposed graph computes
/// the same outputs as the fused one to float rounding (the tests compare both in ONNX Runtime); it runs somewhat
/// slower than the fused kernels, which is the price of explaining it.
/// </para>
/// <para>
/// The fused node's outputs keep their names, so graph outputs, option names (<c>OutputName</c>, rule overrides by
/// node name of the other nodes) and consumers are unaffected; the new nodes are named "{fused node}/{op}_k".
/// Forms a decomposition does not cover (Attention's past state, packed QKV, rotary inside Attention,
/// transposed batch dimensions, ...) raise an <see cref="LrpException"/> that names the node, its op type and the
/// attribute or input.
/// </para>
/// </remarks>
internal static class FusedOpDecomposition
{
    /// <summary>The default-domain opset imported when a model imports none (it then used only fused ops).</summary>
    private const int DefaultOpset = 17;

    /// <summary>True when <paramref name="model"/> has a node that <see cref="Apply"/> rewrites.</summary>
    public static bool HasFusedOps(OnnxModel model) => model.Graph.Nodes.Any(n => FusedOpRegistry.Find(n) is not null);

    /// <summary>
    /// The model with every supported fused node decomposed; <paramref name="model"/> itself when it has none.
    /// External data of a model loaded from a file stays where it was (the new model reads it from the same folder);
    /// that of a model loaded from bytes is inlined.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="inputRowShapes">Per-row shapes of model inputs (every dim but the batch), by input name, for the
    /// sequence lengths the recurrent unrolling needs; may be null.</param>
    /// <param name="learntRanks">Ranks of values the model does not declare, learnt by running it
    /// (<see cref="ValuesNeedingRank"/>), for FusedMatMul's transA/transB; may be null.</param>
    public static OnnxModel Apply(OnnxModel model, IReadOnlyDictionary<string, int[]>? inputRowShapes = null, IReadOnlyDictionary<string, int>? learntRanks = null)
    {
        ArgumentNullException.ThrowIfNull(model);

        // Ops copied out of an If branch or a Loop/Scan body (a recurrent op in a loop body) are rewritten by the next pass.
        for (int pass = 0; pass < MaxPasses && HasFusedOps(model); pass++)
        {
            model = ApplyOnce(model, inputRowShapes, learntRanks);
        }

        return model;
    }

    /// <summary>The most rewriting passes (each inlines one level of control flow).</summary>
    private const int MaxPasses = 4;

    private static OnnxModel ApplyOnce(OnnxModel model, IReadOnlyDictionary<string, int[]>? inputRowShapes, IReadOnlyDictionary<string, int>? learntRanks)
    {
        if (!HasFusedOps(model))
        {
            return model;
        }

        OnnxGraph graph = model.Graph;
        int opset = model.OpsetVersion > 0 ? model.OpsetVersion : DefaultOpset;
        ModelProto proto = ModelProto.Parser.ParseFrom(model.ToBytes(new OnnxWriteOptions { InlineExternalData = model.SourcePath is null }));
        if (model.OpsetVersion == 0)
        {
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = DefaultOpset });
        }

        var byFirstOutput = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        var usedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (OnnxNode node in graph.Nodes)
        {
            usedNames.Add(node.Name);
            usedNames.UnionWith(node.Inputs);
            usedNames.UnionWith(node.Outputs);
            if (node.Outputs.FirstOrDefault(o => o.Length > 0) is { } first)
            {
                byFirstOutput.TryAdd(first, node);
            }
        }

        usedNames.UnionWith(graph.Initializers.Keys);
        usedNames.UnionWith(graph.ValueInfos.Keys);

        var shapes = new Recurrent.StaticShapes(graph, inputRowShapes);
        var subgraphReads = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeProto nodeProto in proto.Graph.Node)
        {
            CollectSubgraphReads(nodeProto, subgraphReads);
        }

        var rewritten = new List<NodeProto>(proto.Graph.Node.Count);
        var retyped = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeProto nodeProto in proto.Graph.Node)
        {
            OnnxNode? node = nodeProto.Output.FirstOrDefault(o => o.Length > 0) is { } first ? byFirstOutput.GetValueOrDefault(first) : null;
            IFusedOpDecomposer? decomposer = node is null ? null : FusedOpRegistry.Find(node);
            if (node is null || decomposer is null)
            {
                rewritten.Add(nodeProto);
                continue;
            }

            var builder = new FusedGraphBuilder(graph, node, opset, usedNames, learntRanks) { Shapes = shapes, Proto = nodeProto, SubgraphReads = subgraphReads };
            decomposer.Decompose(builder);
            rewritten.AddRange(builder.Nodes);
            proto.Graph.Initializer.AddRange(builder.Initializers);
            retyped.UnionWith(builder.RetypedOutputs);
        }

        foreach (ValueInfoProto info in proto.Graph.ValueInfo.Where(v => retyped.Contains(v.Name)).ToList())
        {
            proto.Graph.ValueInfo.Remove(info);
        }

        proto.Graph.Node.Clear();
        proto.Graph.Node.AddRange(rewritten);
        return OnnxModel.Load(proto.ToByteArray(), ExternalDataDirectory(model));
    }

    /// <summary>
    /// Values whose rank a decomposition needs but the model does not declare (operands of FusedMatMul with transA,
    /// transB, transBatchA or transBatchB): the explainer learns them from a run of the original model and passes them to <see cref="Apply"/>.
    /// </summary>
    public static IReadOnlyList<string> ValuesNeedingRank(OnnxModel model)
    {
        var needed = new List<string>();
        foreach (OnnxNode node in model.Graph.Nodes.Where(n => n.OpType == "FusedMatMul" && FusedOpRegistry.Find(n) is not null))
        {
            var builder = new FusedGraphBuilder(model.Graph, node, model.OpsetVersion, []);
            bool batch = node.GetInt("transBatchA", 0) != 0 || node.GetInt("transBatchB", 0) != 0;
            foreach (int index in (int[])[0, 1])
            {
                if ((batch || FusedMatMulDecomposer.Permutes(node, index)) && builder.Rank(builder.Input(index)) is null)
                {
                    needed.Add(builder.Input(index));
                }
            }
        }

        return [.. needed.Distinct()];
    }

    /// <summary>Every name the subgraphs of <paramref name="node"/> read or return (outer-scope references included), recursively.</summary>
    private static void CollectSubgraphReads(NodeProto node, HashSet<string> reads)
    {
        foreach (AttributeProto attribute in node.Attribute)
        {
            foreach (GraphProto subgraph in attribute.G is null ? attribute.Graphs : attribute.Graphs.Append(attribute.G))
            {
                reads.UnionWith(subgraph.Output.Select(o => o.Name));
                foreach (NodeProto inner in subgraph.Node)
                {
                    reads.UnionWith(inner.Input);
                    CollectSubgraphReads(inner, reads);
                }
            }
        }
    }

    private static string? ExternalDataDirectory(OnnxModel model)
        => model.SourcePath is null ? null : Path.GetDirectoryName(model.SourcePath);
}
