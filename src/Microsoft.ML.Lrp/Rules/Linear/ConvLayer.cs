using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// Conv (<paramref name="transposed"/> false) or ConvTranspose (true). For ConvTranspose the geometry describes the
/// convolution whose adjoint it is (from the ConvTranspose output space to its input space), so its forward map is
/// that convolution's <c>ConvBackwardData</c> and its transpose is <c>ConvForward</c>.
/// </summary>
internal sealed class ConvLayer(float[] weight, float[] bias, bool transposed, Func<int, ConvGeometry> geometryForBatch) : LinearLayer(weight, bias)
{
    public bool Transposed { get; } = transposed;

    protected override bool ChannelIsLastAxis => false;

    public ConvGeometry Geometry(int batch) => geometryForBatch(batch);

    public override void Forward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor x, Tensor z)
    {
        var g = geometryForBatch(x.Shape[0]);
        if (Transposed)
        {
            backend.ConvBackwardData(g, x.Data, weight, z.Data);
        }
        else
        {
            backend.ConvForward(g, x.Data, weight, ReadOnlySpan<float>.Empty, z.Data);
        }
    }

    public override void Backward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor s, Tensor c)
    {
        var g = geometryForBatch(s.Shape[0]);
        if (Transposed)
        {
            backend.ConvForward(g, s.Data, weight, ReadOnlySpan<float>.Empty, c.Data);
        }
        else
        {
            backend.ConvBackwardData(g, s.Data, weight, c.Data);
        }
    }
}
