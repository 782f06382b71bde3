using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// Finds gates (RULES.md): in a Mul of two activations, an operand that is a pure element-wise/reduction function of
/// the other (GELU as <c>x·Φ(x)</c>, SiLU as <c>x·σ(x)</c>, HardSwish as <c>x·HardSigmoid(x)</c> or
/// <c>x·Clip(x+3, 0, 6)/6</c>, RMSNorm's <c>x·rsqrt(mean(x²)+ε)</c>); in a Div of two activations, the denominator,
/// whether derived from the numerator (the normaliser of a decomposed LayerNorm or RMSNorm) or not (a conservative
/// choice: the quotient's relevance has no share that belongs to a divisor, as for normalisers). A gate carries no
/// relevance, so the graph does not put it (nor the ops that compute only it) on a relevance path: the signal operand
/// then takes <c>R</c> whole (Pass). In a Mul of two activations, a sigmoid-valued operand (<see cref="IsSigmoidValued"/>)
/// is a gate of the other too: the gates of LSTM and GRU cells, GLU, squeeze-and-excitation ("signal-take-all", Arras
/// et al. 2017); when both operands are sigmoid-valued neither is a gate.
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
        if (node.Domain.Length != 0 || node.Inputs.Count != 2 || !(node.OpType is "Mul" or "Div") || node.Inputs[0] == node.Inputs[1])
        {
            return -1;
        }

        if (isActivation(node.Inputs[0]) != isActivation(node.Inputs[1]))
        {
            return node.OpType == "Mul" ? GateOfConstant(node, graph, isActivation) : -1;
        }

        if (!isActivation(node.Inputs[0]))
        {
            return -1;
        }

        if (node.OpType == "Div" || IsGateOf(node.Inputs[1], node.Inputs[0], graph, isActivation))
        {
            return 1;
        }

        if (node.OpType != "Mul")
        {
            return -1;
        }

        if (IsGateOf(node.Inputs[0], node.Inputs[1], graph, isActivation))
        {
            return 0;
        }

        // Signal-take-all (Arras et al. 2017): a sigmoid-valued operand gates the other; both sigmoid-valued: no gate.
        bool first = IsSigmoidValued(node.Inputs[0], graph, isActivation);
        bool second = IsSigmoidValued(node.Inputs[1], graph, isActivation);
        return first == second ? -1 : first ? 0 : 1;
    }

    /// <summary>
    /// A sigmoid-valued activation times a constant that is not one known scale (a constant recurrent state, GRU's
    /// <c>r⊙Rbh</c> at its first step): the gate, or -1. The constant signal takes the relevance, and absorbs it.
    /// A scalar constant only rescales the activation (Pass through it).
    /// </summary>
    private static int GateOfConstant(OnnxNode node, OnnxGraph graph, Func<string, bool> isActivation)
    {
        int gate = isActivation(node.Inputs[0]) ? 0 : 1;
        string other = node.Inputs[1 - gate];
        bool scalar = graph.Initializers.TryGetValue(other, out var init) ? init.ElementCount == 1
            : graph.Producer(other) is { OpType: "Constant" } c && c.GetTensor("value") is { ElementCount: 1 };
        return !scalar && IsSigmoidValued(node.Inputs[gate], graph, isActivation) ? gate : -1;
    }

    /// <summary>
    /// True when <paramref name="value"/> is the output of a Sigmoid or HardSigmoid, possibly through shape-only ops,
    /// Slice, Gather and constant-affine maps (Add, Sub, Mul by a non-activation; Div of it by one), such as GRU's
    /// <c>1 − z</c>: a value in a bounded range that scales another, a gate.
    /// </summary>
    public static bool IsSigmoidValued(string value, OnnxGraph graph, Func<string, bool> isActivation)
    {
        for (int depth = 0; depth < 32; depth++)
        {
            var producer = graph.Producer(value);
            if (producer is null || producer.Domain.Length != 0)
            {
                return false;
            }

            if (producer.OpType is "Sigmoid" or "HardSigmoid")
            {
                return true;
            }

            if (!(OpRegistry.IsShapeOnly(producer.OpType) || producer.OpType is "Slice" or "Gather" or "Add" or "Sub" or "Mul" or "Div"))
            {
                return false;
            }

            var activationInputs = producer.Inputs.Where((name, i) => name.Length > 0 && OpRegistry.IsDataInput(producer, i) && isActivation(name)).ToList();
            if (activationInputs.Count != 1 || (producer.OpType == "Div" && producer.Inputs[0] != activationInputs[0]))
            {
                return false;
            }

            value = activationInputs[0];
        }

        return false;
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
