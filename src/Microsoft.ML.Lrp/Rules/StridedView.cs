using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// A data movement that is an affine view of its source (Transpose, Slice, Expand): output element
/// <c>(i₀, …, iₖ)</c> is source element <c>offset + Σ iₐ · strideₐ</c>. Axes of size one are dropped and axes that
/// are contiguous in the source merged, so a transpose of attention heads becomes a copy of rows (the backend's <c>StridedCopy</c>). No
/// index map is built.
/// </summary>
internal sealed class StridedView
{
    private readonly int _offset;
    private readonly int[] _shape;
    private readonly int[] _strides;

    private StridedView(int offset, int[] shape, int[] strides, int length, bool injective)
    {
        _offset = offset;
        _shape = shape;
        _strides = strides;
        Length = length;
        Injective = injective;
    }

    /// <summary>Output elements.</summary>
    public int Length { get; }

    /// <summary>True when no two output elements read the same source element (no stride is zero).</summary>
    public bool Injective { get; }

    /// <summary>The view of <paramref name="shape"/> with source <paramref name="strides"/> per output axis, simplified.</summary>
    public static StridedView Create(int offset, int[] shape, int[] strides)
    {
        var s = new List<int>();
        var t = new List<int>();
        int length = 1;
        for (int a = 0; a < shape.Length; a++)
        {
            length *= shape[a];
            if (shape[a] == 1)
            {
                continue;
            }

            if (s.Count > 0 && t[^1] == strides[a] * shape[a])
            {
                s[^1] *= shape[a];
                t[^1] = strides[a];
            }
            else
            {
                s.Add(shape[a]);
                t.Add(strides[a]);
            }
        }

        if (s.Count == 0)
        {
            s.Add(1);
            t.Add(1);
        }

        bool injective = length == 0 || t.Zip(s).All(p => p.First != 0 || p.Second == 1);
        return new StridedView(offset, [.. s], [.. t], length, injective);
    }

    /// <summary><c>y[i] = source[offset + Σ iₐ · strideₐ]</c> for every output element.</summary>
    public void Gather(IRelevanceBackend backend, float[] source, float[] y) => backend.StridedCopy(_offset, _shape, _strides, source, y, scatter: false);

    /// <summary>The adjoint of an injective view: <c>target[offset + Σ iₐ · strideₐ] = r[i]</c> (other target elements are left as they are).</summary>
    public void Scatter(IRelevanceBackend backend, float[] r, float[] target)
    {
        if (!Injective)
        {
            throw new InvalidOperationException("A broadcasting view has no element-wise scatter.");
        }

        backend.StridedCopy(_offset, _shape, _strides, target, r, scatter: true);
    }
}
