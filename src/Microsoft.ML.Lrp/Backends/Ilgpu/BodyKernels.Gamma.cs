using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>The scalar parameters of <see cref="BodyKernels.GammaQuotientRows"/> (ints for flags: kernel parameters must be blittable).</summary>
internal readonly struct GammaKernelShape(int inner, int channels, bool dense, bool zIncludesBias, bool nonPositive, int block, float gamma, float epsilon)
{
    private readonly int _dense = dense ? 1 : 0;
    private readonly int _zIncludesBias = zIncludesBias ? 1 : 0;
    private readonly int _nonPositive = nonPositive ? 1 : 0;

    public int Inner { get; } = inner;

    public int Channels { get; } = channels;

    public bool Dense => _dense != 0;

    public bool ZIncludesBias => _zIncludesBias != 0;

    public bool NonPositive => _nonPositive != 0;

    public int Block { get; } = block;

    public float Gamma { get; } = gamma;

    public float Epsilon { get; } = epsilon;
}

/// <summary>The Gamma rule's fused quotient pass (formulas in <see cref="Bodies.GammaQuotientPlan"/>).</summary>
internal static partial class BodyKernels
{
    /// <summary>
    /// One unit (a channel plane, or a dense row) of <c>Inner</c> elements: both masked quotients, <c>u₁</c> and
    /// <c>u₂</c> at their <c>Block</c> layout, and <c>(Σ R, ⟨sP, P⟩ + ⟨sN, N⟩)</c> as two high/low pairs at
    /// <c>pairs[4·unit]</c>. <paramref name="biases"/> is <c>[b; bᵖ; bⁿ]</c>.
    /// </summary>
    public static void GammaQuotientRows(Index1D unit, ArrayView<float> r, ArrayView<float> z, ArrayView<float> t, ArrayView<float> biases, ArrayView<float> u, ArrayView<float> pairs, GammaKernelShape shape)
    {
        int channels = shape.Channels;
        long start = (long)(int)unit * shape.Inner;
        long first = (start / shape.Block * 2 * shape.Block) + (start % shape.Block);
        int plane = (int)unit % channels;
        float onePlusGamma = 1f + shape.Gamma, eps = shape.Epsilon;
        var sumR = default(CompensatedSum);
        var dot = default(CompensatedSum);
        for (int k = 0; k < shape.Inner; k++)
        {
            long i = start + k;
            int c = shape.Dense ? k : plane;
            float b = biases[c], bp = biases[channels + c], bn = biases[(2 * channels) + c];
            float a = shape.ZIncludesBias ? z[i] - b : z[i];
            float zRef = shape.ZIncludesBias ? z[i] : a + b;
            float p = a + t[i];
            float n = (onePlusGamma * a) - t[i];
            float dp = p + (shape.NonPositive ? bn : bp);
            float dn = n + (shape.NonPositive ? bp : bn);
            bool keepP = shape.NonPositive ? zRef < 0f : zRef > 0f;
            bool keepN = shape.NonPositive ? zRef > 0f : zRef < 0f;
            float sP = keepP ? r[i] / (dp + (dp >= 0f ? eps : -eps)) : 0f;
            float sN = keepN ? r[i] / (dn + (dn >= 0f ? eps : -eps)) : 0f;
            u[first + k] = sP + (onePlusGamma * sN);
            u[first + shape.Block + k] = sP - sN;
            sumR = sumR.Add(r[i]);
            dot = dot.Add((sP * p) + (sN * n));
        }

        long o = 4 * (long)(int)unit;
        pairs[o] = sumR.High;
        pairs[o + 1] = sumR.Low;
        pairs[o + 2] = dot.High;
        pairs[o + 3] = dot.Low;
    }
}
