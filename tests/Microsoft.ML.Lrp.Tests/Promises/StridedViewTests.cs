using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>The strided data-movement kernels (Transpose, Slice, Expand views, broadcast arithmetic) against naive index arithmetic.</summary>
[TestClass]
public sealed class StridedViewTests
{
    [TestMethod]
    [DataRow(new[] { 0, 2, 1, 3 })]
    [DataRow(new[] { 0, 1, 3, 2 })]
    [DataRow(new[] { 3, 2, 1, 0 })]
    [DataRow(new[] { 0, 1, 2, 3 })]
    public void Gather_Transpose_MatchesNaivePermutation(int[] perm)
    {
        // Large enough for the parallel path: [3, 40, 12, 32].
        int[] xShape = [3, 40, 12, 32];
        var x = new SeededWeights(3).Uniform(Tensor.ShapeSize(xShape), -1f, 1f);
        int[] yShape = perm.Select(p => xShape[p]).ToArray();
        var xStrides = TensorShapes.Strides(xShape);
        var view = StridedView.Create(0, yShape, perm.Select(p => xStrides[p]).ToArray());
        var y = new float[x.Length];
        view.Gather(new Microsoft.ML.Lrp.Backends.Cpu.CpuBackend(), x, y);

        var expected = new float[x.Length];
        var index = new int[4];
        for (int i = 0; i < expected.Length; i++)
        {
            int src = 0;
            for (int a = 0; a < 4; a++)
            {
                src += index[a] * xStrides[perm[a]];
            }

            expected[i] = x[src];
            TensorShapes.Increment(index, yShape);
        }

        Assert.AreEqual(0, expected.Where((v, i) => v != y[i]).Count());
        Assert.IsTrue(view.Injective);

        // The adjoint scatter puts every element back: the round trip is the identity.
        var back = new float[x.Length];
        view.Scatter(new Microsoft.ML.Lrp.Backends.Cpu.CpuBackend(), y, back);
        Assert.AreEqual(0, back.Where((v, i) => v != x[i]).Count());
    }

    [TestMethod]
    public void Gather_SliceWithStepsAndOffset_MatchesNaiveSlice()
    {
        // x[1:, ::-2, 3:9] of [4, 10, 12]: negative step, offset start.
        int[] xShape = [4, 10, 12];
        var x = new SeededWeights(4).Uniform(Tensor.ShapeSize(xShape), -1f, 1f);
        int[] yShape = [3, 5, 6];
        var s = TensorShapes.Strides(xShape);
        var view = StridedView.Create((1 * s[0]) + (9 * s[1]) + 3, yShape, [s[0], -2 * s[1], 1]);
        var y = new float[Tensor.ShapeSize(yShape)];
        view.Gather(new Microsoft.ML.Lrp.Backends.Cpu.CpuBackend(), x, y);
        int k = 0;
        double worst = 0;
        for (int a = 0; a < 3; a++)
        {
            for (int b = 0; b < 5; b++)
            {
                for (int c = 0; c < 6; c++)
                {
                    worst = Math.Max(worst, Math.Abs(y[k++] - x[((1 + a) * s[0]) + ((9 - (2 * b)) * s[1]) + 3 + c]));
                }
            }
        }

        Assert.AreEqual(0.0, worst, 0.0);
    }

    [TestMethod]
    public void Gather_ExpandWithZeroStrides_RepeatsAndIsNotInjective()
    {
        var x = new float[] { 1f, 2f, 3f };
        var view = StridedView.Create(0, [2, 3, 4], [0, 1, 0]);
        var y = new float[24];
        view.Gather(new Microsoft.ML.Lrp.Backends.Cpu.CpuBackend(), x, y);
        Assert.IsFalse(view.Injective);
        Assert.AreEqual(2f, y[4 + 1], 0f);
        Assert.AreEqual(3f, y[12 + 8 + 3], 0f);
        Assert.ThrowsExactly<InvalidOperationException>(() => view.Scatter(new Microsoft.ML.Lrp.Backends.Cpu.CpuBackend(), y, new float[3]));
    }

    [TestMethod]
    [DataRow("Add", new[] { 8, 64, 96 }, new[] { 96 })]
    [DataRow("Sub", new[] { 8, 64, 96 }, new[] { 8, 64, 1 })]
    [DataRow("Div", new[] { 8, 64, 96 }, new[] { 8, 64, 1 })]
    [DataRow("Mul", new[] { 4, 3, 64, 64 }, new[] { 4, 1, 1, 64 })]
    [DataRow("Add", new[] { 4, 3, 64, 64 }, new[] { 3, 1, 64 })]
    [DataRow("Sub", new[] { 8, 64, 96 }, new[] { 8, 64, 96 })]
    [DataRow("Mul", new[] { 8, 64, 96 }, new[] { 1 })]
    public void Combine_LargeBroadcast_MatchesNaiveBroadcast(string op, int[] outShape, int[] bShape)
    {
        var a = new SeededWeights(8).Uniform(Tensor.ShapeSize(outShape), -1f, 1f);
        var b = new Tensor(bShape, new SeededWeights(9).Uniform(Tensor.ShapeSize(bShape), 0.5f, 2f));
        var y = new float[a.Length];
        ReplayBroadcast.Combine(new Microsoft.ML.Lrp.Backends.Cpu.CpuBackend(), op, a, b, y, outShape);

        var aligned = Enumerable.Repeat(1, outShape.Length - bShape.Length).Concat(bShape).ToArray();
        var bStrides = TensorShapes.Strides(aligned);
        var index = new int[outShape.Length];
        int wrong = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int src = 0;
            for (int d = 0; d < outShape.Length; d++)
            {
                src += (aligned[d] == 1 ? 0 : index[d]) * bStrides[d];
            }

            float v = b.Data[src];
            float expected = op switch { "Sub" => a[i] - v, "Mul" => a[i] * v, "Div" => a[i] / v, _ => a[i] + v };
            wrong += expected == y[i] ? 0 : 1;
            TensorShapes.Increment(index, outShape);
        }

        Assert.AreEqual(0, wrong);
    }
}
