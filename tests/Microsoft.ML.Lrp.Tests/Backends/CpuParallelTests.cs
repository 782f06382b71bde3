using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

[TestClass]
public sealed class CpuParallelTests
{
    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 2)]
    [DataRow(1000, 4)]
    [DataRow(3, 16)]
    public void ForkJoin_AnyCountAndThreads_RunsEveryIndexOnceBeforeReturning(int count, int threads)
    {
        int[] runs = new int[count];
        CpuParallel.ForkJoin(count, threads, i =>
        {
            Thread.SpinWait(100 * (i % 7));
            Interlocked.Increment(ref runs[i]);
        });
        Assert.AreEqual(count, runs.Sum());
        Assert.AreEqual(1, runs.Min());
        Assert.AreEqual(1, runs.Max());
    }

    [TestMethod]
    public void ForkJoin_BodyThrows_ThrowsAfterEveryIndexRan()
    {
        int ran = 0;
        var error = Assert.ThrowsExactly<AggregateException>(() => CpuParallel.ForkJoin(50, 2, i =>
        {
            Interlocked.Increment(ref ran);
            if (i == 17)
            {
                throw new InvalidOperationException("index 17");
            }
        }));
        Assert.AreEqual("index 17", error.InnerException!.Message);
        Assert.AreEqual(50, ran);
    }
}
