namespace Microsoft.ML.Lrp.Backends;

/// <summary>Operand checks of <see cref="IRelevanceBackend.GemmStridedBatched"/>, shared by the backends.</summary>
internal static class StridedBatch
{
    /// <summary>
    /// Checks the strides (A and B may be 0, broadcast; C must hold each product apart) and the operand lengths,
    /// and returns the lengths the batch spans in A, B and C.
    /// </summary>
    public static (int A, int B, int C) Check(int m, int n, int k, int batch, int aLength, int strideA, int bLength, int strideB, int cLength, int strideC)
    {
        long aSize = (long)m * k, bSize = (long)k * n, cSize = (long)m * n;
        if (batch < 0 || strideA < 0 || strideB < 0 || (strideA != 0 && strideA < aSize) || (strideB != 0 && strideB < bSize) || (batch > 1 && strideC < cSize))
        {
            throw new ArgumentException($"Batched GEMM strides (A {strideA}, B {strideB}, C {strideC}) do not hold {batch} products of {m}×{k} · {k}×{n} apart.");
        }

        long a = batch == 0 ? 0 : ((long)(batch - 1) * strideA) + aSize;
        long b = batch == 0 ? 0 : ((long)(batch - 1) * strideB) + bSize;
        long c = batch == 0 ? 0 : ((long)(batch - 1) * strideC) + cSize;
        if (aLength < a || bLength < b || cLength < c)
        {
            throw new ArgumentException($"Batched GEMM operands too short for {batch} × {m}×{k} · {k}×{n} (A {aLength} < {a}, B {bLength} < {b} or C {cLength} < {c}).");
        }

        return ((int)a, (int)b, (int)c);
    }
}
