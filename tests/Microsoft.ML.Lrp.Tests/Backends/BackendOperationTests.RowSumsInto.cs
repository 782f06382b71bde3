namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary><see cref="IRelevanceBackend.RowSumsInto"/>: per-row sums written as a float tensor.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 384)]
    [DataRow(130, 33)]
    public void RowSumsInto_Rows_MatchNaiveAndCpu(int rows, int length)
    {
        float[] x = NaiveKernels.RandomTensor(rows * length, 229).Select(v => (v * 3f) + 0.25f).ToArray();
        var sums = new float[rows];
        var cpu = new float[rows];
        Backend.RowSumsInto(x, rows, sums);
        Cpu.RowSumsInto(x, rows, cpu);
        var expected = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < length; k++)
            {
                expected[r] += x[(r * length) + k];
            }
        }

        Assert.AreEqual(0.0, Worst(expected, sums, null), Tolerance, "versus naive");
        Assert.AreEqual(0.0, Worst(cpu, sums, null), Tolerance, "versus CPU");
    }
}
