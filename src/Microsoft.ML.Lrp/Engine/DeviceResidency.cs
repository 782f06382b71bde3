using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Rules.Indexing;
using Microsoft.ML.Lrp.Rules.Interpolation;
using Microsoft.ML.Lrp.Rules.Transformer;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Which plans may keep their tensors on a device backend between operations (<see cref="Backends.IRelevanceBackend.BeginPass"/>).
/// Device residency is only correct when every host read and write of a tensor is declared to the backend; a rule
/// that misses one reads stale host data silently on a GPU. So residency is opt-in per rule: a rule is listed here
/// once its host accesses are declared and a test network reaching it passes on ILGPU's CPU accelerator, where the
/// workspace poisons host copies and checks every declaration. A plan with any other rule runs without a workspace
/// (operands travel through host memory per call, as before): slower on a GPU, never wrong.
/// </summary>
internal static class DeviceResidency
{
    private static readonly HashSet<Type> AuditedRules =
    [
        typeof(AttnSoftmaxRule),
        typeof(AverageNormRule),
        typeof(BilinearMatMulRule),
        typeof(ConcatRule),
        typeof(CumSumRule),
        typeof(EinsumRule),
        typeof(EinsumUnaryRule),
        typeof(ElementwiseWinnerRule),
        typeof(GatherIndexedRule),
        typeof(InterpolationRule),
        typeof(LayerNormRule),
        typeof(Rules.Linear.LinearRule),
        typeof(NormRule),
        typeof(PassRule),
        typeof(ProductSplitRule),
        typeof(ReduceWinnerRule),
        typeof(RoutingRule),
        typeof(ScatterRule),
        typeof(SplitRule),
        typeof(StopRule),
        typeof(TokenEmbeddingRule),
        typeof(TopKRule),
        typeof(TriluRule),
        typeof(WhereRule),
        typeof(WinnerTakesAllRule),
    ];

    /// <summary>Whether every rule of <paramref name="plan"/> declares its host accesses (see the class summary).</summary>
    public static bool Audited(RelevancePlan plan) => plan.Steps.All(s => AuditedRules.Contains(s.Rule.GetType()));

    /// <summary>The rule types of <paramref name="plan"/> that keep it off the device workspace (for diagnostics and tests).</summary>
    public static IReadOnlyList<string> Unaudited(RelevancePlan plan)
        => [.. plan.Steps.Select(s => s.Rule.GetType()).Where(t => !AuditedRules.Contains(t)).Distinct().Select(t => t.Name).Order(StringComparer.Ordinal)];
}
