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
/// by equivalent subgraphs of primitive ai.onnx operators, before any value is classified or any rule chosen.
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
    public static OnnxModel Apply(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
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

        var rewritten = new List<NodeProto>(proto.Graph.Node.Count);
        foreach (NodeProto nodeProto in proto.Graph.Node)
        {
            OnnxNode? node = nodeProto.Output.FirstOrDefault(o => o.Length > 0) is { } first ? byFirstOutput.GetValueOrDefault(first) : null;
            IFusedOpDecomposer? decomposer = node is null ? null : FusedOpRegistry.Find(node);
            if (node is null || decomposer is null)
            {
                rewritten.Add(nodeProto);
                continue;
            }

            var builder = new FusedGraphBuilder(graph, node, opset, usedNames);
            decomposer.Decompose(builder);
            rewritten.AddRange(builder.Nodes);
            proto.Graph.Initializer.AddRange(builder.Initializers);
        }

        proto.Graph.Node.Clear();
        proto.Graph.Node.AddRange(rewritten);
        return OnnxModel.Load(proto.ToByteArray(), ExternalDataDirectory(model));
    }

    private static string? ExternalDataDirectory(OnnxModel model)
        => model.SourcePath is null ? null : Path.GetDirectoryName(model.SourcePath);
}
