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

    private readonly List<(float[] First, float[] Second, float[] Stacked)> _stacked = [];

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

    /// <summary>
    /// An ungrouped convolution runs the pair of transposed products as one: the weights stacked along the output
    /// channels (<c>[W₁; W₂]</c>, <c>2M</c> channels) and the operands as <c>[N, 2M, out]</c> (block = one sample).
    /// </summary>
    public override int PairBlock(int batch, int length) => !Transposed && geometryForBatch(batch).Group == 1 ? length / batch : 0;

    /// <inheritdoc/>
    public override void BackwardPair(IRelevanceBackend backend, float[] w1, float[] w2, int[] outputShape, float[] u, float[]? u2, Tensor c)
    {
        if (u2 is not null)
        {
            base.BackwardPair(backend, w1, w2, outputShape, u, u2, c);
            return;
        }

        var g = geometryForBatch(outputShape[0]);
        var pair = g with { OutChannels = 2 * g.OutChannels };
        float[] stacked = Stacked(w1, w2);
        if (!TryBound(backend, stacked, transpose: true, pair, u, c))
        {
            backend.DeclareConstant(stacked);
            backend.ConvBackwardData(pair, u, stacked, c.Data);
        }
    }

    private float[] Stacked(float[] w1, float[] w2)
    {
        lock (_stacked)
        {
            foreach (var (first, second, stacked) in _stacked)
            {
                if (ReferenceEquals(first, w1) && ReferenceEquals(second, w2))
                {
                    return stacked;
                }
            }

            float[] made = [.. w1, .. w2];
            _stacked.Add((w1, w2, made));
            return made;
        }
    }

    /// <summary>Runs the session bound to (<paramref name="weight"/>, direction), binding it on first use.</summary>
    private bool TryBound(IRelevanceBackend backend, float[] weight, bool transpose, Tensor input, Tensor output)
        => backend.CanBindConvolutions && TryBound(backend, weight, transpose, geometryForBatch(input.Shape[0]), input.Data, output);

    /// <summary>Runs the session bound to (<paramref name="weight"/>, direction, geometry <paramref name="g"/> up to the batch), binding it on first use.</summary>
    private bool TryBound(IRelevanceBackend backend, float[] weight, bool transpose, ConvGeometry g, float[] input, Tensor output)
    {
        if (!backend.CanBindConvolutions)
        {
            return false;
        }

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

        return binding.Session is not null && binding.Session.TryRun(g, input, output.Data);
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

        lock (_stacked)
        {
            _stacked.Clear();
        }
    }

    private static bool SameExceptBatch(ConvGeometry a, ConvGeometry b)
        => a.InChannels == b.InChannels && a.OutChannels == b.OutChannels && a.Group == b.Group
            && a.InSpatial.AsSpan().SequenceEqual(b.InSpatial) && a.KernelSpatial.AsSpan().SequenceEqual(b.KernelSpatial)
            && a.OutSpatial.AsSpan().SequenceEqual(b.OutSpatial) && a.Strides.AsSpan().SequenceEqual(b.Strides)
            && a.PadsBegin.AsSpan().SequenceEqual(b.PadsBegin) && a.Dilations.AsSpan().SequenceEqual(b.Dilations);

    private sealed record Binding(float[] Weight, bool Transpose, ConvGeometry Geometry, IBoundConvolution? Session);
}
