using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Cpu.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The dense layer's transposed product through ONNX Runtime (<see cref="OrtBoundDense"/>), against naive loops.</summary>
[TestClass]
public sealed class OrtBoundDenseTests
{
    [TestMethod]
    [DataRow(64, 96, 384)]
    [DataRow(129, 384, 48)]
    public void TryBackward_Rows_MatchesNaiveLoops(int rows, int outFeatures, int inFeatures)
    {
        float[] w = NaiveKernels.RandomTensor(outFeatures * inFeatures, 31), s = NaiveKernels.RandomTensor(rows * outFeatures, 32);
        var c = new float[rows * inFeatures];
        var bound = new CpuBackend().BindDense(w, outFeatures, inFeatures);
        Assert.IsNotNull(bound);
        try
        {
            Assert.IsTrue(bound.TryBackward(rows, s, c));
        }
        finally
        {
            bound.Release();
        }

        double worst = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < inFeatures; k++)
            {
                double expected = 0;
                for (int m = 0; m < outFeatures; m++)
                {
                    expected += (double)s[(r * outFeatures) + m] * w[(m * inFeatures) + k];
                }

                worst = Math.Max(worst, Math.Abs(expected - c[(r * inFeatures) + k]) / (1 + Math.Abs(expected)));
            }
        }

        Assert.AreEqual(0.0, worst, 1e-5);
    }

    [TestMethod]
    public void TryBackward_SmallProductOrWrongLengths_Declines()
    {
        float[] w = NaiveKernels.RandomTensor(96 * 384, 33);
        var bound = new OrtBoundDense(w, 96, 384);
        try
        {
            var c = new float[384];
            Assert.IsFalse(bound.TryBackward(1, new float[96], c), "one row: below the work threshold");
            Assert.IsFalse(bound.TryBackward(64, new float[96], new float[64 * 384]), "s shorter than 64 rows");
            Assert.IsTrue(c.All(v => v == 0f), "nothing written when declined");
        }
        finally
        {
            bound.Release();
        }
    }

    [TestMethod]
    public void BindDense_WeightAboveTheLimit_NotBound()
        => Assert.IsNull(new CpuBackend().BindDense(new float[OrtBoundDense.MaxWeights + 4], 4, (OrtBoundDense.MaxWeights / 4) + 1));
}
