using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>Rows of element-wise and reduction ops other than the activations and sums of the main table.</summary>
/// <remarks>
/// The unary non-linearities here get the identity rule (Pass) when they lie on the relevance path, as AttnLRP does
/// for element-wise non-linearities (the identity rule of Achtibat et al., "AttnLRP: Attention-Aware Layer-Wise
/// Relevance Propagation for Transformers", ICML 2024). Reductions are not replayed: their outputs are small and cheap to capture (see the
/// ReplayCatalog note in git history, 1bca0e4).
/// </remarks>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> ElementwiseRows() =>
    [
        new OpInfo("Max") { Rule = q => WinnerPerElement(q, max: true), Replay = Extremum() },
        new OpInfo("Min") { Rule = q => WinnerPerElement(q, max: false), Replay = Extremum() },

        // Norm like Sum: R_i = (x_i / n) · R / stab(mean) (NormRule scales its stabiliser by n for Mean).
        new OpInfo("Mean") { Rule = q => q.Node.Inputs.Count == 1 ? OpRuleDecision.Of(RuleFamily.Pass) : OpRuleDecision.Of(RuleFamily.Norm) },

        // Pow: the exponent is never a data input. An activation exponent is held as a parameter (no relevance) and the base
        // takes R: a^b has no additive split into a share of a and a share of b, and holding b fixed, like the gates and
        // normalisers, keeps the node conservative. A constant exponent is an element-wise non-linearity (Pass).
        Pass("Pow") with { DataInput = FirstOnly, Replay = new OpReplay((n, g) => g.Constants.Contains(n.Inputs[1]), i => ReplayTransformer.Pow(i, i.OutputShape), PerOutput(1.5)) },
        Pass("Erf") with { Replay = Unary(4) },
        Pass("Exp") with { Replay = Unary(4) },
        Pass("Log") with { Replay = new OpReplay(Always, ReplayMath.Log, PerOutput(4)) },
        Pass("Sqrt") with { Replay = Unary() },
        Pass("Reciprocal") with { Replay = Unary() },
        Pass("Abs") with { Replay = Unary() },
        new OpInfo("ReduceMax") { DataInput = FirstOnly, Rule = _ => OpRuleDecision.Own(b => new ReduceWinnerRule(max: true)) },
        new OpInfo("ReduceMin") { DataInput = FirstOnly, Rule = _ => OpRuleDecision.Own(b => new ReduceWinnerRule(max: false)) },
        .. FirstInputOnly("ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"),
    ];

    /// <summary>Max/Min: one operand is an identity (Pass); several take winner-takes-all per element.</summary>
    private static OpRuleDecision WinnerPerElement(OpRuleQuery q, bool max)
        => q.Node.Inputs.Count == 1 ? OpRuleDecision.Of(RuleFamily.Pass) : OpRuleDecision.Own(_ => new ElementwiseWinnerRule(max));

    private static OpReplay Extremum()
        => new(Always, i => ReplayMath.Extremum(i, i.OutputShape), (n, shapes) => n.Inputs.Count * (double)shapes.ElementsPerRow(n.Outputs[0]));
}
