namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary><see cref="IRelevanceBackend.NonZeroRows"/>: the kept rows of a row-sparse product, or null past the limit.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(1)]
    [DataRow(5)]
    [DataRow(37)]
    public void NonZeroRows_SparseRows_MatchNaiveAndCpu(int length)
    {
        const int Rows = 12;
        var x = new float[Rows * length];
        // Row 2: one value at the end; row 5: NaN (kept, so the finiteness check sees it); row 7: −0 only (zero);
        // row 9: one tiny value; row 11: dense.
        x[(2 * length) + length - 1] = 0.5f;
        x[5 * length] = float.NaN;
        Array.Fill(x, -0f, 7 * length, length);
        x[(9 * length) + (length / 2)] = 1e-30f;
        NaiveKernels.RandomTensor(length, 228).CopyTo(x, 11 * length);
        int[] expected = [.. Enumerable.Range(0, Rows).Where(r => x.AsSpan(r * length, length).ToArray().Any(v => !(v == 0f)))];
        CollectionAssert.AreEqual(new[] { 2, 5, 9, 11 }, expected, "the naive reference");

        CollectionAssert.AreEqual(expected, Backend.NonZeroRows(x, Rows, maxRows: 4), "backend, at the limit");
        CollectionAssert.AreEqual(expected, Cpu.NonZeroRows(x, Rows, maxRows: 6), "CPU");
        Assert.IsNull(Backend.NonZeroRows(x, Rows, maxRows: 3), "one row past the limit");
        CollectionAssert.AreEqual(Array.Empty<int>(), Backend.NonZeroRows(new float[Rows * length], Rows, maxRows: 0), "all zero");
    }
}
