using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>
/// A fast-forwarded chain's composed map moves relevance <c>R_x[map[i]] = R[i]</c>. Permutations that are affine
/// views (transposes between reshapes, as around attention heads) run as strided copies, the others through the
/// index map; both must equal the naive scatter, nothing may be absorbed, and the sum is kept.
/// </summary>
[TestClass]
public sealed class FastForwardMapPermutationTests
{
    [TestMethod]
    [DataRow(new[] { 2, 5, 3, 4 }, new[] { 0, 2, 1, 3 })]
    [DataRow(new[] { 2, 3, 4 }, new[] { 2, 0, 1 })]
    [DataRow(new[] { 3, 7 }, new[] { 1, 0 })]
    [DataRow(new[] { 1, 6, 1, 8 }, new[] { 0, 3, 2, 1 })]
    public void Apply_TransposeMap_EqualsNaiveScatter(int[] shape, int[] perm)
    {
        // map[i]: for output element i of Transpose(perm) (row-major over the permuted shape), its input's flat index.
        int[] outShape = [.. perm.Select(p => shape[p])];
        int size = Tensor.ShapeSize(shape);
        int[] inStrides = TensorShapes.Strides(shape);
        var map = new int[size];
        var index = new int[outShape.Length];
        for (int i = 0; i < size; i++)
        {
            int rest = i;
            for (int d = outShape.Length - 1; d >= 0; d--)
            {
                index[d] = rest % outShape[d];
                rest /= outShape[d];
            }

            map[i] = Enumerable.Range(0, perm.Length).Sum(d => index[d] * inStrides[perm[d]]);
        }

        Assert.IsNotNull(FastForwardMap.StridedPermutation.TryCreate(map), "a transpose is an affine view");
        Check(map, shape);
    }

    [TestMethod]
    public void Apply_ShuffledPermutation_EqualsNaiveScatter()
    {
        var random = new Random(12);
        int[] map = [.. Enumerable.Range(0, 96).OrderBy(_ => random.Next())];
        Assert.IsNull(FastForwardMap.StridedPermutation.TryCreate(map), "a shuffle is no affine view");
        Check(map, [96]);
    }

    private static void Check(int[] map, int[] xShape)
    {
        var r = new Tensor([map.Length], [.. Enumerable.Range(0, map.Length).Select(i => (float)Math.Cos(i * 0.37))]);
        var expected = new double[map.Length];
        for (int i = 0; i < map.Length; i++)
        {
            expected[map[i]] = r.Data[i];
        }

        var ctx = Context(map.Length);
        var moved = FastForwardMap.Apply(map, r, xShape, ctx);
        CollectionAssert.AreEqual(xShape, moved.Shape);
        for (int j = 0; j < map.Length; j++)
        {
            Assert.AreEqual(expected[j], moved.Data[j], 0.0, $"element {j}");
        }

        Assert.AreEqual(0.0, ctx.AbsorbedPerRow.Sum(), "nothing absorbed");
    }

    private static RuleContext Context(int size)
    {
        var source = new OnnxNode("t", "Transpose", "", 0, ["x"], ["y"], new Dictionary<string, OnnxAttribute>());
        return new RuleContext(
            new LrpNode(source, ["y"], null),
            new CpuBackend(),
            1,
            1e-6f,
            _ => throw new InvalidOperationException("no values"),
            _ => throw new InvalidOperationException("no values"),
            _ => [size],
            _ => null,
            _ => true,
            (_, _) => throw new InvalidOperationException("not used"));
    }
}
