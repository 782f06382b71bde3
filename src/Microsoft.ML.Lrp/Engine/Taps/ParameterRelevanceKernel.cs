using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Rules.Linear;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Engine.Taps;

/// <summary>
/// The relevance of a linear node's parameters, from the relevance <c>R</c> at its output and its input <c>x</c>.
/// A linear rule is a set of quotients (RULES.md): <c>z_g = Σ_t σ_t W_t x_t + b_g</c>, <c>s_g = R / stab(z_g)</c>
/// (masked for Gamma), and the input receives <c>Σ_g c_g Σ_t σ_t x_t ⊙ W_tᵀ s_g</c>. The same contribution terms, summed
/// over the output units instead of the inputs, give each weight element
/// <c>R_w[i,j] = Σ_g c_g Σ_t σ_t W_t[i,j] · Σ_p x_t[j,p] s_g[i,p]</c> (the positions p being a Dense node's leading
/// rows or a Conv node's output positions, where x is read at the kernel offset), and each bias element
/// <c>R_b[i] = Σ_g c_g b_g[i] Σ_p s_g[i,p]</c>. Per row, <c>Σ R_w + Σ R_b</c> is what left the output minus the
/// stabiliser's share. Epsilon: <c>R_w[i,j] = Σ_p w_ij x_j s_i</c>.
/// </summary>
internal static class ParameterRelevanceKernel
{
    /// <summary>
    /// Adds the parameter relevance of <paramref name="count"/> rows to <paramref name="weightOut"/> and
    /// <paramref name="biasOut"/> (rows × parameter length, initializer layout) from row <paramref name="firstRow"/> on.
    /// </summary>
    public static void Accumulate(ParameterTap tap, IRelevanceBackend backend, LrpOptions options, Tensor x, Tensor relevance, int count, float[]? weightOut, float[]? biasOut, int firstRow)
    {
        var layer = tap.Layer;
        var rule = tap.Rule;
        var groups = Groups(rule);
        float gamma = rule.Kind == LrpRuleKind.Gamma ? rule.GammaValue : 0f;
        int weightLength = layer.Weight.Length;
        int channels = layer.OutChannels;
        var inputs = new LinearInputs(backend, x, tap.Bounds);
        Tensor? zRef = null;
        var weightRows = weightOut is null ? null : new float[count * weightLength];
        var gradient = new float[weightLength];
        var z = new Tensor(relevance.Shape);
        var term = new Tensor(relevance.Shape);
        var s = new Tensor(relevance.Shape);
        foreach (var group in groups)
        {
            Array.Clear(z.Data);
            foreach (var t in group.Terms)
            {
                layer.Forward(backend, WeightOf(t.Weight), InputOf(t.Input), term);
                backend.Map(new ScaledProductAdd(t.Sign), z.Data, term.Data, Ones(term.Length), z.Data);
            }

            var bias = BiasOf(group.Bias);
            layer.AddBias(backend, bias, z);
            if (group.Mask == 0)
            {
                backend.Map(new StabilizedDivide(tap.Epsilon), relevance.Data, z.Data, s.Data);
            }
            else
            {
                if (zRef is null)
                {
                    zRef = new Tensor(relevance.Shape);
                    layer.Forward(backend, layer.Weight, x, zRef);
                    layer.AddBias(backend, layer.Bias, zRef);
                }

                backend.Map(new MaskedStabilizedDivide(tap.Epsilon, group.Mask > 0), relevance.Data, z.Data, zRef.Data, s.Data);
            }

            if (biasOut is not null)
            {
                var perChannel = ChannelSums(layer, s, count);
                for (int r = 0; r < count; r++)
                {
                    for (int i = 0; i < channels; i++)
                    {
                        biasOut[((firstRow + r) * tap.BiasShape.Aggregate(1, (p, d) => p * d)) + tap.BiasIndex[i]] += (float)(group.Coefficient * bias[i] * perChannel[(r * channels) + i]);
                    }
                }
            }

            if (weightRows is null)
            {
                continue;
            }

            foreach (var t in group.Terms)
            {
                var xt = InputOf(t.Input);
                var w = WeightOf(t.Weight);
                for (int r = 0; r < count; r++)
                {
                    WeightGradient(layer, backend, s, xt, r, count, gradient);
                    var row = weightRows.AsSpan(r * weightLength, weightLength);
                    backend.Map(new ScaledProductAdd(group.Coefficient * t.Sign), row, w, gradient, row);
                }
            }
        }

        if (weightRows is not null)
        {
            for (int r = 0; r < count; r++)
            {
                var destination = weightOut.AsSpan((firstRow + r) * weightLength, weightLength);
                for (int i = 0; i < weightLength; i++)
                {
                    destination[tap.WeightIndex[i]] += weightRows[(r * weightLength) + i];
                }
            }
        }

        Tensor InputOf(InputVariant v) => inputs.Of(v);

        float[] WeightOf(WeightVariant v) => layer.WeightFor(v, gamma);

        float[] BiasOf(BiasVariant v) => layer.BiasFor(v, gamma);
    }

