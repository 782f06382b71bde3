using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Rules.Linear;
using Microsoft.ML.Lrp.Rules.Transformer;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>The rows of the registry: one per op type (RULES.md gives each rule's formula).</summary>
internal static partial class OpRegistry
{
    private static Dictionary<string, OpInfo> BuildRows()
    {
        OpInfo[] rows =
        [
            // Element-wise activations: identity through the non-linearity (Pass).
            Pass("Relu") with { Replay = Unary() },
            Pass("LeakyRelu") with { Replay = Unary() },
            Pass("PRelu") with { DataInput = FirstOnly },
            Pass("Elu") with { Replay = Transcendental() },
            Pass("Selu"),
            Pass("Celu"),
            Pass("Sigmoid") with { Replay = Transcendental() },
            Pass("HardSigmoid") with { Replay = Unary() },
            Pass("HardSwish"),
            Pass("Tanh") with { Replay = Transcendental() },
            Pass("Gelu"),
            Pass("Softplus") with { Replay = Transcendental() },
            Pass("Softsign"),
            Pass("ThresholdedRelu"),
            Pass("Neg") with { Replay = Unary() },
            Pass("Clip") with { DataInput = FirstOnly, Replay = Unary() },
            Pass("InstanceNormalization") with { DataInput = FirstOnly },
            Pass("BatchNormalization") with
            {
                DataInput = FirstOnly,
                DataOutput = FirstOnlyOutput,
                Replay = new OpReplay(
                    (n, g) => n.Source.GetInt("training_mode", 0) == 0 && n.Inputs.Skip(1).Take(4).All(g.Constants.Contains),
                    ReplayElementwise.BatchNormalization,
                    PerOutput(2)),
            },

            // Reshapes and identities: Pass; replayed as views.
            Pass("Identity") with { ShapeOnly = true, Replay = View() },
            Pass("Dropout") with { ShapeOnly = true, DataInput = FirstOnly, DataOutput = FirstOnlyOutput, Replay = View() },
            Pass("Reshape") with { ShapeOnly = true, DataInput = FirstOnly, Replay = View() },
            Pass("Flatten") with { ShapeOnly = true, Replay = View() },
            Pass("Squeeze") with { ShapeOnly = true, DataInput = FirstOnly, Replay = View() },
            Pass("Unsqueeze") with { ShapeOnly = true, DataInput = FirstOnly, Replay = View() },
            Pass("Cast") with
            {
                ShapeOnly = true,
                SidePathOnly = n => !IsFloat((OnnxElementType)n.GetInt("to", (long)OnnxElementType.Float)),
                Replay = View() with { Applies = (n, _) => (OnnxElementType)n.Source.GetInt("to", (long)OnnxElementType.Float) == OnnxElementType.Float },
            },

            // Data movement: relevance routed back to the copied elements.
            Family("Transpose", RuleFamily.Routing) with { ShapeOnly = true, Replay = Route() },
            Family("Slice", RuleFamily.Routing) with { BeforeFirstLayer = true, DataInput = FirstOnly, Replay = Route() },
            Family("Pad", RuleFamily.Routing) with
            {
                BeforeFirstLayer = true,
                DataInput = FirstOnly,
                Replay = Route() with { Applies = (n, g) => n.Inputs.Count < 3 || n.Inputs[2].Length == 0 || g.Constants.Contains(n.Inputs[2]) },
            },
            Family("Expand", RuleFamily.Routing) with { BeforeFirstLayer = true, DataInput = FirstOnly, Replay = Route() },
            Family("Tile", RuleFamily.Routing) with { BeforeFirstLayer = true, DataInput = FirstOnly, Replay = Route() },
            Family("Gather", RuleFamily.Routing) with
            {
                BeforeFirstLayer = true,
                DataInput = FirstOnly,
                // Constant indices, or indices the caller feeds (token ids, token types): an embedding lookup.
                Replay = Route() with { Applies = (n, g) => n.Inputs.Count > 1 && (g.Constants.Contains(n.Inputs[1]) || g.Onnx.Inputs.Any(i => i.Name == n.Inputs[1])) },
            },
            Family("Concat", RuleFamily.Concat) with { BeforeFirstLayer = true, Replay = new OpReplay(Always, i => ReplayMovement.Concat(i, i.OutputShape), PerOutput(1)) },
            Family("Split", RuleFamily.Split) with { BeforeFirstLayer = true, DataInput = FirstOnly },

            // Linear layers (the composite chooses Epsilon, ZPlus, AlphaBeta, Gamma, Flat, WSquare or ZBox).
            Family("Gemm", RuleFamily.Linear) with { WeightedProduct = true },
            Family("Conv", RuleFamily.Linear) with { WeightedProduct = true },
            Family("ConvTranspose", RuleFamily.Linear) with { WeightedProduct = true },
            new OpInfo("MatMul") { WeightedProduct = true, Rule = MatMulRule },
            new OpInfo("Einsum") { WeightedProduct = true, Rule = EinsumRule },

            // Arithmetic.
            new OpInfo("Mul") { Rule = MulRule, Replay = Arithmetic() },
            new OpInfo("Div") { Rule = DivRule, Replay = Arithmetic() },
            Family("Add", RuleFamily.Norm) with { Replay = Arithmetic() },
            Family("Sub", RuleFamily.Norm) with { Replay = Arithmetic() },
            Family("Sum", RuleFamily.Norm) with { Replay = Arithmetic() },

            // Pooling and reductions.
            Family("AveragePool", RuleFamily.AverageNorm) with { Replay = Pool() },
            Family("GlobalAveragePool", RuleFamily.AverageNorm) with { Replay = Pool() },
            Family("ReduceMean", RuleFamily.AverageNorm) with { DataInput = FirstOnly },
            Family("ReduceSum", RuleFamily.AverageNorm) with { DataInput = FirstOnly },
            Family("MaxPool", RuleFamily.WinnerTakesAll) with { DataOutput = FirstOnlyOutput, Replay = Pool() },
            Family("GlobalMaxPool", RuleFamily.WinnerTakesAll) with { Replay = Pool() },

            // Transformer rows (AttnLRP; RULES.md "Transformers").
            new OpInfo("Softmax")
            {
                Rule = q => q.Node.Outputs.Contains(q.Graph.ExplainedOutput)
                    ? OpRuleDecision.Of(RuleFamily.Pass)
                    : OpRuleDecision.Own(RuleFamily.Transformer, b => new AttnSoftmaxRule(b.Graph.Model.OpsetVersion < 13)),
                // Before opset 13 Softmax flattens from its axis; that agrees with the one-axis kernel on the last axis.
                Replay = new OpReplay((n, g) => g.Model.OpsetVersion >= 13 || n.Source.GetInt("axis", 1) == -1, ReplayTransformer.Softmax, PerOutput(4)),
            },
            new OpInfo("LogSoftmax")
            {
                Rule = q => q.Node.Outputs.Contains(q.Graph.ExplainedOutput)
                    ? OpRuleDecision.Of(RuleFamily.Pass)
                    : OpRuleDecision.Refuse("inside the network; only supported at the explained output"),
            },
            Transformer("LayerNormalization", _ => new LayerNormRule()) with
            {
                DataInput = FirstOnly,
                DataOutput = FirstOnlyOutput,
                Replay = new OpReplay(ConstantParameters, i => ReplayTransformer.LayerNormalization(i), PerOutput(5)),
            },
            Transformer("RMSNormalization", _ => new LayerNormRule(centered: false)) with
            {
                DataInput = FirstOnly,
                Replay = new OpReplay(ConstantParameters, i => ReplayTransformer.LayerNormalization(i, centered: false), PerOutput(5)),
            },
            Transformer("Where", _ => new WhereRule()) with
            {
                DataInput = (_, i) => i is 1 or 2,
                Replay = new OpReplay(Always, i => ReplayTransformer.Where(i, i.OutputShape), PerOutput(1.5)),
            },
            Transformer("Trilu", _ => new TriluRule()) with { DataInput = FirstOnly },
            Transformer("CumSum", _ => new CumSumRule()) with { DataInput = FirstOnly },
            Transformer("Sin", _ => new StopRule()),
            Transformer("Cos", _ => new StopRule()),

            // Integer, boolean and shape results: side paths.
            .. SideOnly("Shape", "Size", "ArgMax", "ArgMin", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not",
                "And", "Or", "Xor", "NonZero", "IsNaN", "IsInf", "ConstantOfShape", "Range"),
        ];

        // Each family of ops keeps its rows in a file of its own (OpRegistry.<Family>.cs); an op has exactly one row.
        return rows.Concat(ElementwiseRows()).Concat(UpsamplingRows()).Concat(IndexingRows()).Concat(RecurrentRows()).Concat(QuantizedRows()).Concat(AttentionRows())
            .ToDictionary(r => r.OpType, StringComparer.Ordinal);
    }

    // Methods, not static fields: the row table is built by a static initializer that may run before any other.
    private static bool FirstOnly(OnnxNode node, int index) => index == 0;

    private static bool FirstOnlyOutput(OnnxNode node, int index) => index == 0;

    private static bool Always(LrpNode node, CanonicalGraph graph) => true;

    private static bool ConstantParameters(LrpNode node, CanonicalGraph graph) => node.Inputs.Skip(1).Where(i => i.Length > 0).All(graph.Constants.Contains);

    private static OpInfo Pass(string opType) => Family(opType, RuleFamily.Pass);

    private static OpInfo Family(string opType, RuleFamily family) => new(opType) { Rule = _ => OpRuleDecision.Of(family) };

    private static OpInfo Transformer(string opType, Func<OpRuleBinding, IRelevanceRule> bind)
        => new(opType) { Rule = _ => OpRuleDecision.Own(RuleFamily.Transformer, bind) };

    private static IEnumerable<OpInfo> FirstInputOnly(params string[] opTypes) => opTypes.Select(op => new OpInfo(op) { DataInput = FirstOnly });

    private static IEnumerable<OpInfo> SideOnly(params string[] opTypes) => opTypes.Select(op => new OpInfo(op) { SidePathOnly = _ => true });

    private static bool IsFloat(OnnxElementType type) => type is OnnxElementType.Float or OnnxElementType.Double or OnnxElementType.Float16 or OnnxElementType.BFloat16;

    private static OpReplay Unary(double work = 1) => new(Always, ReplayElementwise.Unary, PerOutput(work));

    private static OpReplay View() => new(Always, i => i.Input(0).Reshape(i.OutputShape), (_, _) => 0);

    private static OpReplay Route() => new(Always, i => ReplayMovement.Route(i, i.OutputShape), PerOutput(2));

    private static OpReplay Arithmetic() => new(Always, i => ReplayElementwise.Arithmetic(i, i.OutputShape), PerOutput(1.5));

    private static OpReplay Pool() => new(
        (n, _) => n.OpType is "GlobalAveragePool" or "GlobalMaxPool" || (n.Source.GetInt("ceil_mode", 0) == 0 && n.Source.GetInts("kernel_shape") is not null),
        i => ReplayPooling.Pool(i, i.OutputShape),
        (n, shapes) => n.OpType is "GlobalAveragePool" or "GlobalMaxPool"
            ? (shapes.Contains(n.Inputs[0]) ? shapes.ElementsPerRow(n.Inputs[0]) : shapes.ElementsPerRow(n.Outputs[0]))
            : shapes.ElementsPerRow(n.Outputs[0]) * (double)n.Source.GetInts("kernel_shape")!.Aggregate(1L, (a, b) => a * b));

    private static Func<LrpNode, ShapeTable, double> PerOutput(double factor) => (n, shapes) => factor * shapes.ElementsPerRow(n.Outputs[0]);

    private static OpRuleDecision MatMulRule(OpRuleQuery q)
    {
        if (LinearLayerBuilder.IsDense(q.Node, q.Graph))
        {
            return OpRuleDecision.Of(RuleFamily.Linear);
        }

        return q.RelevanceInputs.Count > 0
            ? OpRuleDecision.Own(RuleFamily.Transformer, TransformerRules.BilinearMatMul)
            : OpRuleDecision.Refuse("of two activations");
    }

    private static OpRuleDecision EinsumRule(OpRuleQuery q)
        => EinsumEquation.Check(q.Node.Source.GetString("equation", ""), q.Node.Inputs.Count, out string? reason)
            ? OpRuleDecision.Own(RuleFamily.Transformer, TransformerRules.Einsum)
            : OpRuleDecision.Refuse(reason ?? "equation");

    private static OpRuleDecision MulRule(OpRuleQuery q) => q.RelevanceInputs.Count switch
    {
        2 => OpRuleDecision.Own(RuleFamily.Transformer, _ => new ProductSplitRule()),
        1 => OpRuleDecision.Of(RuleFamily.Pass, q.RelevanceInputs[0]),

        // On the relevance path with neither operand carrying relevance: a gate times a constant signal
        // (GateOperands), which absorbs the relevance (signal-take-all, Arras et al. 2017).
        _ => OpRuleDecision.Own(RuleFamily.Transformer, _ => new StopRule()),
    };

    /// <summary>
    /// Div: the numerator takes <c>R</c> (Pass). A denominator that is an activation is a gate (GateOperands keeps it off
    /// the relevance path): the conservative choice used for normalisers, since the quotient's relevance has no share
    /// that belongs to a divisor. A constant or side numerator over an activation (<c>c / x</c>) is <c>c · (1/x)</c>:
    /// Pass through Reciprocal, so the denominator takes <c>R</c>.
    /// </summary>
    private static OpRuleDecision DivRule(OpRuleQuery q)
        => q.RelevanceInputs.Contains(0) ? OpRuleDecision.Of(RuleFamily.Pass) : OpRuleDecision.Of(RuleFamily.Pass, 1);
}
