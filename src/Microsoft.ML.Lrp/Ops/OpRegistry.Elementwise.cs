using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>Rows of element-wise and reduction ops other than the activations and sums of the main table.</summary>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> ElementwiseRows() =>
    [
        new OpInfo("Max") { Rule = SingleOperandPass },
        new OpInfo("Min") { Rule = SingleOperandPass },
        new OpInfo("Mean") { Rule = SingleOperandPass },
        new OpInfo("Pow") { DataInput = FirstOnly, Replay = new OpReplay((n, g) => g.Constants.Contains(n.Inputs[1]), i => ReplayTransformer.Pow(i, i.OutputShape), PerOutput(1.5)) },
        new OpInfo("Erf") { Replay = Unary(4) },
        new OpInfo("Exp") { Replay = Unary(4) },
        new OpInfo("Sqrt") { Replay = Unary() },
        new OpInfo("Reciprocal") { Replay = Unary() },
        new OpInfo("Abs") { Replay = Unary() },
        .. FirstInputOnly("ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"),
    ];

    private static OpRuleDecision SingleOperandPass(OpRuleQuery q)
        => q.Node.Inputs.Count == 1 ? OpRuleDecision.Of(RuleFamily.Pass) : OpRuleDecision.Refuse("of several operands");
}
