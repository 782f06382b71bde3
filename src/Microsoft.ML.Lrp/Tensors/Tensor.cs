namespace Microsoft.ML.Lrp.Tensors;

/// <summary>
/// A dense, row-major float tensor: the currency of the relevance pass. Activations carry the batch as their first
/// dimension; weights and other constants do not.
/// </summary>
internal sealed class Tensor
{
    public Tensor(int[] shape, float[] data)
    {
        if (ShapeSize(shape) != data.Length)
        {
            throw new ArgumentException($"Tensor data has {data.Length} elements but shape [{string.Join(", ", shape)}] needs {ShapeSize(shape)}.");
        }

        Shape = shape;
        Data = data;
    }

    /// <summary>A zero tensor; its buffer comes from the current <see cref="TensorArena"/> when a pass runs.</summary>
    public Tensor(int[] shape)
        : this(shape, TensorArena.Allocate(ShapeSize(shape)))
    {
    }

    public int[] Shape { get; }

    public float[] Data { get; }

    public int Rank => Shape.Length;

    public int Length => Data.Length;

    public Span<float> Span => Data;

    public static int ShapeSize(ReadOnlySpan<int> shape)
    {
        long size = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative dimension {d} in shape.");
            }

            size *= d;
        }

        return checked((int)size);
    }

    public Tensor Reshape(int[] shape) => new(shape, Data);

    public Tensor Clone()
    {
        TensorArena.ReadOnHost(Data);
        var copy = TensorArena.Allocate(Data.Length, clear: false);
        Data.AsSpan().CopyTo(copy);
        return new((int[])Shape.Clone(), copy);
    }

    public static Tensor ZerosLike(Tensor t) => new((int[])t.Shape.Clone());

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    public override string ToString() => $"Tensor[{string.Join(", ", Shape)}]";
}
