using Microsoft.ML.Lrp.Rules.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The winner-takes-all bodies of Max/Min and ReduceMax/ReduceMin on the backend under test.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    public void Map_WinnerBodies_MatchScalarFormulasAndCpu()
    {
        const int Length = 1000;
        float[] a = NaiveKernels.RandomTensor(Length, 44), b = NaiveKernels.RandomTensor(Length, 45), c = NaiveKernels.RandomTensor(Length, 46);
        for (int i = 0; i < Length; i += 3)
        {
            b[i] = a[i]; // ties
        }

        float[] counts = [.. Enumerable.Range(0, Length).Select(i => (float)(i % 4))];
        double worst = 0;
        worst = Math.Max(worst, CheckBinary(new ElementMax(), a, b, Math.Max));
        worst = Math.Max(worst, CheckBinary(new ElementMin(), a, b, Math.Min));
        worst = Math.Max(worst, CheckBinary(new WinnerMask(), a, b, (x, y) => x == y ? 1 : 0));
        worst = Math.Max(worst, CheckBinary(new WinnerShare(), c, counts, (r, n) => n > 0 ? r / n : 0));
        worst = Math.Max(worst, CheckBinary(new UnclaimedRelevance(), c, counts, (r, n) => n > 0 ? 0 : r));
        worst = Math.Max(worst, CheckTernary(new WinnerCount(), counts, a, b, (n, x, y) => x == y ? n + 1 : n));
        worst = Math.Max(worst, CheckTernary(new WinnerRelevance(), a, b, c, (x, y, s) => x == y ? s : 0));
        Assert.AreEqual(0.0, worst, Tolerance);
    }
}
