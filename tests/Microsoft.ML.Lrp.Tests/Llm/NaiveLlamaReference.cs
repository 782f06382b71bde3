using System.Text.Json;
using static Microsoft.ML.Lrp.Tests.Reference.NaiveTransformerFormulas;

namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary>
/// The tiny Llama decoder (<c>llama.weights.json</c>, written by <c>export-llama.py tiny</c>) written out in double from
/// its formulas, one unpadded row, no cache, and the relevance of the AttnLrp rules of RULES.md applied by hand at
/// the level of the decoder block: Epsilon for the projections and the LM head; RMSNorm's <c>x·rsqrt(…)</c> with
/// the normaliser a gate and its constant weight Pass (so <c>R_x = R_y</c>); Norm for the residual Adds, for the
/// rotary Add <c>q·cos + rotate_half(q)·sin</c> (cos/sin are side values: Pass) and for the mask Add (the mask
/// absorbs); AttnLRP uniform for <c>Q·Kᵀ</c> and <c>A·V</c>; the AttnLRP softmax rule; SiLU's sigmoid a gate and the
/// SwiGLU product split in half; grouped-query heads sum into their key/value head; the embedding sums per token.
/// It shares no code with the library.
/// </summary>
internal sealed class NaiveLlamaReference
{
    private const double RmsEpsilon = 1e-5;
    private readonly Dictionary<string, (int[] Shape, double[] Data)> _w;
    private readonly int _d, _heads, _kvHeads, _hd, _layers;
    private readonly double _stab;

