using Microsoft.ML.Lrp.Backends.Cpu;
namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// A data movement that is an affine view of its source (Transpose, Slice, Expand): output element
/// <c>(i₀, …, iₖ)</c> is source element <c>offset + Σ iₐ · strideₐ</c>. Axes of size one are dropped and axes that
/// are contiguous in the source merged, so a transpose of attention heads becomes a copy of rows; rows are split
/// over the cores when the tensor is large. No index map is built.
/// </summary>
internal sealed class StridedView
{
    private const int ParallelElements = 1 << 15;

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
    public void Gather(float[] source, float[] y) => Run(source, y, scatter: false);

    /// <summary>The adjoint of an injective view: <c>target[offset + Σ iₐ · strideₐ] = r[i]</c> (other target elements are left as they are).</summary>
    public void Scatter(float[] r, float[] target)
    {
        if (!Injective)
        {
            throw new InvalidOperationException("A broadcasting view has no element-wise scatter.");
        }

        Run(target, r, scatter: true);
    }

    private void Run(float[] source, float[] y, bool scatter)
    {
        if (Length == 0)
        {
            return;
        }

        int inner = _shape[^1];
        int rows = Length / inner;
        if (Length < ParallelElements || rows == 1)
        {
            Rows(source, y, 0, rows, scatter);
            return;
        }

        int rowsPerItem = Math.Max(1, (ParallelElements / 2) / inner);
        int items = (rows + rowsPerItem - 1) / rowsPerItem;
        Parallel.For(0, items, CpuParallel.Options, item => Rows(source, y, item * rowsPerItem, Math.Min(rows, (item + 1) * rowsPerItem), scatter));
    }

    private void Rows(float[] source, float[] y, int first, int end, bool scatter)
    {
        int outer = _shape.Length - 1;
        int inner = _shape[^1];
        int step = _strides[^1];
        Span<int> index = stackalloc int[Math.Max(1, outer)];
        int rest = first, src = _offset;
        for (int a = outer - 1; a >= 0; a--)
        {
            index[a] = rest % _shape[a];
            rest /= _shape[a];
            src += index[a] * _strides[a];
        }

        for (int row = first; row < end; row++)
        {
            var dst = y.AsSpan(row * inner, inner);
            if (step == 1)
            {
                if (scatter)
                {
                    dst.CopyTo(source.AsSpan(src, inner));
                }
                else
                {
                    source.AsSpan(src, inner).CopyTo(dst);
                }
            }
            else if (step == 0)
            {
                dst.Fill(source[src]);
            }
            else if (scatter)
            {
                for (int j = 0, k = src; j < inner; j++, k += step)
                {
                    source[k] = dst[j];
                }
            }
            else
            {
                for (int j = 0, k = src; j < inner; j++, k += step)
                {
                    dst[j] = source[k];
                }
            }

            for (int a = outer - 1; a >= 0; a--)
            {
                src += _strides[a];
                if (++index[a] < _shape[a])
                {
                    break;
                }

                src -= _strides[a] * _shape[a];
                index[a] = 0;
            }
        }
    }
}
