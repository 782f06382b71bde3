using System.Runtime.CompilerServices;
using System.Numerics;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Runs element-wise rule bodies: the vector form of the op over whole <see cref="Vector{T}"/> blocks, the scalar
/// form over the tail, and chunks of <see cref="Chunk"/> elements in parallel when the input is large.
/// </summary>
internal static unsafe class CpuElementwise
{
    /// <summary>Elements per parallel work item (a multiple of every vector width).</summary>
    public const int Chunk = 1 << 16;

    /// <summary><c>result[i] = op(a[i])</c>.</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> a, Span<float> result)
        where TOp : struct, IUnaryElementwiseOp
    {
        int length = Check(result.Length, a.Length);
        fixed (float* pa = a)
        fixed (float* pr = result)
        {
            float* ap = pa, rp = pr;
            ForEachChunk(length, (start, count) => Unary(op, ap + start, rp + start, count));
        }
    }

    /// <summary><c>result[i] = op(a[i], b[i])</c>.</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
        where TOp : struct, IBinaryElementwiseOp
    {
        int length = Check(result.Length, a.Length, b.Length);
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pr = result)
        {
            float* ap = pa, bp = pb, rp = pr;
            ForEachChunk(length, (start, count) => Binary(op, ap + start, bp + start, rp + start, count));
        }
    }

    /// <summary><c>result[i] = op(a[i], b[i], c[i])</c>.</summary>
    public static void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> result)
        where TOp : struct, ITernaryElementwiseOp
    {
        int length = Check(result.Length, a.Length, b.Length, c.Length);
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pr = result)
        {
            float* ap = pa, bp = pb, cp = pc, rp = pr;
            ForEachChunk(length, (start, count) => Ternary(op, ap + start, bp + start, cp + start, rp + start, count));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unary<TOp>(TOp op, float* a, float* r, int count)
        where TOp : struct, IUnaryElementwiseOp
    {
        var sa = new ReadOnlySpan<float>(a, count);
        var sr = new Span<float>(r, count);
        int w = Vector<float>.Count, i = 0;
        for (; i <= count - w; i += w)
        {
            op.Apply(new Vector<float>(sa[i..])).CopyTo(sr[i..]);
        }

        for (; i < count; i++)
        {
            sr[i] = op.Apply(sa[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Binary<TOp>(TOp op, float* a, float* b, float* r, int count)
        where TOp : struct, IBinaryElementwiseOp
    {
        var sa = new ReadOnlySpan<float>(a, count);
        var sb = new ReadOnlySpan<float>(b, count);
        var sr = new Span<float>(r, count);
        int w = Vector<float>.Count, i = 0;
        for (; i <= count - w; i += w)
        {
            op.Apply(new Vector<float>(sa[i..]), new Vector<float>(sb[i..])).CopyTo(sr[i..]);
        }

        for (; i < count; i++)
        {
            sr[i] = op.Apply(sa[i], sb[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Ternary<TOp>(TOp op, float* a, float* b, float* c, float* r, int count)
        where TOp : struct, ITernaryElementwiseOp
    {
        var sa = new ReadOnlySpan<float>(a, count);
        var sb = new ReadOnlySpan<float>(b, count);
        var sc = new ReadOnlySpan<float>(c, count);
        var sr = new Span<float>(r, count);
        int w = Vector<float>.Count, i = 0;
        for (; i <= count - w; i += w)
        {
            op.Apply(new Vector<float>(sa[i..]), new Vector<float>(sb[i..]), new Vector<float>(sc[i..])).CopyTo(sr[i..]);
        }

        for (; i < count; i++)
        {
            sr[i] = op.Apply(sa[i], sb[i], sc[i]);
        }
    }

    private static void ForEachChunk(int length, Action<int, int> body)
    {
        int chunks = (length + Chunk - 1) / Chunk;
        if (chunks <= 1 || Environment.ProcessorCount == 1)
        {
            body(0, length);
            return;
        }

        Parallel.For(0, chunks, CpuParallel.Options, chunk =>
        {
            int start = chunk * Chunk;
            body(start, Math.Min(Chunk, length - start));
        });
    }

    private static int Check(int resultLength, params ReadOnlySpan<int> inputLengths)
    {
        foreach (int length in inputLengths)
        {
            if (length != resultLength)
            {
                throw new ArgumentException($"Element-wise operands must have equal lengths ({length} vs result {resultLength}).");
            }
        }

        return resultLength;
    }
}
