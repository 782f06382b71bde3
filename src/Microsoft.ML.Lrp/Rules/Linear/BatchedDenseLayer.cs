using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// MatMul with a constant operand of three or more dimensions (batched weights <c>B[b…, K, N]</c>): one dense layer
/// per batch slice, <c>z[o…, r, n] = Σ_k x[a(o)…, r, k] · B[w(o)…, k, n]</c>, where the batch index <c>o</c> of the
/// output runs over the numpy broadcast of the input's and the weight's batch axes and <c>a(o)</c>, <c>w(o)</c> are
/// its broadcast sources. The transpose accumulates: an input slice read by several output slices gets the sum.
/// Weights are stored per slice as <c>[N, K]</c>; there is no bias.
/// </summary>
internal sealed class BatchedDenseLayer : LinearLayer
{
    private readonly int[] _weightBatch;

    public BatchedDenseLayer(float[] weight, int[] weightBatch, int inFeatures, int outFeatures)
        : base(weight, new float[outFeatures])
    {
        _weightBatch = weightBatch;
        InFeatures = inFeatures;
    }

    public int InFeatures { get; }

    protected override bool ChannelIsLastAxis => true;

    public override void Forward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor x, Tensor z)
    {
        int k = InFeatures, n = OutChannels;
        foreach (var (xOffset, wOffset, zOffset, m) in Slices(x.Shape, z.Shape))
        {
            backend.Gemm(false, true, m, n, k, x.Data.AsSpan(xOffset, m * k), weight.Slice(wOffset, n * k), z.Data.AsSpan(zOffset, m * n));
        }
    }

    public override void Backward(IRelevanceBackend backend, ReadOnlySpan<float> weight, Tensor s, Tensor c)
    {
        int k = InFeatures, n = OutChannels;
        backend.Clear(c.Data);
        foreach (var (xOffset, wOffset, zOffset, m) in Slices(c.Shape, s.Shape))
        {
            backend.Gemm(false, false, m, k, n, s.Data.AsSpan(zOffset, m * n), weight.Slice(wOffset, n * k), c.Data.AsSpan(xOffset, m * k), beta: 1f);
        }
    }

    /// <summary>Per output slice: where its input rows, its weight slice and its output rows start, and its row count.</summary>
    private List<(int X, int W, int Z, int Rows)> Slices(int[] xShape, int[] zShape)
    {
        if (xShape.Length < 2)
        {
            throw new InvalidOperationException($"A batched MatMul needs an input of rank 2 or more; got [{string.Join(", ", xShape)}].");
        }

        int k = InFeatures, n = OutChannels, m = xShape[^2];
        int[] outBatch = zShape[..^2];
        int[] xBatch = Align(xShape[..^2], outBatch.Length);
        int[] wBatch = Align(_weightBatch, outBatch.Length);
        int count = outBatch.Aggregate(1, (a, b) => a * b);
        var slices = new List<(int, int, int, int)>(count);
        var index = new int[outBatch.Length];
        for (int o = 0; o < count; o++)
        {
            int rest = o;
            for (int d = outBatch.Length - 1; d >= 0; d--)
            {
                index[d] = rest % outBatch[d];
                rest /= outBatch[d];
            }

            slices.Add((Flat(index, xBatch) * m * k, Flat(index, wBatch) * n * k, o * m * n, m));
        }

        return slices;
    }

    /// <summary>Batch dims right-aligned to <paramref name="rank"/> (missing leading dims are 1).</summary>
    private static int[] Align(int[] dims, int rank) => [.. Enumerable.Repeat(1, rank - dims.Length), .. dims];

    /// <summary>The flat slice index of a broadcast source: an axis of size 1 always reads slice 0.</summary>
    private static int Flat(int[] index, int[] dims)
    {
        int flat = 0;
        for (int d = 0; d < dims.Length; d++)
        {
            flat = (flat * dims[d]) + (dims[d] == 1 ? 0 : index[d]);
        }

        return flat;
    }
}
