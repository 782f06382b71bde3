using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Linear;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>Turns a <see cref="RuleChoice"/> into an executable rule once shapes are known.</summary>
internal static class RuleBinder
{
    public static IRelevanceRule Bind(LrpNode node, RuleChoice choice, CanonicalGraph graph, ShapeTable shapes, LrpOptions options)
    {
        if (choice.Bind is not null)
        {
            return choice.Bind(new Ops.OpRuleBinding(node, graph, shapes, options));
        }

        float? overrideEpsilon = choice.Rule is { Kind: LrpRuleKind.Epsilon } r && !float.IsNaN(r.EpsilonValue) ? r.EpsilonValue : null;
        return choice.Family switch
        {
            RuleFamily.Linear => LinearRuleFactory.Create(choice.Rule!, LinearLayerBuilder.Build(node, graph, shapes), Bounds(choice, options)),
            RuleFamily.Pass => new PassRule(choice.RelevanceInput),
            RuleFamily.Norm => new NormRule(overrideEpsilon),
            RuleFamily.AverageNorm => new AverageNormRule(),
            RuleFamily.WinnerTakesAll => new WinnerTakesAllRule(),
            RuleFamily.Routing => new RoutingRule(ParametersFixed(node, graph)),
            RuleFamily.Concat => new ConcatRule(),
            RuleFamily.Split => new SplitRule(),
            RuleFamily.TokenEmbedding => new TokenEmbeddingRule(),
            RuleFamily.OnnxMl => OnnxMl.OnnxMlRules.Bind(node, graph),
            _ => throw new ArgumentOutOfRangeException(nameof(choice)),
        };
    }

    /// <summary>Whether <paramref name="node"/>'s non-data inputs (indices, starts, pads) depend only on constants and shapes.</summary>
    internal static bool ParametersFixed(LrpNode node, CanonicalGraph graph)
        => !node.Inputs.Where((name, i) => name.Length > 0 && !Ops.OpRegistry.IsDataInput(node.Source, i)).Any(p => ValueDependence.VariesWithInputs(p, graph.Onnx));

    private static Func<int[], (Tensor Low, Tensor High)>? Bounds(RuleChoice choice, LrpOptions options)
    {
        if (choice.Rule?.Kind != LrpRuleKind.ZBox)
        {
            return null;
        }

        if (!choice.BoundsFromOptions)
        {
            float low = choice.Rule.Low, high = choice.Rule.High;
            return shape => (Filled(shape, low), Filled(shape, high));
        }

        var lowValues = options.InputLowerBound!;
        var highValues = options.InputUpperBound!;
        return shape => (Expand(lowValues, shape, "InputLowerBound"), Expand(highValues, shape, "InputUpperBound"));
    }

    private static Tensor Filled(int[] shape, float value)
    {
        var t = new Tensor(shape);
        Array.Fill(t.Data, value);
        return t;
    }

    /// <summary>A bound given as one value, one per channel (axis 1) or one per element of a row, expanded to the batch.</summary>
    private static Tensor Expand(float[] values, int[] shape, string option)
    {
        var t = new Tensor(shape);
        int rowLength = t.Length / shape[0];
        if (values.Length == 1)
        {
            Array.Fill(t.Data, values[0]);
        }
        else if (shape.Length > 1 && values.Length == shape[1])
        {
            int inner = rowLength / shape[1];
            for (int i = 0; i < t.Length; i++)
            {
                t.Data[i] = values[(i / inner) % shape[1]];
            }
        }
        else if (values.Length == rowLength)
        {
            for (int n = 0; n < shape[0]; n++)
            {
                values.CopyTo(t.Data, n * rowLength);
            }
        }
        else
        {
            throw new LrpException($"LrpOptions.{option} has {values.Length} values; the first layer's input [{string.Join(", ", shape[1..])}] needs 1, {(shape.Length > 1 ? shape[1] : 1)} (per channel) or {rowLength} (per element).");
        }

        return t;
    }
}
