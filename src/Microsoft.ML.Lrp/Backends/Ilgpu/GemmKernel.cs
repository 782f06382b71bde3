using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// A shared-memory and register-tiled GEMM kernel: each 16×16 thread group computes a 64×64 tile of C, staging
/// 16-deep slices of A and B in shared memory; each thread accumulates a 4×4 block of outputs in registers (rows and
/// columns 16 apart, so shared-memory reads do not conflict). Edges of any M, N, K are handled by zero-filled
/// loads and guarded stores; β = 0 never reads C (NaN there is ignored).
/// </summary>
internal static class GemmKernel
{
    /// <summary>Rows and columns of C per thread group.</summary>
    public const int Tile = 64;

    /// <summary>Depth of the shared-memory slice.</summary>
    public const int Depth = 16;

    /// <summary>Threads per group along each axis.</summary>
    public const int Threads = 16;

    private const int Loads = Tile * Depth / (Threads * Threads);

    /// <summary>The kernel body; grid (⌈N/64⌉, ⌈M/64⌉, batch), groups of 16×16.</summary>
    public static void Run(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape p)
    {
        var aTile = SharedMemory.Allocate<float>(Tile * Depth);
        var bTile = SharedMemory.Allocate<float>(Tile * Depth);
        int tx = Group.IdxX, ty = Group.IdxY, tid = (ty * Threads) + tx;
        int z = Grid.IdxZ;
        int rowBase = Grid.IdxY * Tile, colBase = Grid.IdxX * Tile;
        long aBase = (long)(z % p.APeriod) * p.AStride, bBase = (long)z * p.BStride, cBase = (long)z * p.CStride;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int k0 = 0; k0 < p.K; k0 += Depth)
        {
            for (int l = 0; l < Loads; l++)
            {
                int e = tid + (l * Threads * Threads);
                aTile[TileIndexA(e, p.TransA)] = LoadA(a, aBase, p, rowBase, k0, e);
                bTile[TileIndexB(e, p.TransB)] = LoadB(b, bBase, p, colBase, k0, e);
            }

            Group.Barrier();
            for (int kk = 0; kk < Depth; kk++)
            {
                int ar = (kk * Tile) + ty, bc = (kk * Tile) + tx;
                float a0 = aTile[ar], a1 = aTile[ar + 16], a2 = aTile[ar + 32], a3 = aTile[ar + 48];
                float b0 = bTile[bc], b1 = bTile[bc + 16], b2 = bTile[bc + 32], b3 = bTile[bc + 48];
                c00 += a0 * b0;
                c01 += a0 * b1;
                c02 += a0 * b2;
                c03 += a0 * b3;
                c10 += a1 * b0;
                c11 += a1 * b1;
                c12 += a1 * b2;
                c13 += a1 * b3;
                c20 += a2 * b0;
                c21 += a2 * b1;
                c22 += a2 * b2;
                c23 += a2 * b3;
                c30 += a3 * b0;
                c31 += a3 * b1;
                c32 += a3 * b2;
                c33 += a3 * b3;
            }

            Group.Barrier();
        }

        int row0 = rowBase + ty, col0 = colBase + tx;
        Store(c, cBase, p, row0 + 0, col0 + 0, c00);
        Store(c, cBase, p, row0 + 0, col0 + 16, c01);
        Store(c, cBase, p, row0 + 0, col0 + 32, c02);
        Store(c, cBase, p, row0 + 0, col0 + 48, c03);
        Store(c, cBase, p, row0 + 16, col0 + 0, c10);
        Store(c, cBase, p, row0 + 16, col0 + 16, c11);
        Store(c, cBase, p, row0 + 16, col0 + 32, c12);
        Store(c, cBase, p, row0 + 16, col0 + 48, c13);
        Store(c, cBase, p, row0 + 32, col0 + 0, c20);
        Store(c, cBase, p, row0 + 32, col0 + 16, c21);
        Store(c, cBase, p, row0 + 32, col0 + 32, c22);
        Store(c, cBase, p, row0 + 32, col0 + 48, c23);
        Store(c, cBase, p, row0 + 48, col0 + 0, c30);
        Store(c, cBase, p, row0 + 48, col0 + 16, c31);
        Store(c, cBase, p, row0 + 48, col0 + 32, c32);
        Store(c, cBase, p, row0 + 48, col0 + 48, c33);
    }

    /// <summary>Slot of load <paramref name="e"/> in the A tile ([depth][row]); consecutive threads read consecutive memory.</summary>
    private static int TileIndexA(int e, int transA)
        => transA != 0 ? e : ((e % Depth) * Tile) + (e / Depth);

    private static int TileIndexB(int e, int transB)
        => transB != 0 ? ((e % Depth) * Tile) + (e / Depth) : e;

    private static float LoadA(ArrayView<float> a, long aBase, GemmShape p, int rowBase, int k0, int e)
    {
        // A stored [M, K] (or [K, M] when transposed).
        int row, kk;
        if (p.TransA != 0)
        {
            kk = e / Tile;
            row = e % Tile;
        }
        else
        {
            row = e / Depth;
            kk = e % Depth;
        }

        int i = rowBase + row, k = k0 + kk;
        if (i >= p.M || k >= p.K)
        {
            return 0f;
        }

        return p.TransA != 0 ? a[aBase + ((long)k * p.M) + i] : a[aBase + ((long)i * p.K) + k];
    }

    private static float LoadB(ArrayView<float> b, long bBase, GemmShape p, int colBase, int k0, int e)
    {
        // B stored [K, N] (or [N, K] when transposed).
        int col, kk;
        if (p.TransB != 0)
        {
            col = e / Depth;
            kk = e % Depth;
        }
        else
        {
            kk = e / Tile;
            col = e % Tile;
        }

        int j = colBase + col, k = k0 + kk;
        if (j >= p.N || k >= p.K)
        {
            return 0f;
        }

        return p.TransB != 0 ? b[bBase + ((long)j * p.K) + k] : b[bBase + ((long)k * p.N) + j];
    }

    private static void Store(ArrayView<float> c, long cBase, GemmShape p, int i, int j, float value)
    {
        if (i < p.M && j < p.N)
        {
            long index = cBase + ((long)i * p.N) + j;
            c[index] = p.Beta == 0f ? value : value + (p.Beta * c[index]);
        }
    }
}
