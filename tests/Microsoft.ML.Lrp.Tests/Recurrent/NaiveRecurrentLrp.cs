namespace Microsoft.ML.Lrp.Tests.Recurrent;

/// <summary>
/// A plain double-precision LSTM/GRU classifier and its LRP explanation by Arras et al. (2017): linear maps Epsilon
/// (the bias absorbs its share), element-wise activations identity, sums Norm (each summand its share), and in every
/// product of a gate and a signal the signal takes all. Written from the formulas, step by step, independently of the
/// unrolled graph. Weights use the ONNX layout: W [dirs, gates·H, I], R [dirs, gates·H, H], B [dirs, 2·gates·H]
/// (LSTM gates i, o, f, c; GRU z, r, h with linear_before_reset = 1); the classifier reads the final states of the
/// directions, concatenated: <c>y = Wout·[h_fwd; h_bwd] + bout</c>; <c>reverse</c> reads a one-direction op from the end.
/// </summary>
internal sealed class NaiveRecurrentLrp(string op, bool reverse, int steps, int inputSize, int hidden, int directions, double[] w, double[] r, double[] b, double[] wOut, double[] bOut, double epsilon)
{
    private readonly int _gates = op == "LSTM" ? 4 : 3;

    /// <summary>Relevance of each input element [T·I] for one row <paramref name="x"/> [T, I], target <paramref name="target"/>; also the logits.</summary>
    public double[] Explain(double[] x, int target, out double[] logits)
    {
        var finals = new List<double[]>();
        var traces = new List<List<Step>>();
        for (int d = 0; d < directions; d++)
        {
            var trace = Forward(x, d);
            traces.Add(trace);
            finals.Add(trace[^1].H);
        }

        double[] hCat = [.. finals.SelectMany(h => h)];
        int classes = bOut.Length;
        logits = new double[classes];
        for (int k = 0; k < classes; k++)
        {
            logits[k] = bOut[k] + Enumerable.Range(0, hCat.Length).Sum(j => wOut[k * hCat.Length + j] * hCat[j]);
        }

        // Output layer, Epsilon, seeded with the score.
        double s = logits[target] / Stab(logits[target]);
        double[] rCat = [.. hCat.Select((h, j) => h * wOut[target * hCat.Length + j] * s)];
        var rx = new double[x.Length];
        for (int d = 0; d < directions; d++)
        {
            Backward(x, d, traces[d], rCat.AsSpan(d * hidden, hidden).ToArray(), rx);
        }

        return rx;
    }

    private sealed record Step(int T, double[] HPrev, double[] CPrev, double[] Gates, double[] PreCandidate, double[] C, double[] H);

    private double W(int d, int row, int col) => w[(d * _gates * hidden + row) * inputSize + col];

    private double R(int d, int row, int col) => r[(d * _gates * hidden + row) * hidden + col];

    private double Wb(int d, int row) => b[d * 2 * _gates * hidden + row];

    private double Rb(int d, int row) => b[d * 2 * _gates * hidden + _gates * hidden + row];

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private double Stab(double v) => v + (v >= 0 ? epsilon : -epsilon);

    /// <summary>The time steps in the order direction <paramref name="d"/> reads them (the second direction, or a reverse op, from the end).</summary>
    private int[] Order(int d) => [.. Enumerable.Range(0, steps).Select(k => d == 1 || reverse ? steps - 1 - k : k)];

    private double InputTerm(double[] x, int t, int d, int row) => Enumerable.Range(0, inputSize).Sum(i => W(d, row, i) * x[t * inputSize + i]);

    private double RecurrentTerm(double[] h, int d, int row) => Enumerable.Range(0, hidden).Sum(j => R(d, row, j) * h[j]);

