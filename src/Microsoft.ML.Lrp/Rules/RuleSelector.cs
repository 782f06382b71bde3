using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Rules.Linear;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Chooses a rule for every node on a relevance path: the composite's choice (RULES.md, "Composites"), replaced
/// by an override for the node's name, else for its op type. Fails, before any data is read, listing every op
/// type that has no rule with its node names.
/// </summary>
internal static class RuleSelector
{
    public static Dictionary<LrpNode, RuleChoice> Choose(CanonicalGraph graph, LrpOptions options)
    {
        var firstLayers = FindFirstLayers(graph);
        var choices = new Dictionary<LrpNode, RuleChoice>();
        var unsupported = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var problems = new List<string>();

        foreach (var node in graph.RelevanceNodes)
        {
            var decision = Decide(node, graph);
            var family = decision.Family;
            if (family is null)
            {
                string key = decision.Reason is null ? OpName(node) : $"{OpName(node)} ({decision.Reason})";
                if (!unsupported.TryGetValue(key, out var names))
                {
                    unsupported[key] = names = [];
                }

                names.Add(node.Name);
                continue;
            }

            bool first = firstLayers.Contains(node);
            var choice = new RuleChoice(family.Value, null, decision.RelevanceInput, first) { Bind = decision.Bind };
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
        var decision = Decide(node, graph);
        opKey = decision.Reason is null ? OpName(node) : $"{OpName(node)} ({decision.Reason})";
        return decision.Family is not null;
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

    /// <summary>The family of a node's rule from the op registry, or a refusal (with its reason when there is one).</summary>
    private static OpRuleDecision Decide(LrpNode node, CanonicalGraph graph)
    {
        if (node.Source.Domain.Length != 0)
        {
            return OnnxMl.OnnxMlRules.IsSupported(node, graph, out string? reason) ? OpRuleDecision.Of(RuleFamily.OnnxMl) : new OpRuleDecision(null, Reason: reason);
        }

        if (TokenEmbedding.IsIdsOperand(node, 1, graph))
        {
            return OpRuleDecision.Of(RuleFamily.TokenEmbedding);
        }

        var relevanceInputs = node.Inputs.Select((name, i) => (name, i)).Where(p => graph.IsRelevance(p.name) && OpRegistry.IsDataInput(node.Source, p.i)).Select(p => p.i).ToList();
        return OpRegistry.ChooseRule(new OpRuleQuery(node, graph, relevanceInputs)) ?? new OpRuleDecision(null);
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
                else if (OpRegistry.PassesBeforeFirstLayer(node.OpType) || IsConstantAffine(node, graph))
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