    /// <summary>The quotients of each linear rule (RULES.md, "Rules for linear nodes").</summary>
    private static IReadOnlyList<LinearGroup> Groups(LrpRule rule)
    {
        LinearGroup Plus(float c) => new([new(WeightVariant.Positive, InputVariant.Positive), new(WeightVariant.Negative, InputVariant.Negative)], BiasVariant.Positive, c);
        return rule.Kind switch
        {
            LrpRuleKind.Epsilon => [new([new(WeightVariant.W, InputVariant.X)], BiasVariant.B)],
            LrpRuleKind.ZPlus => [Plus(1f)],
            LrpRuleKind.AlphaBeta =>
            [
                Plus(rule.Alpha),
                new([new(WeightVariant.Negative, InputVariant.Positive), new(WeightVariant.Positive, InputVariant.Negative)], BiasVariant.Negative, -rule.Beta),
            ],
            LrpRuleKind.Gamma =>
            [
                new([new(WeightVariant.GammaPositive, InputVariant.Positive), new(WeightVariant.GammaNegative, InputVariant.Negative)], BiasVariant.GammaPositive, 1f, +1),
                new([new(WeightVariant.GammaNegative, InputVariant.Positive), new(WeightVariant.GammaPositive, InputVariant.Negative)], BiasVariant.GammaNegative, 1f, -1),
            ],
            LrpRuleKind.Flat => [new([new(WeightVariant.Ones, InputVariant.Ones)], BiasVariant.Zero)],
            LrpRuleKind.WSquare => [new([new(WeightVariant.Square, InputVariant.Ones)], BiasVariant.Square)],
            LrpRuleKind.ZBox =>
            [
                new([new(WeightVariant.W, InputVariant.X), new(WeightVariant.Positive, InputVariant.Low, -1f), new(WeightVariant.Negative, InputVariant.High, -1f)], BiasVariant.Zero),
            ],
            _ => throw new LrpException($"Parameter relevance has no terms for the rule {rule}."),
        };
    }

    /// <summary>
    /// <c>G[i,j] = Σ_p s[i,p] x[j,p]</c> of row <paramref name="row"/> in the canonical weight layout: Dense
    /// <c>sᵀx</c> over the row's leading positions; Conv the correlation of x with s (a convolution whose batch is
    /// the input channels, whose kernel is s, with stride and dilation swapped), group by group.
    /// </summary>
    private static void WeightGradient(LinearLayer layer, IRelevanceBackend backend, Tensor s, Tensor x, int row, int count, float[] gradient)
    {
        int m = layer.OutChannels;
        if (layer is not ConvLayer conv)
        {
            int k = gradient.Length / m;
            int sRow = s.Length / count, xRow = x.Length / count;
            if (layer is DenseLayer { WeightInputMajor: true })
            {
                backend.Gemm(true, false, k, m, sRow / m, x.Data.AsSpan(row * xRow, xRow), s.Data.AsSpan(row * sRow, sRow), gradient);
            }
            else
            {
                backend.Gemm(true, false, m, k, sRow / m, s.Data.AsSpan(row * sRow, sRow), x.Data.AsSpan(row * xRow, xRow), gradient);
            }

            return;
        }

        var g = conv.Geometry(count);
        int groups = g.Group, cg = g.InChannels / groups, mg = m / groups, kernel = g.KernelSize;
        var geometry = new ConvGeometry(cg, 1, mg, 1, g.InSpatial, g.OutSpatial, g.KernelSpatial, g.Dilations, g.PadsBegin, g.Strides);
        var y = new float[cg * mg * kernel];
        for (int gi = 0; gi < groups; gi++)
        {
            var xs = x.Data.AsSpan(((row * g.InChannels) + (gi * cg)) * g.InSpatialSize, cg * g.InSpatialSize);
            var ss = s.Data.AsSpan(((row * m) + (gi * mg)) * g.OutSpatialSize, mg * g.OutSpatialSize);
            backend.ConvForward(geometry, xs, ss, ReadOnlySpan<float>.Empty, y);
            for (int c = 0; c < cg; c++)
            {
                for (int o = 0; o < mg; o++)
                {
                    y.AsSpan(((c * mg) + o) * kernel, kernel).CopyTo(gradient.AsSpan(((((gi * mg) + o) * cg) + c) * kernel, kernel));
                }
            }
        }
    }

    /// <summary>Per row and output channel: Σ over positions of <paramref name="s"/>.</summary>
    private static double[] ChannelSums(LinearLayer layer, Tensor s, int count)
    {
        int m = layer.OutChannels;
        var sums = new double[count * m];
        int rowLength = s.Length / count;
        bool channelFirst = layer is ConvLayer;
        for (int r = 0; r < count; r++)
        {
            var row = s.Data.AsSpan(r * rowLength, rowLength);
            for (int i = 0; i < rowLength; i++)
            {
                int channel = channelFirst ? i / (rowLength / m) : i % m;
                sums[(r * m) + channel] += row[i];
            }
        }

        return sums;
    }

    private static float[] Ones(int length)
    {
        var ones = new float[length];
        Array.Fill(ones, 1f);
        return ones;
    }
}
