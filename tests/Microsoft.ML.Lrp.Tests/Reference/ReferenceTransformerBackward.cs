using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The reference's transformer rules (RULES.md): bilinear MatMul (AttnLRP uniform; CP-LRP holds softmax outputs
/// constant), Softmax inside the network (AttnLRP), LayerNormalization (σ constant, Epsilon), ReduceMean (Norm),
/// gates and normalisers (the gate gets nothing), Mul of independent activations (half each), Trilu (routing).
/// </summary>
internal sealed class ReferenceTransformerBackward(
    ReferenceGraph graph,
    ReferenceForward forward,
    ReferenceOptions options,
    Action<string, double[]> addTo,
    Action<double> absorb)
{
    private static readonly HashSet<string> LinearOps = ["Gemm", "Conv", "ConvTranspose", "MatMul", "Einsum"];
    private static readonly HashSet<string> ChainOps = ["Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast", "Mul", "Div", "Add", "Sub"];

    /// <summary>The explained output (a Softmax there is Pass).</summary>
    public string OutputName { get; set; } = "";

    private bool IsActivation(string name) => forward.Activations.Contains(name);

    private double[] V(string name) => forward.Values[name].Data;

    /// <summary>Applies the node's transformer rule; false when the node is not one of these.</summary>
    public bool TryPropagate(NodeProto node, double[] r)
    {
        switch (node.OpType)
        {
            case "MatMul" when node.Input.All(IsActivation):
                Bilinear(node, r);
                return true;
            case "Softmax" when node.Output[0] != OutputName:
                Softmax(node, r);
                return true;
            case "ReduceMean":
                ReduceMean(node, r);
                return true;
            case "LayerNormalization":
                LayerNorm(node, r);
                return true;
            case "Trilu":
            {
                var kept = ReferenceTransformerForward.TryEvaluate(node, [new ReferenceTensor(forward.Values[node.Input[0]].Shape, r), .. node.Input.Skip(1).Select(i => forward.Values[i])], new HashSet<string>())!;
                absorb(r.Sum() - kept.Data.Sum());
                addTo(node.Input[0], kept.Data);
                return true;
            }

            case "Mul" or "Div" when node.Input.Count == 2 && node.Input.All(IsActivation):
                Product(node, r);
                return true;
            default:
                return false;
        }
    }

    private void Bilinear(NodeProto node, double[] r)
    {
        bool aCarries = true, bCarries = true;
        if (options.Composite == LrpComposite.CpLrp)
        {
            aCarries = !FromSoftmax(node.Input[0]);
            bCarries = !FromSoftmax(node.Input[1]);
        }

        var a = forward.Values[node.Input[0]];
        var b = forward.Values[node.Input[1]];
        var z = V(node.Output[0]);
        double factor = aCarries && bCarries ? 2 : 1;
        var s = z.Select((v, i) => r[i] / ReferenceLinearRules.Stab(factor * v, options.Epsilon)).ToArray();
        var ra = new double[a.Size];
        var rb = new double[b.Size];
        foreach (var (ia, ib, iz) in ReferenceTransformerForward.MatMulTerms(a.Shape, b.Shape))
        {
            double term = a.Data[ia] * b.Data[ib] * s[iz];
            ra[ia] += term;
            rb[ib] += term;
        }

        absorb(r.Sum() - z.Select((v, i) => factor * v * s[i]).Sum());
        if (aCarries)
        {
            addTo(node.Input[0], ra);
        }

        if (bCarries)
        {
            addTo(node.Input[1], rb);
        }
    }

    private bool FromSoftmax(string value)
    {
        var producer = graph.Nodes.FirstOrDefault(n => n.Output.Contains(value));
        while (producer is not null && producer.OpType is "Reshape" or "Transpose" or "Dropout" or "Identity" or "Cast" or "Squeeze" or "Unsqueeze" or "Flatten")
        {
            var input = producer.Input[0];
            producer = graph.Nodes.FirstOrDefault(n => n.Output.Contains(input));
        }

        return producer?.OpType == "Softmax";
    }

    private void Softmax(NodeProto node, double[] r)
    {
        var xt = forward.Values[node.Input[0]];
        var x = xt.Data;
        var s = V(node.Output[0]);
        int rank = xt.Shape.Length;
        bool legacy = graph.Opset < 13;
        int axis = (int)ReferenceGraph.Int(node, "axis", legacy ? 1 : -1);
        axis = axis < 0 ? axis + rank : axis;
        int length = legacy ? ReferenceTensor.SizeOf(xt.Shape[axis..]) : xt.Shape[axis];
        int inner = legacy ? 1 : ReferenceTensor.SizeOf(xt.Shape[(axis + 1)..]);
        var rx = new double[x.Length];
        for (int o = 0; o < x.Length / (length * inner); o++)
        {
            for (int c = 0; c < inner; c++)
            {
                var idx = Enumerable.Range(0, length).Select(k => (((o * length) + k) * inner) + c).ToArray();
                double total = idx.Sum(i => r[i]);
                foreach (int i in idx)
                {
                    // Masked inputs: their softmax weight is 0 (in float) or the input is not finite.
                    bool masked = (float)s[i] == 0f || double.IsInfinity(x[i]);
                    rx[i] = masked ? 0 : x[i] * (r[i] - (s[i] * total));
                }
            }
        }

        absorb(r.Sum() - rx.Sum());
        addTo(node.Input[0], rx);
    }

    private void ReduceMean(NodeProto node, double[] r)
    {
        var x = forward.Values[node.Input[0]];
        var axes = ReferenceTransformerForward.ReduceAxes(node, x.Shape.Length);
        var kept = x.Shape.Select((d, a) => axes.Contains(a) ? 1 : d).ToArray();
        var map = ReferenceTensor.BroadcastMap(kept, x.Shape);
        var mean = V(node.Output[0]);
        var rx = new double[x.Size];
        for (int i = 0; i < x.Size; i++)
        {
            rx[i] = x.Data[i] / (x.Size / mean.Length) * r[map[i]] / ReferenceLinearRules.Stab(mean[map[i]], options.Epsilon);
        }

        absorb(r.Sum() - rx.Sum());
        addTo(node.Input[0], rx);
    }

    private void LayerNorm(NodeProto node, double[] r)
    {
        var x = forward.Values[node.Input[0]];
        var w = V(node.Input[1]);
        var y = V(node.Output[0]);
        var (_, sigma, length) = ReferenceTransformerForward.LayerNormStatistics(node, x);
        var rx = new double[x.Size];
        for (int g = 0; g < sigma.Length; g++)
        {
            var ws = Enumerable.Range(0, length).Select(k => w[k] * r[(g * length) + k] / ReferenceLinearRules.Stab(y[(g * length) + k], options.Epsilon)).ToArray();
            double meanWs = ws.Average();
            for (int k = 0; k < length; k++)
            {
                rx[(g * length) + k] = x.Data[(g * length) + k] / sigma[g] * (ws[k] - meanWs);
            }
        }

        absorb(r.Sum() - rx.Sum());
        addTo(node.Input[0], rx);
    }

    private void Product(NodeProto node, double[] r)
    {
        int gate = IsGate(node.Input[1], node.Input[0]) ? 1 : node.OpType == "Mul" && IsGate(node.Input[0], node.Input[1]) ? 0 : -1;
        if (gate < 0 && node.OpType == "Div")
        {
            throw new NotSupportedException($"The reference has no rule for a Div by an independent activation ({node.Name}).");
        }

        var outShape = forward.Values[node.Output[0]].Shape;
        for (int j = 0; j < 2; j++)
        {
            if (j == gate)
            {
                continue;
            }

            var shape = forward.Values[node.Input[j]].Shape;
            var map = ReferenceTensor.BroadcastMap(shape, outShape);
            var share = new double[ReferenceTensor.SizeOf(shape)];
            for (int o = 0; o < r.Length; o++)
            {
                share[map[o]] += gate < 0 ? r[o] / 2 : r[o];
            }

            addTo(node.Input[j], share);
        }
    }

    /// <summary>Whether <paramref name="gate"/> is computed from <paramref name="signal"/> (or what the signal is a scaled/reshaped copy of) by element-wise ops and reductions only.</summary>
    private bool IsGate(string gate, string signal)
    {
        var sources = new HashSet<string> { signal };
        for (var p = Producer(signal); p is not null && ChainOps.Contains(p.OpType);)
        {
            var acts = p.Input.Where(IsActivation).ToList();
            if (acts.Count != 1 || (p.OpType == "Div" && p.Input[0] != acts[0]))
            {
                break;
            }

            sources.Add(acts[0]);
            p = Producer(acts[0]);
        }

        bool reached = false;
        var pending = new Stack<string>([gate]);
        var seen = new HashSet<string>();
        while (pending.Count > 0)
        {
            var v = pending.Pop();
            if (!seen.Add(v) || !IsActivation(v))
            {
                continue;
            }

            if (sources.Contains(v))
            {
                reached = true;
                continue;
            }

            var p = Producer(v);
            if (p is null || LinearOps.Contains(p.OpType))
            {
                return false;
            }

            foreach (var input in p.Input)
            {
                pending.Push(input);
            }
        }

        return reached;
    }

    private NodeProto? Producer(string value) => graph.Nodes.FirstOrDefault(n => n.Output.Contains(value));
}
