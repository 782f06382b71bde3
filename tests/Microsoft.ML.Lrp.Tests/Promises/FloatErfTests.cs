using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>The vectorised float erf of the Erf replay against the double-precision reference.</summary>
[TestClass]
public sealed class FloatErfTests
{
    [TestMethod]
    public void Compute_DenseGridOverRealLine_WithinTwoTenthsOfMicroUnit()
    {
        // A dense grid over [-8, 8] (both branches, the switch at |x| = 1 and the clamp at 4), odd length for the tail.
        const int Count = 400_001;
        var x = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            x[i] = -8f + (16f * i / (Count - 1));
        }

        var y = new float[Count];
        FloatErf.Compute(x, y);
        double worst = 0;
        for (int i = 0; i < Count; i++)
        {
            worst = Math.Max(worst, Math.Abs(y[i] - ReferenceErf.Erf(x[i])));
        }

        Assert.IsLessThan(2e-7, worst);
    }

    [TestMethod]
    public void Evaluate_PortableVectorPath_WithinTwoTenthsOfMicroUnit()
    {
        // One vector of lanes at a time, the grid not aligned to the parallel blocks.
        int lanes = System.Numerics.Vector<float>.Count;
        var x = new float[lanes];
        var y = new float[lanes];
        double worst = 0;
        for (int i = 0; i < 100_000; i += lanes)
        {
            for (int k = 0; k < lanes; k++)
            {
                x[k] = -6f + (12f * (i + k) / 100_000);
            }

            FloatErf.Evaluate(new System.Numerics.Vector<float>(x)).CopyTo(y);
            for (int k = 0; k < lanes; k++)
            {
                worst = Math.Max(worst, Math.Abs(y[k] - ReferenceErf.Erf(x[k])));
            }
        }

        Assert.IsLessThan(2e-7, worst);
    }

    [TestMethod]
    public void Compute_SmallArguments_WithinFewUlpsRelative()
    {
        // Near zero erf(x) ≈ 1.128·x: the odd polynomial keeps the relative error at float rounding.
        var x = new float[1001];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i - 500) * 1e-3f * MathF.Pow(10f, -(i % 7));
        }

        var y = new float[x.Length];
        FloatErf.Compute(x, y);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double reference = ReferenceErf.Erf(x[i]);
            if (reference != 0)
            {
                worst = Math.Max(worst, Math.Abs((y[i] - reference) / reference));
            }
        }

        Assert.IsLessThan(4e-7, worst);
    }

    [TestMethod]
    [DataRow(0f, 0f)]
    [DataRow(1f, 0.8427007929497149f)]
    [DataRow(-1f, -0.8427007929497149f)]
    [DataRow(4f, 1f)]
    [DataRow(-30f, -1f)]
    [DataRow(float.PositiveInfinity, 1f)]
    [DataRow(float.NegativeInfinity, -1f)]
    public void Compute_SpecialArguments_ExactOrRounded(float x, float expected)
    {
        var y = new float[1];
        FloatErf.Compute(new[] { x }, y);
        Assert.AreEqual(expected, y[0], 1.2e-7f);
    }

    [TestMethod]
    public void Compute_NaN_StaysNaN()
    {
        var y = new float[3];
        FloatErf.Compute(new[] { 0.5f, float.NaN, -0.5f }, y);
        Assert.IsTrue(float.IsNaN(y[1]));
        Assert.AreEqual(-y[0], y[2], 0f);
    }

    [TestMethod]
    public void Compute_LargeArrayInParallel_MatchesSequential()
    {
        var x = new SeededWeights(5).Uniform(100_003, -5f, 5f);
        var parallel = new float[x.Length];
        var sequential = new float[x.Length];
        FloatErf.Compute(x, parallel);
        FloatErf.ComputeSequential(x, sequential);
        int differing = parallel.Where((v, i) => v != sequential[i]).Count();
        Assert.AreEqual(0, differing);
    }
}
