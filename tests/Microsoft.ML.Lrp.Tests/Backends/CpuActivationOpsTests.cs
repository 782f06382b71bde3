using System.Numerics;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

[TestClass]
public sealed class CpuActivationOpsTests
{
    private static readonly float[] Special = [float.NaN, -0f, 0f, -1e-30f, 1e-30f, float.NegativeInfinity, float.PositiveInfinity, -3f, 2.5f];

    [TestMethod]
    public void ReluMap_LargeInputWithSpecialValues_EqualsScalarDefinitionBitwise()
    {
        float[] x = Data();
        float[] y = new float[x.Length];
        CpuElementwise.Map(new ReluOp(), x, y);
        int mismatches = x.Where((v, i) => BitConverter.SingleToInt32Bits(v > 0f ? v : 0f) != BitConverter.SingleToInt32Bits(y[i])).Count();
        Assert.AreEqual(0, mismatches);
    }

    [TestMethod]
    public void LeakyReluMap_LargeInputWithSpecialValues_EqualsScalarDefinitionBitwise()
    {
        float[] x = Data();
        float[] y = new float[x.Length];
        CpuElementwise.Map(new LeakyReluOp(0.1f), x, y);
        int mismatches = x.Where((v, i) => BitConverter.SingleToInt32Bits(v >= 0f ? v : 0.1f * v) != BitConverter.SingleToInt32Bits(y[i])).Count();
        Assert.AreEqual(0, mismatches);
    }

    [TestMethod]
    public void ReluOp_VectorForm_MatchesScalarFormOnSpecialValues()
    {
        var op = new ReluOp();
        float[] lane = new float[Vector<float>.Count];
        int mismatches = 0;
        foreach (float v in Special)
        {
            Array.Fill(lane, v);
            float vector = op.Apply(new Vector<float>(lane))[0];
            mismatches += BitConverter.SingleToInt32Bits(vector) == BitConverter.SingleToInt32Bits(op.Apply(v)) ? 0 : 1;
        }

        Assert.AreEqual(0, mismatches);
    }

    private static float[] Data()
    {
        var random = new Random(7);
        var x = new float[(1 << 17) + 13];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = i % 17 == 0 ? Special[i % Special.Length] : (float)(random.NextDouble() - 0.5);
        }

        return x;
    }
}
