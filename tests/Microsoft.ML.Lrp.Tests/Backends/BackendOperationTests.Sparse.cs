using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary><see cref="IRelevanceBackend.SparseLinear"/> against a naive double loop over a dense copy of the map.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void SparseLinear_RandomMapsAndPlanes_MatchDenseNaiveAndCpu(bool transpose)
    {
        (int Rows, int Columns, int Planes)[] shapes = [(1, 1, 1), (7, 5, 3), (40, 33, 2), (300, 129, 5), (3, 0, 2), (0, 4, 3)];
        int seed = 100;
        double worstNaive = 0, worstCpu = 0;
        foreach (var (rows, columns, planes) in shapes)
        {
            var (map, dense) = RandomSparseMap(rows, columns, seed++);
            int inLength = planes * (transpose ? rows : columns), outLength = planes * (transpose ? columns : rows);
            float[] x = NaiveKernels.RandomTensor(inLength, seed++);
            float[] y = NaiveKernels.RandomTensor(outLength, seed++);
            float[] cpu = new float[outLength];
            Backend.SparseLinear(map, transpose, x, y);
            Cpu.SparseLinear(map, transpose, x, cpu);
            var expected = new double[outLength];
            var magnitude = new double[outLength];
            int inPlane = transpose ? rows : columns, outPlane = transpose ? columns : rows;
            for (int p = 0; p < planes; p++)
            {
                for (int o = 0; o < outPlane; o++)
                {
                    for (int i = 0; i < inPlane; i++)
                    {
                        double w = transpose ? dense[i, o] : dense[o, i];
                        expected[(p * outPlane) + o] += w * x[(p * inPlane) + i];
                        magnitude[(p * outPlane) + o] += Math.Abs(w * x[(p * inPlane) + i]);
                    }
                }
            }

            worstNaive = Math.Max(worstNaive, Worst(expected, y, magnitude));
            worstCpu = Math.Max(worstCpu, Worst(cpu.Select(v => (double)v).ToArray(), y, magnitude));
        }

        Assert.AreEqual(0.0, worstNaive, Tolerance, "versus naive");
        Assert.AreEqual(0.0, worstCpu, Tolerance, "versus CPU backend");
    }

    [TestMethod]
    public void SparseLinear_LargeMap_SplitsOverCoresAndMatchesNaive()
    {
        // Enough work to take the parallel path: 8 planes of a 4096-row map with 4 entries per row.
        var (map, dense) = RandomSparseMap(4096, 1024, 7, entriesPerRow: 4);
        float[] x = NaiveKernels.RandomTensor(8 * 1024, 8);
        float[] y = new float[8 * 4096];
        Backend.SparseLinear(map, false, x, y);
        double worst = 0;
        for (int p = 0; p < 8; p++)
        {
            for (int r = 0; r < 4096; r += 37)
            {
                double sum = 0, magnitude = 0;
                for (int c = 0; c < 1024; c++)
                {
                    sum += dense[r, c] * x[(p * 1024) + c];
                    magnitude += Math.Abs(dense[r, c] * x[(p * 1024) + c]);
                }

                worst = Math.Max(worst, Math.Abs(sum - y[(p * 4096) + r]) / Math.Max(magnitude, 1e-30));
            }
        }

        Assert.AreEqual(0.0, worst, Tolerance);
    }

    [TestMethod]
    public void SparseLinear_PartialPlane_Throws()
    {
        var (map, _) = RandomSparseMap(3, 4, 1);
        var backend = Backend;
        Assert.ThrowsExactly<ArgumentException>(() => backend.SparseLinear(map, false, new float[6], new float[3]));
        Assert.ThrowsExactly<ArgumentException>(() => backend.SparseLinear(map, true, new float[3], new float[5]));
    }

    [TestMethod]
    public void SparseMap_ColumnOutOfRange_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => new SparseMap(1, 2, [0, 1], [2], [1f]));

    /// <summary>A random map with empty rows and repeated columns within a row, and its dense copy (repeats summed).</summary>
    private static (SparseMap Map, double[,] Dense) RandomSparseMap(int rows, int columns, int seed, int entriesPerRow = -1)
    {
        var random = new Random(seed);
        var start = new List<int> { 0 };
        var column = new List<int>();
        var weight = new List<float>();
        var dense = new double[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            int count = columns == 0 ? 0 : entriesPerRow >= 0 ? entriesPerRow : random.Next(0, 6);
            for (int k = 0; k < count; k++)
            {
                int c = random.Next(columns);
                float w = (float)((random.NextDouble() * 2) - 1);
                column.Add(c);
                weight.Add(w);
                dense[r, c] += w;
            }

            start.Add(column.Count);
        }

        return (new SparseMap(rows, columns, [.. start], [.. column], [.. weight]), dense);
    }
}
