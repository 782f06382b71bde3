using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>
/// The one source of truth about ONNX operators: per op type of the default domain a row (<see cref="OpInfo"/>,
/// written in <c>OpRegistry.Table.cs</c>) that the graph analysis, the rule selector, the promise planner, the replay
/// kernels and the coverage report all read. The <c>ai.onnx.ml</c> operators keep their facts in
/// <see cref="OnnxMlCatalog"/> and their rules in <c>Rules/OnnxMl</c>, which this class consults for that domain.
/// Adding an op means adding one row here and, when its rule is new, one rule type.
/// </summary>
internal static partial class OpRegistry
{
    private static readonly Dictionary<string, OpInfo> Rows = BuildRows();

    /// <summary>The row of a default-domain op type; null for other domains and for ops the library knows nothing of.</summary>
    public static OpInfo? Find(OnnxNode node) => node.Domain.Length == 0 ? Rows.GetValueOrDefault(node.OpType) : null;

    /// <summary>The row of a default-domain op type, or null.</summary>
    public static OpInfo? Find(string opType) => Rows.GetValueOrDefault(opType);

    /// <summary>Every op type with a row (for reports and tests).</summary>
    public static IReadOnlyCollection<string> OpTypes => Rows.Keys;

    /// <summary>
    /// Whether input <paramref name="inputIndex"/> is a data operand through which relevance can flow (as opposed to a
    /// shape, an index, a bound or a scale).
    /// </summary>
    public static bool IsDataInput(OnnxNode node, int inputIndex)
    {
        if (OnnxMlCatalog.IsOnnxMl(node))
        {
            return OnnxMlCatalog.IsDataInput(node, inputIndex);
        }

        return Find(node)?.DataInput is not { } dataInput || dataInput(node, inputIndex);
    }

    /// <summary>Whether output <paramref name="outputIndex"/> can carry relevance (not an index, mask or statistic).</summary>
    public static bool IsDataOutput(OnnxNode node, int outputIndex)
    {
        if (OnnxMlCatalog.IsOnnxMl(node))
        {
            return OnnxMlCatalog.IsDataOutput(node, outputIndex);
        }

        return Find(node)?.DataOutput is not { } dataOutput || dataOutput(node, outputIndex);
    }

    /// <summary>Ops whose outputs never carry relevance (integer, boolean or shape results).</summary>
    public static bool ProducesSidePathOnly(OnnxNode node)
    {
        if (OnnxMlCatalog.IsOnnxMl(node))
        {
            return OnnxMlCatalog.ProducesSidePathOnly(node);
        }

        return Find(node)?.SidePathOnly is { } sideOnly && sideOnly(node);
    }

    /// <summary>Ops that only move or relabel data (the "shape-only operations" of the first-layer search).</summary>
    public static bool IsShapeOnly(string opType) => Find(opType)?.ShapeOnly == true;

    /// <summary>Whether the first-layer search walks through <paramref name="opType"/>.</summary>
    public static bool PassesBeforeFirstLayer(string opType) => Find(opType) is { } row && (row.ShapeOnly || row.BeforeFirstLayer);

    /// <summary>A product with weights: no gate is computed through one.</summary>
    public static bool IsWeightedProduct(OnnxNode node) => Find(node.OpType)?.WeightedProduct == true;

    /// <summary>True when <paramref name="node"/>'s first output can be rebuilt from its inputs by a replay kernel.</summary>
    public static bool CanReplay(LrpNode node, CanonicalGraph graph)
        => node.FoldedBatchNorm is null && Find(node.Source)?.Replay is { } replay && replay.Applies(node, graph);

    /// <summary>Estimated work of replaying <paramref name="node"/> for one row (element operations; a view costs nothing).</summary>
    public static double ReplayWork(LrpNode node, ShapeTable shapes) => ReplayOf(node).Work(node, shapes);

    /// <summary>Runs the replay kernel of the node in <paramref name="inputs"/> (its first output).</summary>
    public static Tensor Replay(ReplayInputs inputs) => ReplayOf(inputs.Node).Run(inputs);

    /// <summary>The rule decision for a node of the default domain; null when the op has no rule.</summary>
    public static OpRuleDecision? ChooseRule(OpRuleQuery query)
    {
        var node = query.Node.Source;
        if (Find(node) is not { Rule: { } rule })
        {
            return null;
        }

        // A malformed node (fewer inputs than the operator requires) is refused before any rule reads its inputs.
        int required = RequiredInputs.GetValueOrDefault(node.OpType, 1);
        int present = node.Inputs.Take(required).Count(i => i.Length > 0);
        return present < required
            ? OpRuleDecision.Refuse($"{present} of its {required} required inputs given")
            : rule(query);
    }

    /// <summary>The number of leading inputs the ONNX operator requires (1 when not listed).</summary>
    private static readonly Dictionary<string, int> RequiredInputs = new(StringComparer.Ordinal)
    {
        ["Gemm"] = 2, ["Conv"] = 2, ["ConvTranspose"] = 2, ["MatMul"] = 2, ["Add"] = 2, ["Sub"] = 2, ["Mul"] = 2, ["Div"] = 2,
        ["Pow"] = 2, ["BatchNormalization"] = 5, ["InstanceNormalization"] = 3, ["LayerNormalization"] = 2, ["RMSNormalization"] = 2,
        ["Where"] = 3, ["Gather"] = 2, ["GatherElements"] = 2, ["GatherND"] = 2, ["ScatterElements"] = 3, ["ScatterND"] = 3,
        ["Reshape"] = 2, ["Expand"] = 2, ["Tile"] = 2, ["TopK"] = 2, ["PRelu"] = 2, ["CumSum"] = 2, ["Trilu"] = 1,
        ["Resize"] = 1, ["GridSample"] = 2, ["RoiAlign"] = 3, ["QuantizeLinear"] = 2, ["DequantizeLinear"] = 2,
    };

    private static OpReplay ReplayOf(LrpNode node)
        => Find(node.Source)?.Replay ?? throw new InvalidOperationException($"No replay kernel for {node.OpType} (node '{node.Name}').");
}
