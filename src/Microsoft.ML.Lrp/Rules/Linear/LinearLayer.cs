using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// A linear node <c>z = W x + b</c> reduced to what the linear rules need: its weights and bias (BatchNormalization
/// already folded in), the map <c>x ↦ W x</c> and its transpose <c>s ↦ Wᵀ s</c>, for any weight variant.
/// </summary>
internal abstract class LinearLayer
{
    private readonly Dictionary<string, float[]> _variants = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    protected LinearLayer(float[] weight, float[] bias)
    {
        Weight = weight;
        Bias = bias;
    }

    /// <summary>Weights in the layer's canonical layout (Dense: [M, K]; Conv: [M, C/group, *k]).</summary>
    public float[] Weight { get; }

    /// <summary>One bias per output channel (zeros when the node has none).</summary>
    public float[] Bias { get; }

    public int OutChannels => Bias.Length;

    /// <summary><c>z = W x</c> (no bias), <paramref name="z"/> overwritten.</summary>
    public abstract void Forward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor x, Tensor z);

    /// <summary><c>c = Wᵀ s</c>, <paramref name="c"/> overwritten.</summary>
    public abstract void Backward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor s, Tensor c);

    /// <summary>
    /// <c>z = W x</c> for a weight array that is never modified (the layer's weights or a cached variant), which lets
    /// a layer bind per-weight resources to it; by default the span form, after declaring the array constant to the
    /// backend (a device backend then keeps it on the device).
    /// </summary>
    public virtual void Forward(IRelevanceBackend backend, float[] weight, Tensor x, Tensor z)
    {
        backend.DeclareConstant(weight);
        Forward(backend, (ReadOnlySpan<float>)weight, x, z);
    }

    /// <summary><c>c = Wᵀ s</c> for a weight array that is never modified (see the array form of <c>Forward</c>).</summary>
    public virtual void Backward(IRelevanceBackend backend, float[] weight, Tensor s, Tensor c)
    {
        backend.DeclareConstant(weight);
        Backward(backend, (ReadOnlySpan<float>)weight, s, c);
    }

    /// <summary>Index of the output channel axis in z (Dense: last axis; Conv: axis 1).</summary>
    protected abstract bool ChannelIsLastAxis { get; }

    /// <summary>Adds a per-channel bias to <paramref name="z"/>.</summary>
    public void AddBias(IRelevanceBackend backend, ReadOnlySpan<float> bias, Tensor z) => AddBias(backend, bias, z, z);

    /// <summary>Adds a per-channel bias array that is never modified to <paramref name="z"/> (declared constant).</summary>
    public void AddBias(IRelevanceBackend backend, float[] bias, Tensor z) => AddBias(backend, bias, z, z);

    /// <summary><c>result = z + bias</c> for a bias array that is never modified (the layer's bias or a cached variant), declared constant to the backend.</summary>
    public void AddBias(IRelevanceBackend backend, float[] bias, Tensor z, Tensor result)
    {
        backend.DeclareConstant(bias);
        AddBias(backend, (ReadOnlySpan<float>)bias, z, result);
    }

    /// <summary><c>result = z + bias</c> per channel (<paramref name="result"/> may be <paramref name="z"/>).</summary>
    public void AddBias(IRelevanceBackend backend, ReadOnlySpan<float> bias, Tensor z, Tensor result)
    {
        int inner = ChannelIsLastAxis || z.Length == 0 ? 1 : z.Length / (z.Shape[0] * z.Shape[1]);
        backend.AddChannelBias(z.Data, bias, inner, result.Data);
    }

    /// <summary>A weight variant, computed once and cached (e.g. <c>W⁺</c>, <c>W²</c>).</summary>
    public float[] WeightVariant(string key, Func<float, float> transform)
    {
        lock (_lock)
        {
            if (!_variants.TryGetValue(key, out var v))
            {
                v = new float[Weight.Length];
                for (int i = 0; i < v.Length; i++)
                {
                    v[i] = transform(Weight[i]);
                }

                _variants[key] = v;
            }

            return v;
        }
    }

    /// <summary>The weight of a rule's product term: <c>W</c>, <c>W⁺</c>, <c>W⁻</c>, ones, <c>W²</c> or <c>W ± γW^±</c> (cached).</summary>
    public float[] WeightFor(WeightVariant v, float gamma) => v switch
    {
        Linear.WeightVariant.W => Weight,
        Linear.WeightVariant.Positive => WeightVariant("+", w => w > 0 ? w : 0f),
        Linear.WeightVariant.Negative => WeightVariant("-", w => w < 0 ? w : 0f),
        Linear.WeightVariant.Ones => WeightVariant("1", _ => 1f),
        Linear.WeightVariant.Square => WeightVariant("^2", w => w * w),
        Linear.WeightVariant.GammaPositive => WeightVariant($"g+{gamma}", w => w + (gamma * (w > 0 ? w : 0f))),
        Linear.WeightVariant.GammaNegative => WeightVariant($"g-{gamma}", w => w + (gamma * (w < 0 ? w : 0f))),
        _ => throw new ArgumentOutOfRangeException(nameof(v)),
    };

    /// <summary><c>γW⁺</c> (cached): the one extra weight the Gamma rule's fast path needs (<c>Wᵖ = W + γW⁺</c>, <c>Wⁿ = (1+γ)W − γW⁺</c>).</summary>
    public float[] GammaScaledPositive(float gamma) => WeightVariant($"γ+{gamma}", w => gamma * (w > 0 ? w : 0f));

    /// <summary><c>γW⁻</c> (cached), for the Gamma rule on an input of both signs.</summary>
    public float[] GammaScaledNegative(float gamma) => WeightVariant($"γ-{gamma}", w => gamma * (w < 0 ? w : 0f));

    /// <summary><c>[b; bᵖ; bⁿ]</c> with <c>bᵖ = b + γb⁺</c>, <c>bⁿ = b + γb⁻</c> (cached), the biases of the Gamma rule's fused quotient.</summary>
    public float[] GammaBiases(float gamma)
        => Cached(FormattableString.Invariant($"bias:gamma-set:{gamma}"), () => [.. Bias, .. BiasFor(BiasVariant.GammaPositive, gamma), .. BiasFor(BiasVariant.GammaNegative, gamma)]);

    /// <summary>
    /// The layout the Gamma fast path gives its two backward operands for <see cref="BackwardPair"/>: the block of
    /// <see cref="Backends.Bodies.GammaQuotientPlan.Block"/> when both transposed products run as one (stacked weights),
    /// or 0 for two separate operands (the default: two transposed products).
    /// </summary>
    public virtual int PairBlock(int batch, int length) => 0;

    /// <summary>
    /// <c>c = W₁ᵀu₁ + W₂ᵀu₂</c> for weight arrays that are never modified. With <paramref name="u2"/> null,
    /// <paramref name="u"/> holds both operands at this layer's <see cref="PairBlock"/> layout; otherwise u₁ is
    /// <paramref name="u"/> and u₂ is <paramref name="u2"/> (each of the output's shape <paramref name="outputShape"/>).
    /// </summary>
    public virtual void BackwardPair(IRelevanceBackend backend, float[] w1, float[] w2, int[] outputShape, float[] u, float[]? u2, Tensor c)
    {
        if (u2 is null)
        {
            throw new InvalidOperationException("This layer takes its two backward operands separately (PairBlock is 0).");
        }

        Backward(backend, w1, new Tensor(outputShape, u), c);
        float[] second = LinearScratch.Rent(c.Length);
        try
        {
            var c2 = new Tensor(c.Shape, second);
            Backward(backend, w2, new Tensor(outputShape, u2), c2);
            backend.Map(new Rules.Bodies.Sum(), c.Data, c2.Data, c.Data);
        }
        finally
        {
            LinearScratch.Return(second);
        }
    }

    /// <summary>An array derived from the weights or biases, computed once and cached under <paramref name="key"/>.</summary>
    protected float[] Cached(string key, Func<float[]> make)
    {
        lock (_lock)
        {
            if (!_variants.TryGetValue(key, out var v))
            {
                v = make();
                _variants[key] = v;
            }

            return v;
        }
    }

    /// <summary>The bias of a rule's quotient: <c>b</c>, <c>b⁺</c>, <c>b⁻</c>, <c>b²</c>, <c>b ± γb^±</c>, or zeros.</summary>
    public float[] BiasFor(BiasVariant v, float gamma)
    {
        if (v == BiasVariant.B)
        {
            return Bias;
        }

        // Cached like the weight variants: computed once, never modified, so a device backend keeps it as a constant.
        lock (_lock)
        {
            string key = FormattableString.Invariant($"bias:{v}:{gamma}");
            if (!_variants.TryGetValue(key, out var cached))
            {
                cached = ComputeBias(v, gamma);
                _variants[key] = cached;
            }

            return cached;
        }
    }

    private float[] ComputeBias(BiasVariant v, float gamma) => v switch
    {
        BiasVariant.B => Bias,
        BiasVariant.Positive => Bias.Select(b => b > 0 ? b : 0f).ToArray(),
        BiasVariant.Negative => Bias.Select(b => b < 0 ? b : 0f).ToArray(),
        BiasVariant.Square => Bias.Select(b => b * b).ToArray(),
        BiasVariant.GammaPositive => Bias.Select(b => b + (gamma * (b > 0 ? b : 0f))).ToArray(),
        BiasVariant.GammaNegative => Bias.Select(b => b + (gamma * (b < 0 ? b : 0f))).ToArray(),
        _ => new float[Bias.Length],
    };
}
