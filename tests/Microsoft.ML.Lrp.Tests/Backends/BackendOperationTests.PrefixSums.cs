namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary><see cref="IRelevanceBackend.PrefixSums"/>: CumSum's prefix sums along a middle axis.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void PrefixSums_AnyAxisAndDirection_MatchNaiveAndCpu(bool exclusive, bool reverse)
    {
        // The last shape is large enough for the CPU backend to split it over the cores.
        (int Outer, int Length, int Inner)[] shapes = [(1, 1, 1), (3, 7, 1), (2, 5, 4), (70, 33, 3), (40, 300, 3)];
        double worstNaive = 0, worstCpu = 0;
        foreach (var (outer, length, inner) in shapes)
        {
            int count = outer * length * inner;
            float[] x = NaiveKernels.RandomTensor(count, 233 + count).Select(v => (v * 2f) + 0.125f).ToArray();
            var y = new float[count];
            var cpu = new float[count];
            Backend.PrefixSums(x, outer, length, inner, exclusive, reverse, y);
            Cpu.PrefixSums(x, outer, length, inner, exclusive, reverse, cpu);
            var expected = new double[count];
            var magnitude = new double[count];
            for (int o = 0; o < outer; o++)
            {
                for (int c = 0; c < inner; c++)
                {
                    for (int k = 0; k < length; k++)
                    {
                        int i = (((o * length) + k) * inner) + c;
                        for (int j = 0; j < length; j++)
                        {
                            bool enters = reverse ? (exclusive ? j > k : j >= k) : (exclusive ? j < k : j <= k);
                            if (enters)
                            {
                                double v = x[(((o * length) + j) * inner) + c];
                                expected[i] += v;
                                magnitude[i] += Math.Abs(v);
                            }
                        }

                        // An empty sum is exactly 0: measured against 1.
                        magnitude[i] = Math.Max(magnitude[i], 1.0);
                    }
                }
            }

            worstNaive = Math.Max(worstNaive, Worst(expected, y, magnitude));
            worstCpu = Math.Max(worstCpu, Worst(cpu, y, magnitude));
        }

        Assert.AreEqual(0.0, worstNaive, Tolerance, "versus naive");
        Assert.AreEqual(0.0, worstCpu, Tolerance, "versus CPU backend");
    }
}