    public NaiveLlamaReference(string weightsPath, int heads, int kvHeads, double epsilon)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(weightsPath));
        _w = json.RootElement.EnumerateObject().ToDictionary(
            p => p.Name,
            p => (p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                  p.Value.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray()));
        _d = _w["embed.weight"].Shape[1];
        _heads = heads;
        _kvHeads = kvHeads;
        _hd = _d / heads;
        _layers = _w.Keys.Count(k => k.EndsWith(".norm1.weight", StringComparison.Ordinal));
        _stab = epsilon;
    }

    /// <summary>Logits of the last position, the explained token (arg-max) and the relevance per token.</summary>
    public (double[] Logits, int Token, double[] Relevance) Explain(long[] ids)
    {
        int n = ids.Length;
        var x = new double[n * _d];
        var embed = _w["embed.weight"].Data;
        for (int t = 0; t < n; t++)
        {
            Array.Copy(embed, ids[t] * _d, x, t * _d, _d);
        }

        var caches = new List<LayerValues>();
        for (int l = 0; l < _layers; l++)
        {
            var values = Forward(l, x, n);
            caches.Add(values);
            x = values.Output;
        }

        var normed = Rms(x, _w["norm.weight"].Data, n);
        var head = _w["lm_head.weight"];
        var logits = Linear(normed, head.Data, n, head.Shape[0], _d);
        int vocabulary = head.Shape[0];
        var last = logits.AsSpan((n - 1) * vocabulary, vocabulary).ToArray();
        int token = Array.IndexOf(last, last.Max());

        var rLogits = new double[logits.Length];
        rLogits[(n - 1) * vocabulary + token] = logits[(n - 1) * vocabulary + token];
        var r = EpsilonLinear(normed, head.Data, logits, rLogits, n, vocabulary, _d);
        for (int l = _layers - 1; l >= 0; l--)
        {
            r = Backward(l, caches[l], r, n);
        }

        var relevance = new double[n];
        for (int t = 0; t < n; t++)
        {
            relevance[t] = r.AsSpan(t * _d, _d).ToArray().Sum();
        }

        return (last, token, relevance);
    }

    private sealed record LayerValues(double[] Input, double[] H1, double[] Q, double[] K, double[] V, double[] QCos, double[] QSin, double[] KCos, double[] KSin,
        double[] Qr, double[] Kr, double[] ScoresScaled, double[] Logits, double[] Probabilities, double[] Context, double[] Attended,
        double[] Mid, double[] H2, double[] Gate, double[] Up, double[] Silu, double[] Product, double[] Down, double[] Output);

    private LayerValues Forward(int l, double[] x, int n)
    {
        string p = $"blocks.{l}.";
        var h1 = Rms(x, _w[p + "norm1.weight"].Data, n);
        var q = Linear(h1, _w[p + "q.weight"].Data, n, _heads * _hd, _d);
        var k = Linear(h1, _w[p + "k.weight"].Data, n, _kvHeads * _hd, _d);
        var v = Linear(h1, _w[p + "v.weight"].Data, n, _kvHeads * _hd, _d);
        var (qCos, qSin) = RopeTerms(q, n, _heads);
        var (kCos, kSin) = RopeTerms(k, n, _kvHeads);
        var qr = qCos.Zip(qSin, (a, b) => a + b).ToArray();
        var kr = kCos.Zip(kSin, (a, b) => a + b).ToArray();

        // Per head: scores [H, n, n] = (q_h · k_gᵀ)/√hd, logits = scores + causal mask, A = softmax, context = A · v_g.
        var scaled = new double[_heads * n * n];
        var logits = new double[_heads * n * n];
        int group = _heads / _kvHeads;
        for (int h = 0; h < _heads; h++)
        {
            int g = h / group;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double z = 0;
                    for (int e = 0; e < _hd; e++)
                    {
                        z += qr[i * _heads * _hd + h * _hd + e] * kr[j * _kvHeads * _hd + g * _hd + e];
                    }

                    int o = (h * n + i) * n + j;
                    scaled[o] = z / Math.Sqrt(_hd);
                    logits[o] = scaled[o] + (j > i ? -1e9 : 0);
                }
            }
        }

        var probabilities = Softmax(logits, n);
        var context = new double[n * _heads * _hd];
        for (int h = 0; h < _heads; h++)
        {
            int g = h / group;
            for (int i = 0; i < n; i++)
            {
                for (int e = 0; e < _hd; e++)
                {
                    double z = 0;
                    for (int j = 0; j < n; j++)
                    {
                        z += probabilities[(h * n + i) * n + j] * v[j * _kvHeads * _hd + g * _hd + e];
                    }

                    context[i * _heads * _hd + h * _hd + e] = z;
                }
            }
        }

        var attended = Linear(context, _w[p + "o.weight"].Data, n, _d, _heads * _hd);
        var mid = x.Zip(attended, (a, b) => a + b).ToArray();
        var h2 = Rms(mid, _w[p + "norm2.weight"].Data, n);
        int ff = _w[p + "gate.weight"].Shape[0];
        var gate = Linear(h2, _w[p + "gate.weight"].Data, n, ff, _d);
        var up = Linear(h2, _w[p + "up.weight"].Data, n, ff, _d);
        var silu = gate.Select(a => a / (1 + Math.Exp(-a))).ToArray();
        var product = silu.Zip(up, (a, b) => a * b).ToArray();
        var down = Linear(product, _w[p + "down.weight"].Data, n, _d, ff);
        var output = mid.Zip(down, (a, b) => a + b).ToArray();
        return new LayerValues(x, h1, q, k, v, qCos, qSin, kCos, kSin, qr, kr, scaled, logits, probabilities, context, attended, mid, h2, gate, up, silu, product, down, output);
    }

    private double[] Backward(int l, LayerValues f, double[] rOut, int n)
    {
        string p = $"blocks.{l}.";
        int ff = _w[p + "gate.weight"].Shape[0];
        int group = _heads / _kvHeads;

        // x_out = mid + down: Norm.
        var (rMid, rDown) = NormSplit(f.Mid, f.Down, f.Output, rOut);
        var rProduct = EpsilonLinear(f.Product, _w[p + "down.weight"].Data, f.Down, rDown, n, _d, ff);
        var rHalf = rProduct.Select(v => v / 2).ToArray();             // SwiGLU product: R/2 to each factor
        var rH2 = EpsilonLinear(f.H2, _w[p + "gate.weight"].Data, f.Gate, rHalf, n, ff, _d);   // SiLU: σ is a gate
        Add(rH2, EpsilonLinear(f.H2, _w[p + "up.weight"].Data, f.Up, rHalf, n, ff, _d));
        Add(rMid, rH2);                                                  // RMSNorm: R_x = R_y

        // mid = x + o(context): Norm.
        var (rX, rAttended) = NormSplit(f.Input, f.Attended, f.Mid, rMid);
        var rContext = EpsilonLinear(f.Context, _w[p + "o.weight"].Data, f.Attended, rAttended, n, _d, _heads * _hd);

        // context_h = A_h · v_g (uniform), relevance of v summed over the heads of its group.
        var a = f.Probabilities;
        var vByHead = Heads(f.V, n, _kvHeads);                           // [KV, n, hd]
        var (rA, rV) = BilinearMatMul(a, vByHead, Heads(rContext, n, _heads), _heads, n, n, _hd, h => h / group, aCarries: true);
        var rLogits = SoftmaxRelevance(f.Logits, rA, n);
        var rScaled = new double[rLogits.Length];
        for (int i = 0; i < rLogits.Length; i++)
        {
            rScaled[i] = f.ScoresScaled[i] * rLogits[i] / Stab(f.Logits[i], _stab);   // mask Add: the mask absorbs
        }

        // scores = q_r · k_rᵀ / √hd (Div by a constant: Pass; MatMul uniform).
        var kT = Transposed(Heads(f.Kr, n, _kvHeads), _kvHeads, n, _hd);
        var (rQr, rKt) = BilinearMatMul(Heads(f.Qr, n, _heads), kT, rScaled, _heads, n, _hd, n, h => h / group, aCarries: true);
        var rQ = RopeBackward(f.QCos, f.QSin, f.Qr, Unheads(rQr, n, _heads), n, _heads);
        var rK = RopeBackward(f.KCos, f.KSin, f.Kr, Unheads(Transposed(rKt, _kvHeads, _hd, n), n, _kvHeads), n, _kvHeads);

        var rH1 = EpsilonLinear(f.H1, _w[p + "q.weight"].Data, f.Q, rQ, n, _heads * _hd, _d);
        Add(rH1, EpsilonLinear(f.H1, _w[p + "k.weight"].Data, f.K, rK, n, _kvHeads * _hd, _d));
        Add(rH1, EpsilonLinear(f.H1, _w[p + "v.weight"].Data, f.V, Unheads(rV, n, _kvHeads), n, _kvHeads * _hd, _d));
        Add(rX, rH1);                                                    // RMSNorm: R_x = R_y
        return rX;
    }

    private (double[] Cos, double[] Sin) RopeTerms(double[] x, int n, int heads)
    {
        // x·cos + rotate_half(x)·sin per head, positions 0..n−1, inv_freq_i = 10000^(−2i/hd).
        var cos = new double[x.Length];
        var sin = new double[x.Length];
        int half = _hd / 2;
        for (int t = 0; t < n; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                int o = t * heads * _hd + h * _hd;
                for (int e = 0; e < _hd; e++)
                {
                    double angle = t * Math.Pow(10000, -2.0 * (e % half) / _hd);
                    double rotated = e < half ? -x[o + e + half] : x[o + e - half];
                    cos[o + e] = x[o + e] * Math.Cos(angle);
                    sin[o + e] = rotated * Math.Sin(angle);
                }
            }
        }

        return (cos, sin);
    }

    private double[] RopeBackward(double[] cosTerm, double[] sinTerm, double[] sum, double[] r, int n, int heads)
    {
        var rx = new double[r.Length];
        int half = _hd / 2;
        for (int t = 0; t < n; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                int o = t * heads * _hd + h * _hd;
                for (int e = 0; e < _hd; e++)
                {
                    double s = r[o + e] / Stab(sum[o + e], _stab);
                    rx[o + e] += cosTerm[o + e] * s;                     // Mul by cos: Pass
                    int source = e < half ? e + half : e - half;         // rotate_half routes (Neg: Pass)
                    rx[o + source] += sinTerm[o + e] * s;
                }
            }
        }

        return rx;
    }

    private (double[] Ra, double[] Rb) NormSplit(double[] a, double[] b, double[] sum, double[] r)
    {
        var ra = new double[a.Length];
        var rb = new double[b.Length];
        for (int i = 0; i < a.Length; i++)
        {
            double s = r[i] / Stab(sum[i], _stab);
            ra[i] = a[i] * s;
            rb[i] = b[i] * s;
        }

        return (ra, rb);
    }

    private double[] EpsilonLinear(double[] x, double[] w, double[] z, double[] r, int n, int outputs, int inputs)
    {
        var rx = new double[x.Length];
        for (int t = 0; t < n; t++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double s = r[t * outputs + o] / Stab(z[t * outputs + o], _stab);
                for (int i = 0; i < inputs; i++)
                {
                    rx[t * inputs + i] += x[t * inputs + i] * w[o * inputs + i] * s;
                }
            }
        }

        return rx;
    }

    private static double[] Linear(double[] x, double[] w, int n, int outputs, int inputs)
    {
        var z = new double[n * outputs];
        for (int t = 0; t < n; t++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double s = 0;
                for (int i = 0; i < inputs; i++)
                {
                    s += w[o * inputs + i] * x[t * inputs + i];
                }

                z[t * outputs + o] = s;
            }
        }

        return z;
    }

    private double[] Rms(double[] x, double[] w, int n)
    {
        var y = new double[x.Length];
        int d = w.Length;
        for (int t = 0; t < n; t++)
        {
            double squares = 0;
            for (int i = 0; i < d; i++)
            {
                squares += x[t * d + i] * x[t * d + i];
            }

            double scale = 1 / Math.Sqrt(squares / d + RmsEpsilon);
            for (int i = 0; i < d; i++)
            {
                y[t * d + i] = w[i] * (x[t * d + i] * scale);
            }
        }

        return y;
    }

    /// <summary>[n, heads·hd] → [heads, n, hd].</summary>
    private double[] Heads(double[] x, int n, int heads)
    {
        var y = new double[x.Length];
        for (int t = 0; t < n; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int e = 0; e < _hd; e++)
                {
                    y[(h * n + t) * _hd + e] = x[t * heads * _hd + h * _hd + e];
                }
            }
        }

        return y;
    }

    /// <summary>[heads, n, hd] → [n, heads·hd].</summary>
    private double[] Unheads(double[] x, int n, int heads)
    {
        var y = new double[x.Length];
        for (int t = 0; t < n; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int e = 0; e < _hd; e++)
                {
                    y[t * heads * _hd + h * _hd + e] = x[(h * n + t) * _hd + e];
                }
            }
        }

        return y;
    }

    /// <summary>[b, rows, cols] → [b, cols, rows].</summary>
    private static double[] Transposed(double[] x, int b, int rows, int cols)
    {
        var y = new double[x.Length];
        for (int p = 0; p < b; p++)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    y[(p * cols + j) * rows + i] = x[(p * rows + i) * cols + j];
                }
            }
        }

        return y;
    }

    private static void Add(double[] into, double[] values)
    {
        for (int i = 0; i < into.Length; i++)
        {
            into[i] += values[i];
        }
    }
}