    private List<Step> Forward(double[] x, int d)
    {
        var trace = new List<Step>();
        var h = new double[hidden];
        var c = new double[hidden];
        foreach (int t in Order(d))
        {
            var gates = new double[_gates * hidden];
            var pre = new double[hidden];
            var cNew = new double[hidden];
            var hNew = new double[hidden];
            for (int u = 0; u < hidden; u++)
            {
                if (op == "LSTM")
                {
                    double Z(int g) => InputTerm(x, t, d, g * hidden + u) + RecurrentTerm(h, d, g * hidden + u) + Wb(d, g * hidden + u) + Rb(d, g * hidden + u);
                    double i = Sigmoid(Z(0)), o = Sigmoid(Z(1)), f = Sigmoid(Z(2));
                    pre[u] = Z(3);
                    gates[u] = i;
                    gates[hidden + u] = o;
                    gates[2 * hidden + u] = f;
                    cNew[u] = f * c[u] + i * Math.Tanh(pre[u]);
                    hNew[u] = o * Math.Tanh(cNew[u]);
                }
                else
                {
                    double Z(int g) => InputTerm(x, t, d, g * hidden + u) + RecurrentTerm(h, d, g * hidden + u) + Wb(d, g * hidden + u) + Rb(d, g * hidden + u);
                    double z = Sigmoid(Z(0)), rr = Sigmoid(Z(1));
                    gates[u] = z;
                    gates[hidden + u] = rr;
                    pre[u] = InputTerm(x, t, d, 2 * hidden + u) + Wb(d, 2 * hidden + u) + rr * (RecurrentTerm(h, d, 2 * hidden + u) + Rb(d, 2 * hidden + u));
                    hNew[u] = (1 - z) * Math.Tanh(pre[u]) + z * h[u];
                }
            }

            trace.Add(new Step(t, h, c, gates, pre, cNew, hNew));
            h = hNew;
            c = cNew;
        }

        return trace;
    }

    /// <summary>Relevance from the final hidden state back through the steps of direction <paramref name="d"/>, added to <paramref name="rx"/>.</summary>
    private void Backward(double[] x, int d, List<Step> trace, double[] rh, double[] rx)
    {
        var rc = new double[hidden];
        for (int k = trace.Count - 1; k >= 0; k--)
        {
            Step s = trace[k];
            var rPre = new double[hidden];
            var rhPrev = new double[hidden];
            var rcPrev = new double[hidden];
            for (int u = 0; u < hidden; u++)
            {
                if (op == "LSTM")
                {
                    // h = o⊙tanh(C): the signal tanh(C) takes all; C = f⊙C' + i⊙g: Norm over the two products, the signal of each takes its share.
                    double rC = rc[u] + rh[u];
                    double i = s.Gates[u], f = s.Gates[2 * hidden + u];
                    double keep = f * s.CPrev[u], write = i * Math.Tanh(s.PreCandidate[u]);
                    rcPrev[u] = keep * rC / Stab(s.C[u]);
                    rPre[u] = write * rC / Stab(s.C[u]);
                }
                else
                {
                    // h = (1−z)⊙n + z⊙h': Norm over the two products; n and h' (the signals) take their shares.
                    double z = s.Gates[u];
                    double n = Math.Tanh(s.PreCandidate[u]);
                    rPre[u] = (1 - z) * n * rh[u] / Stab(s.H[u]);
                    rhPrev[u] = z * s.HPrev[u] * rh[u] / Stab(s.H[u]);
                }
            }

            // The candidate's pre-activation is linear in x_t and h' (the reset gate held fixed): Epsilon, biases absorb.
            int row0 = (_gates - 1) * hidden;
            for (int u = 0; u < hidden; u++)
            {
                double ratio = rPre[u] / Stab(s.PreCandidate[u]);
                double gate = op == "LSTM" ? 1 : s.Gates[hidden + u];
                for (int i = 0; i < inputSize; i++)
                {
                    rx[s.T * inputSize + i] += x[s.T * inputSize + i] * W(d, row0 + u, i) * ratio;
                }

                for (int j = 0; j < hidden; j++)
                {
                    rhPrev[j] += s.HPrev[j] * R(d, row0 + u, j) * gate * ratio;
                }
            }

            rh = rhPrev;
            rc = rcPrev;
        }
    }
}
