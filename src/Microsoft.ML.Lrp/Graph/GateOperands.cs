using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// Finds gates (RULES.md): in a Mul of two activations, an operand that is a pure element-wise/reduction function of
/// the other (GELU as <c>x·Φ(x)</c>, SiLU as <c>x·σ(x)</c>, HardSwish as <c>x·HardSigmoid(x)</c> or
/// <c>x·Clip(x+3, 0, 6)/6</c>, RMSNorm's <c>x·rsqrt(mean(x²)+ε)</c>); in a Div of two activations, the denominator,
/// whether derived from the numerator (the normaliser of a decomposed LayerNorm or RMSNorm) or not (a conservative
/// choice: the quotient's relevance has no share that belongs to a divisor, as for normalisers). A gate carries no relevance, so the graph does not put it (nor the ops that compute only it) on a
/// relevance path: the signal operand then takes <c>R</c> whole (Pass).
/// </summary>
/// <remarks>
/// A candidate gate qualifies when walking back from it through its activation inputs reaches only the signal
/// operand (or a value the signal is computed from by a chain of shape-only ops and scalings by constants) and
/// crosses no linear layer (Gemm, Conv, ConvTranspose, MatMul, Einsum) and no graph input.
/// </remarks>
internal static class GateOperands
{
    /// <summary>The input index of the gate of a Mul or Div with two activation operands, or -1.</summary>
    /// <param name="node">The node.</param>
    /// <param name="graph">Its graph.</param>
    /// <param name="isActivation">Whether a value depends on the explained input.</param>
    public static int GateInput(OnnxNode node, OnnxGraph graph, Func<string, bool> isActivation)
    {
        if (node.Domain.Length != 0 || node.Inputs.Count != 2 || !(node.OpType is "Mul" or "Div")
            || !isActivation(node.Inputs[0]) || !isActivation(node.Inputs[1]) || node.Inputs[0] == node.Inputs[1])
        {
            return -1;
        }

        if (node.OpType == "Div" || IsGateOf(node.Inputs[1], node.Inputs[0], graph, isActivation))
        {
            return 1;
        }

        return node.OpType == "Mul" && IsGateOf(node.Inputs[0], node.Inputs[1], graph, isActivation) ? 0 : -1;
    }

    private static bool IsGateOf(string gate, string signal, OnnxGraph graph, Func<string, bool> isActivation)
    {
        var sources = SignalSources(signal, graph, isActivation);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([gate]);
        bool reached = false;
        while (stack.Count > 0)
        {
            var value = stack.Pop();
            if (!seen.Add(value) || !isActivation(value))
            {
                continue;
            }

            if (sources.Contains(value))
            {
                reached = true;
                continue;
            }

            var producer = graph.Producer(value);
            if (producer is null || producer.Domain.Length != 0 || OpRegistry.IsWeightedProduct(producer))
            {
                return false;
            }

            for (int i = 0; i < producer.Inputs.Count; i++)
            {
                if (producer.Inputs[i].Length > 0 && OpRegistry.IsDataInput(producer, i))
                {
                    stack.Push(producer.Inputs[i]);
                }
            }
        }

        return reached;
    }

    /// <summary>The signal and what it is computed from by shape-only ops and scalings/shifts by non-activations.</summary>
    private static HashSet<string> SignalSources(string signal, OnnxGraph graph, Func<string, bool> isActivation)
    {
        var result = new HashSet<string>(StringComparer.Ordinal) { signal };
        var value = signal;
        while (graph.Producer(value) is { } p && p.Domain.Length == 0
               && (OpRegistry.IsShapeOnly(p.OpType) || p.OpType is "Mul" or "Div" or "Add" or "Sub"))
        {
            var activationInputs = p.Inputs.Where((name, i) => name.Length > 0 && OpRegistry.IsDataInput(p, i) && isActivation(name)).ToList();
            if (activationInputs.Count != 1 || (p.OpType == "Div" && p.Inputs[0] != activationInputs[0]))
            {
                break;
            }

            value = activationInputs[0];
            result.Add(value);
        }

        return result;
    }
}
