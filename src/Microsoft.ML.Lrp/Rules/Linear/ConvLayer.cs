using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// Conv (<paramref name="transposed"/> false) or ConvTranspose (true). For ConvTranspose the geometry describes the
/// convolution whose adjoint it is (from the ConvTranspose output space to its input space), so its forward map is
/// that convolution's <c>ConvBackwardData</c> and its transpose is <c>ConvForward</c>. Calls with a weight array bind
/// it once through the backend (<see cref="IRelevanceBackend.BindConvolution"/>: an ONNX Runtime session on the CPU
/// backend), so repeated calls skip the kernel cache's content comparison.
/// </summary>
internal sealed class ConvLayer(float[] weight, float[] bias, bool transposed, Func<int, ConvGeometry> geometryForBatch) : LinearLayer(weight, bias)
{
    /// <summary>Bindings kept per layer (weight variants × directions × geometries in practice stay far below).</summary>
    private const int MaxBindings = 32;

    private readonly List<Binding> _bindings = [];

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

    public override void Forward(IRelevanceBackend backend, float[] weight, Tensor x, Tensor z)
    {
        if (!TryBound(backend, weight, transpose: Transposed, x, z))
        {
            base.Forward(backend, weight, x, z);
        }
    }

    public override void Backward(IRelevanceBackend backend, float[] weight, Tensor s, Tensor c)
    {
        if (!TryBound(backend, weight, transpose: !Transposed, s, c))
        {
            base.Backward(backend, weight, s, c);
        }
    }

    /// <summary>Runs the session bound to (<paramref name="weight"/>, direction), binding it on first use.</summary>
    private bool TryBound(IRelevanceBackend backend, float[] weight, bool transpose, Tensor input, Tensor output)
    {
        if (!backend.CanBindConvolutions)
        {
            return false;
        }

        var g = geometryForBatch(input.Shape[0]);
        Binding? binding = null;
        lock (_bindings)
        {
            foreach (var b in _bindings)
            {
                if (ReferenceEquals(b.Weight, weight) && b.Transpose == transpose && SameExceptBatch(b.Geometry, g))
                {
                    binding = b;
                    break;
                }
            }

            if (binding is null)
            {
                if (_bindings.Count >= MaxBindings)
                {
                    // A guard against callers passing fresh arrays: the oldest binding goes.
                    _bindings[0].Session?.Release();

                    _bindings.RemoveAt(0);
                }

                binding = new Binding(weight, transpose, g, backend.BindConvolution(g, transpose, weight));
                _bindings.Add(binding);
            }
        }

        return binding.Session is not null && binding.Session.TryRun(g, input.Data, output.Data);
    }

    /// <summary>Unbinds this layer's ONNX Runtime sessions (its explainer is disposed); a later call binds anew.</summary>
    public void ReleaseSessions()
    {
        lock (_bindings)
        {
            foreach (var binding in _bindings)
            {
                binding.Session?.Release();
            }

            _bindings.Clear();
        }
    }

    private static bool SameExceptBatch(ConvGeometry a, ConvGeometry b)
        => a.InChannels == b.InChannels && a.OutChannels == b.OutChannels && a.Group == b.Group
            && a.InSpatial.AsSpan().SequenceEqual(b.InSpatial) && a.KernelSpatial.AsSpan().SequenceEqual(b.KernelSpatial)
            && a.OutSpatial.AsSpan().SequenceEqual(b.OutSpatial) && a.Strides.AsSpan().SequenceEqual(b.Strides)
            && a.PadsBegin.AsSpan().SequenceEqual(b.PadsBegin) && a.Dilations.AsSpan().SequenceEqual(b.Dilations);

    private sealed record Binding(float[] Weight, bool Transpose, ConvGeometry Geometry, IBoundConvolution? Session);
}
