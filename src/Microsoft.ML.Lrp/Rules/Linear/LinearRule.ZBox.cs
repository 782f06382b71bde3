using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The ZBox rule from two transposed products instead of three forward and three transposed ones. Its bounds are the
/// same for every sample (one value, one per channel or one per element of a row), so <c>W⁺l + W⁻h</c> is a constant
/// of the layer, computed once per input shape; with the node's output <c>y = W x + b</c> (a required value) the
/// denominator is <c>z = W x − W⁺l − W⁻h = y − (b + W⁺l + W⁻h)</c>. Since <c>W = W⁺ + W⁻</c>, RULES.md's
/// <c>R_x = x⊙Wᵀs − l⊙W⁺ᵀs − h⊙W⁻ᵀs</c> is <c>(x − l)⊙W⁺ᵀs + (x − h)⊙W⁻ᵀs</c>.
/// </summary>
internal sealed partial class LinearRule
{
    private readonly Dictionary<string, ZBoxConstants> _zBoxConstants = new(StringComparer.Ordinal);

    /// <summary>True for the ZBox rule (<c>W x − W⁺l − W⁻h</c>, no bias), which the path below replaces.</summary>
    public bool IsZBox { get; init; }

    private bool TryPropagateZBox(RuleContext ctx, Tensor x, Tensor relevance, float eps)
    {
        int length = relevance.Length, channels = Layer.OutChannels;
        bool dense = Layer is DenseLayer;
        if (!IsZBox || _bounds is null || !(dense || Layer is ConvLayer) || channels == 0 || length % ctx.Batch != 0 || x.Rank < 1
            || (dense ? length / ctx.Batch % channels != 0 : relevance.Rank < 2 || relevance.Shape[1] != channels)
            || !ctx.TryValue(ctx.Node.Outputs[0], out var output) || output.Length != length)
        {
            return false;
        }

        var backend = ctx.Backend;
        var constants = Constants(backend, x.Shape, relevance.Shape);
        float[] z = LinearScratch.Rent(length);
        float[] s = LinearScratch.Rent(length);
        float[] negativePart = LinearScratch.Rent(x.Length);
        float[] shifted = LinearScratch.Rent(x.Length);
        try
        {
            backend.BroadcastArithmetic(ArithmeticOp.Sub, output.Data, constants.Offset, constants.OffsetShape, z, relevance.Shape);
            float[] zeros = Layer.BiasFor(BiasVariant.Zero, 0f);
            backend.DeclareConstant(zeros);
            var (relevanceSums, dots) = dense
                ? backend.DenseQuotient(relevance.Data, z, zeros, ctx.Batch, eps, s)
                : backend.ChannelQuotient(relevance.Data, z, zeros, ctx.Batch, eps, s);

            // The transposed products overwrite every element, so neither result needs zeroing.
            var result = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
            var quotient = new Tensor(relevance.Shape, s);
            Layer.Backward(backend, WeightOf(WeightVariant.Positive), quotient, result);
            Layer.Backward(backend, WeightOf(WeightVariant.Negative), quotient, new Tensor(x.Shape, negativePart));
            backend.BroadcastArithmetic(ArithmeticOp.Sub, x.Data, constants.Low, constants.BoundShape, shifted, x.Shape);
            backend.Map(new Product(), shifted, result.Data, result.Data);
            backend.BroadcastArithmetic(ArithmeticOp.Sub, x.Data, constants.High, constants.BoundShape, shifted, x.Shape);
            backend.Map(new ScaledProductAdd(1f), result.Data, shifted, negativePart, result.Data);
            for (int r = 0; r < ctx.Batch; r++)
            {
                ctx.Absorb(r, relevanceSums[r] - dots[r]);
            }

            ctx.AddInputRelevance(0, result);
            return true;
        }
        finally
        {
            LinearScratch.Return(z);
            LinearScratch.Return(s);
            LinearScratch.Return(negativePart);
            LinearScratch.Return(shifted);
        }
    }

    /// <summary>One sample's bounds and <c>b + W⁺l + W⁻h</c> for this input shape (computed on first use, then constant).</summary>
    private ZBoxConstants Constants(Backends.IRelevanceBackend backend, int[] inputShape, int[] outputShape)
    {
        int[] boundShape = [1, .. inputShape[1..]];
        int[] offsetShape = [1, .. outputShape[1..]];
        string key = string.Join(',', inputShape[1..]) + ";" + string.Join(',', outputShape[1..]);
        lock (_zBoxConstants)
        {
            if (!_zBoxConstants.TryGetValue(key, out var made))
            {
                // Arrays of the explainer's lifetime, not of this pass: the bounds (filled on the host in the pass's
                // arena) are copied out and handed back; the offset is computed into plain host arrays.
                var (lowTensor, highTensor) = _bounds!(boundShape);
                var low = new Tensor(boundShape, lowTensor.Data.ToArray());
                var high = new Tensor(boundShape, highTensor.Data.ToArray());
                TensorArena.Release(lowTensor.Data);
                TensorArena.Release(highTensor.Data);
                int offsetLength = Tensor.ShapeSize(offsetShape);
                var offset = new Tensor(offsetShape, new float[offsetLength]);
                var other = new Tensor(offsetShape, new float[offsetLength]);
                Layer.Forward(backend, WeightOf(WeightVariant.Positive), low, offset);
                Layer.Forward(backend, WeightOf(WeightVariant.Negative), high, other);
                backend.Map(new Sum(), offset.Data, other.Data, offset.Data);
                Layer.AddBias(backend, Layer.Bias, offset);
                made = new ZBoxConstants(boundShape, low.Data, high.Data, offsetShape, offset.Data);
                foreach (var constant in (float[][])[made.Low, made.High, made.Offset])
                {
                    backend.DeclareConstant(constant);
                }

                _zBoxConstants[key] = made;
            }

            return made;
        }
    }

    /// <summary>The bounds of one sample (<see cref="BoundShape"/> = <c>[1, input row…]</c>) and <c>b + W⁺l + W⁻h</c> (<see cref="OffsetShape"/>).</summary>
    private sealed record ZBoxConstants(int[] BoundShape, float[] Low, float[] High, int[] OffsetShape, float[] Offset);
}
