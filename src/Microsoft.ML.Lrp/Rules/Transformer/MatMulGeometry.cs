using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// The index geometry of an ONNX MatMul (numpy semantics): 1-D operands promoted to matrices, batch dimensions
/// broadcast. <see cref="Offsets"/> gives, per output matrix, the offsets of the operand matrices it multiplies.
/// </summary>
internal sealed class MatMulGeometry
{
    public MatMulGeometry(int[] aShape, int[] bShape)
    {
        int[] a = aShape.Length == 1 ? [1, aShape[0]] : aShape;
        int[] b = bShape.Length == 1 ? [bShape[0], 1] : bShape;
        M = a[^2];
        K = a[^1];
        N = b[^1];
        if (b[^2] != K)
        {
            throw new LrpException($"MatMul operands [{string.Join(", ", aShape)}] and [{string.Join(", ", bShape)}] do not agree on the inner dimension.");
        }

        int[] aBatch = a[..^2], bBatch = b[..^2];
        int[] batch = TensorShapes.BroadcastShape([aBatch, bBatch]);
        int count = Tensor.ShapeSize(batch);
        Offsets = new (int A, int B, int Out)[count];
        var aIndex = TensorShapes.BroadcastSourceIndex(aBatch, batch);
        var bIndex = TensorShapes.BroadcastSourceIndex(bBatch, batch);
        for (int i = 0; i < count; i++)
        {
            Offsets[i] = (aIndex[i] * M * K, bIndex[i] * K * N, i * M * N);
        }

        OutputLength = count * M * N;
    }

    public int M { get; }

    public int K { get; }

    public int N { get; }

    /// <summary>Per output matrix: the offsets of its A matrix, its B matrix and itself.</summary>
    public (int A, int B, int Out)[] Offsets { get; }

    public int OutputLength { get; }

    /// <summary><c>z = A·B</c> per batch matrix, accumulated in double.</summary>
    public float[] Multiply(float[] a, float[] b)
    {
        var z = new float[OutputLength];
        Parallel.For(0, Offsets.Length, t =>
        {
            var (oa, ob, oz) = Offsets[t];
            var row = new double[N];
            for (int i = 0; i < M; i++)
            {
                Array.Clear(row);
                for (int k = 0; k < K; k++)
                {
                    double av = a[oa + (i * K) + k];
                    if (av == 0)
                    {
                        continue;
                    }

                    int bRow = ob + (k * N);
                    for (int j = 0; j < N; j++)
                    {
                        row[j] += av * b[bRow + j];
                    }
                }

                for (int j = 0; j < N; j++)
                {
                    z[oz + (i * N) + j] = (float)row[j];
                }
            }
        });
        return z;
    }

    /// <summary>
    /// The bilinear shares: <c>R_A += A ⊙ s·Bᵀ</c> and <c>R_B += B ⊙ Aᵀ·s</c> (either may be null), summed over
    /// broadcast batch matrices. Runs sequentially over batch matrices that share an operand matrix.
    /// </summary>
    public void Shares(float[] a, float[] b, float[] s, float[]? ra, float[]? rb)
    {
        for (int t = 0; t < Offsets.Length; t++)
        {
            var (oa, ob, os) = Offsets[t];
            if (ra is not null)
            {
                Parallel.For(0, M, i =>
                {
                    for (int k = 0; k < K; k++)
                    {
                        double acc = 0;
                        int bRow = ob + (k * N);
                        int sRow = os + (i * N);
                        for (int j = 0; j < N; j++)
                        {
                            acc += (double)s[sRow + j] * b[bRow + j];
                        }

                        ra[oa + (i * K) + k] += (float)(a[oa + (i * K) + k] * acc);
                    }
                });
            }

            if (rb is not null)
            {
                Parallel.For(0, K, k =>
                {
                    for (int j = 0; j < N; j++)
                    {
                        double acc = 0;
                        for (int i = 0; i < M; i++)
                        {
                            acc += (double)a[oa + (i * K) + k] * s[os + (i * N) + j];
                        }

                        rb[ob + (k * N) + j] += (float)(b[ob + (k * N) + j] * acc);
                    }
                });
            }
        }
    }
}
