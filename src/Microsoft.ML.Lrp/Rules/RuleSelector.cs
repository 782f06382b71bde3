using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Linear;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Chooses a rule for every node on a relevance path: the composite's choice (RULES.md, "Composites"), replaced
/// by an override for the node's name, else for its op type. Fails, before any data is read, listing every op
/// type that has no rule with its node names.
/// </summary>
internal static class RuleSelector
{
    private static readonly HashSet<string> PassOps = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Gelu",
        "Softplus", "Softsign", "ThresholdedRelu", "Clip", "Dropout", "Identity", "Cast", "BatchNormalization",
        "InstanceNormalization", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Neg",
    };

    private static readonly HashSet<string> AtOutputOnlyOps = new(StringComparer.Ordinal) { "Softmax", "LogSoftmax" };

    public static Dictionary<LrpNode, RuleChoice> Choose(CanonicalGraph graph, LrpOptions options)
    {
        var firstLayers = FindFirstLayers(graph);
        var choices = new Dictionary<LrpNode, RuleChoice>();
        var unsupported = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var problems = new List<string>();

        foreach (var node in graph.RelevanceNodes)
        {
            var family = FamilyOf(node, graph, out int relevanceInput, out string? reason);
            if (family is null)
            {
                string key = reason is null ? OpName(node) : $"{OpName(node)} ({reason})";
                if (!unsupported.TryGetValue(key, out var names))
                {
                    unsupported[key] = names = [];
                }

                names.Add(node.Name);
                continue;
            }

            bool first = firstLayers.Contains(node);
            var choice = new RuleChoice(family.Value, null, relevanceInput, first);
            if (family == RuleFamily.Linear)
            {
                var rule = CompositeRule(node, graph, options, first);
                choice = choice with { Rule = rule, BoundsFromOptions = rule.Kind == LrpRuleKind.ZBox };
            }

            var overrideRule = FindOverride(node, options);
            if (family == RuleFamily.Transformer && overrideRule is not null && !options.RuleOverrides!.ContainsKey(node.Name))
            {
                overrideRule = null; // an op-type override (e.g. "MatMul" meant for dense layers) does not reach transformer rules
            }

            if (overrideRule is not null)
            {
                string? problem = Validate(node, family.Value, overrideRule);
                if (problem is not null)
                {
                    problems.Add(problem);
                }
                else
                {
                    choice = choice with { Rule = overrideRule, BoundsFromOptions = false };
                }
            }

            choices[node] = choice;
        }

        if (unsupported.Count > 0)
        {
            var lines = unsupported.Select(kv => $"  {kv.Key}: {string.Join(", ", kv.Value.Take(10))}{(kv.Value.Count > 10 ? $" and {kv.Value.Count - 10} more" : "")}");
            throw new LrpException($"The model has operations on the relevance path from '{graph.ExplainedInput}' to '{graph.ExplainedOutput}' that no rule covers yet:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}");
        }

        if (problems.Count > 0)
        {
            throw new LrpException(string.Join(Environment.NewLine, problems));
        }

        if (options.Composite == LrpComposite.EpsilonGammaBox && choices.Values.Any(c => c.BoundsFromOptions)
            && (options.InputLowerBound is null || options.InputUpperBound is null))
        {
            throw new LrpException("The EpsilonGammaBox composite applies ZBox to the first convolution and needs LrpOptions.InputLowerBound and InputUpperBound (the range of the input values, e.g. the normalised image range).");
        }

        return choices;
    }

    /// <summary>
    /// Whether a rule covers <paramref name="node"/> (without choosing it); <paramref name="opKey"/> names the op as the
    /// unsupported-ops message does (with the reason, when there is one).
    /// </summary>
    public static bool HasRule(LrpNode node, CanonicalGraph graph, out string opKey)
    {
        var family = FamilyOf(node, graph, out _, out string? reason);
        opKey = reason is null ? OpName(node) : $"{OpName(node)} ({reason})";
        return family is not null;
    }

    private static string OpName(LrpNode node) => node.Source.Domain.Length == 0 ? node.OpType : $"{node.Source.Domain}.{node.OpType}";

    private static LrpRule? FindOverride(LrpNode node, LrpOptions options)
    {
        if (options.RuleOverrides is null)
        {
            return null;
        }

        if (options.RuleOverrides.TryGetValue(node.Name, out var byName))
        {
            return byName;
        }

        if (node.FoldedBatchNorm is not null && options.RuleOverrides.TryGetValue(node.FoldedBatchNorm.Name, out var byBnName))
        {
            return byBnName;
        }

        return options.RuleOverrides.TryGetValue(node.OpType, out var byType) ? byType : null;
    }

    private static string? Validate(LrpNode node, RuleFamily family, LrpRule rule)
    {
        bool linearRule = rule.Kind is not (LrpRuleKind.Pass or LrpRuleKind.Norm);
        bool ok = family switch
        {
            RuleFamily.Linear => linearRule,
            RuleFamily.Pass => rule.Kind == LrpRuleKind.Pass,
            RuleFamily.Norm or RuleFamily.AverageNorm => rule.Kind == LrpRuleKind.Norm || rule.Kind == LrpRuleKind.Epsilon,
            _ => false,
        };
        return ok ? null : $"The rule override {rule} cannot apply to node '{node.Name}' ({node.OpType}): that op takes {Expected(family)}.";
    }

    private static string Expected(RuleFamily family) => family switch
    {
        RuleFamily.Linear => "a linear rule (Epsilon, ZPlus, AlphaBeta, Gamma, Flat, WSquare, ZBox)",
        RuleFamily.Pass => "only Pass",
        RuleFamily.Norm or RuleFamily.AverageNorm => "Norm or Epsilon",
        RuleFamily.Transformer => "no override (its rule is the transformer rule of RULES.md)",
        _ => "no override (its relevance is routed)",
    };

    private static LrpRule CompositeRule(LrpNode node, CanonicalGraph graph, LrpOptions options, bool first)
    {
        bool conv = node.OpType is "Conv" or "ConvTranspose";
        return options.Composite switch
        {
            LrpComposite.EpsilonPlus => conv ? LrpRule.ZPlus() : LrpRule.Epsilon(),
            LrpComposite.EpsilonAlpha2Beta1 => conv ? LrpRule.AlphaBeta(2f, 1f) : LrpRule.Epsilon(),
            LrpComposite.EpsilonPlusFlat => first ? LrpRule.Flat() : conv ? LrpRule.ZPlus() : LrpRule.Epsilon(),
            LrpComposite.EpsilonAlpha2Beta1Flat => first ? LrpRule.Flat() : conv ? LrpRule.AlphaBeta(2f, 1f) : LrpRule.Epsilon(),
            LrpComposite.EpsilonGammaBox => first && conv ? LrpRule.ZBox(0f, 0f) : conv ? LrpRule.Gamma(options.Gamma) : LrpRule.Epsilon(),
            _ => LrpRule.Epsilon(),
        };
    }

    private static RuleFamily? FamilyOf(LrpNode node, CanonicalGraph graph, out int relevanceInput, out string? reason)
    {
        relevanceInput = 0;
        reason = null;
        if (node.Source.Domain.Length != 0)
        {
            return OnnxMl.OnnxMlRules.IsSupported(node, graph, out reason) ? RuleFamily.OnnxMl : null;
        }

        if (TokenEmbedding.IsIdsOperand(node, 1, graph))
        {
            return RuleFamily.TokenEmbedding;
        }

        var relevanceInputs = node.Inputs.Select((name, i) => (name, i)).Where(p => graph.IsRelevance(p.name) && OpCatalog.IsDataInput(node.Source, p.i)).Select(p => p.i).ToList();
        if (Transformer.TransformerRules.Covers(node, graph, relevanceInputs, out reason))
        {
            return RuleFamily.Transformer;
        }

        if (reason is not null)
        {
            return null;
        }

        switch (node.OpType)
        {
            case "Gemm" or "Conv" or "ConvTranspose":
                return RuleFamily.Linear;
            case "MatMul":
                if (LinearLayerBuilder.IsDense(node, graph))
                {
                    return RuleFamily.Linear;
                }

                reason = "of two activations";
                return null;
            case "Mul":
                if (relevanceInputs.Count == 1)
                {
                    relevanceInput = relevanceInputs[0];
                    return RuleFamily.Pass;
                }

                reason = "of two activations";
                return null;
            case "Div":
                if (relevanceInputs.Count == 1 && relevanceInputs[0] == 0)
                {
                    return RuleFamily.Pass;
                }

                reason = relevanceInputs.Count == 2 ? "by an activation not derived from the numerator" : "by an activation";
                return null;
            case "Add" or "Sum" or "Sub":
                return RuleFamily.Norm;
            case "AveragePool" or "GlobalAveragePool" or "ReduceMean" or "ReduceSum":
                return RuleFamily.AverageNorm;
            case "MaxPool" or "GlobalMaxPool":
                return RuleFamily.WinnerTakesAll;
            case "Transpose" or "Slice" or "Pad" or "Expand" or "Tile" or "Gather":
                return RuleFamily.Routing;
            case "Concat":
                return RuleFamily.Concat;
            case "Max" or "Min" or "Mean" when node.Inputs.Count == 1:
                return RuleFamily.Pass;
            case "Split":
                return RuleFamily.Split;
        }

        if (AtOutputOnlyOps.Contains(node.OpType))
        {
            if (node.Outputs.Contains(graph.ExplainedOutput))
            {
                return RuleFamily.Pass;
            }

            reason = "inside the network; only supported at the explained output";
            return null;
        }

        return PassOps.Contains(node.OpType) ? RuleFamily.Pass : null;
    }

    /// <summary>The first Dense/Conv nodes reached from the input through shape-only ops and constant scalings.</summary>
    private static HashSet<LrpNode> FindFirstLayers(CanonicalGraph graph)
    {
        var result = new HashSet<LrpNode>();
        var frontier = new Queue<string>([graph.ExplainedInput]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (frontier.Count > 0)
        {
            var value = frontier.Dequeue();
            if (!seen.Add(value))
            {
                continue;
            }

            foreach (var node in graph.RelevanceConsumers(value))
            {
                bool linear = node.OpType is "Gemm" or "Conv" or "ConvTranspose" || LinearLayerBuilder.IsDense(node, graph);
                if (linear)
                {
                    result.Add(node);
                }
                else if (OpCatalog.IsShapeOnly(node.OpType) || node.OpType is "Slice" or "Concat" or "Split" or "Gather" or "Expand" or "Tile" or "Pad" || IsConstantAffine(node, graph))
                {
                    foreach (var o in node.Outputs.Where(graph.IsRelevance))
                    {
                        frontier.Enqueue(o);
                    }
                }
            }
        }

        return result;
    }

    private static bool IsConstantAffine(LrpNode node, CanonicalGraph graph)
        => node.OpType is "Mul" or "Div" or "Add" or "Sub" && node.Inputs.Count(graph.IsRelevance) == 1;
}
