using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>
/// Everything the library knows about one ONNX operator (one row of <see cref="OpRegistry"/>): which inputs carry
/// data, whether its outputs can carry relevance, how it takes part in graph analysis, the rule it gets, and whether
/// and how a promise may replay it. An op without a row has data in every input, no rule and no replay.
/// </summary>
internal sealed record OpInfo(string OpType)
{
    /// <summary>Which inputs are data operands (relevance can flow through them); null: all of them.</summary>
    public Func<OnnxNode, int, bool>? DataInput { get; init; }

    /// <summary>Which outputs can carry relevance (others are indices, masks, statistics); null: all of them.</summary>
    public Func<OnnxNode, int, bool>? DataOutput { get; init; }

    /// <summary>Whether the node's outputs are integers, booleans or shapes (never relevance); null: never.</summary>
    public Func<OnnxNode, bool>? SidePathOnly { get; init; }

    /// <summary>The op only moves or relabels data (reshapes, transposes, identities, float casts).</summary>
    public bool ShapeOnly { get; init; }

    /// <summary>The first-layer search walks through the op (it moves data without weighting it).</summary>
    public bool BeforeFirstLayer { get; init; }

    /// <summary>A product with weights (Gemm, Conv, MatMul, Einsum…): a gate is never computed through one.</summary>
    public bool WeightedProduct { get; init; }

    /// <summary>How the op's rule is chosen; null: no rule (the op is refused on a relevance path).</summary>
    public Func<OpRuleQuery, OpRuleDecision>? Rule { get; init; }

    /// <summary>How a promise replays the op's first output; null: never replayed (it is captured instead).</summary>
    public OpReplay? Replay { get; init; }
}

/// <summary>A promise replay: when it applies, the kernel, and its estimated work per row (element operations).</summary>
/// <param name="Applies">Whether this node's form can be replayed (constant parameters, supported attributes).</param>
/// <param name="Run">The kernel: rebuilds the node's first output from its inputs.</param>
/// <param name="Work">Estimated element operations for one row; a view costs nothing.</param>
internal sealed record OpReplay(Func<LrpNode, CanonicalGraph, bool> Applies, Func<ReplayInputs, Tensor> Run, Func<LrpNode, ShapeTable, double> Work);

/// <summary>What a rule choice looks at: the node, its graph, and its inputs that carry relevance.</summary>
internal readonly record struct OpRuleQuery(LrpNode Node, CanonicalGraph Graph, IReadOnlyList<int> RelevanceInputs);

/// <summary>What a rule needs when it is bound after shapes are known.</summary>
internal readonly record struct OpRuleBinding(LrpNode Node, CanonicalGraph Graph, ShapeTable Shapes, LrpOptions Options);

/// <summary>
/// The outcome of a rule choice: a family (with the input that carries relevance for Pass, and the rule's factory for
/// families whose rule is specific to the op), or a refusal with its reason.
/// </summary>
internal sealed record OpRuleDecision(RuleFamily? Family, int RelevanceInput = 0, string? Reason = null, Func<OpRuleBinding, IRelevanceRule>? Bind = null)
{
    public static OpRuleDecision Refuse(string reason) => new(null, Reason: reason);

    public static OpRuleDecision Of(RuleFamily family, int relevanceInput = 0) => new(family, relevanceInput);

    public static OpRuleDecision Own(RuleFamily family, Func<OpRuleBinding, IRelevanceRule> bind) => new(family, Bind: bind);

    /// <summary>A rule of the op's own (<see cref="RuleFamily.Own"/>), made by <paramref name="bind"/> once shapes are known.</summary>
    public static OpRuleDecision Own(Func<OpRuleBinding, IRelevanceRule> bind) => new(RuleFamily.Own, Bind: bind);
}
