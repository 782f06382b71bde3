using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// The fused Norm pass on one large sample (a single image's residual Add, [1, C, H, W], which is cut into channel
/// blocks to run on every core) and with a per-channel operand, against <c>R_i = x_i · R / stab(Σ x)</c> in double.
/// </summary>
[TestClass]
public sealed class NormBlocksSplitTests
{
    [TestMethod]
    [DataRow(1, 64, 32, 32, false)]
    [DataRow(2, 16, 64, 64, false)]
    [DataRow(1, 64, 32, 32, true)]
    public void Propagate_OneLargeSample_MatchesNaiveNorm(int n, int c, int h, int w, bool perChannelThird)
    {
        const float Epsilon = 1e-6f;
        int[] shape = [n, c, h, w];
        var random = new Random(17);
        // Operands keep the sum away from zero, where float and double quotients part ways by design.
        Tensor Random(int[] s, double low, double high) => new(s, Enumerable.Range(0, Tensor.ShapeSize(s)).Select(_ => (float)(low + ((high - low) * random.NextDouble()))).ToArray());
        var x = Random(shape, 0.1, 1.1);
        var y = Random(shape, 0.1, 1.1);
        var third = Random(perChannelThird ? [1, c, 1, 1] : shape, -0.05, 0.05);
        var r = Random(shape, -1, 1);
        var blocks = NormBlocks.TryCreate(shape, n, [(x, 1f, true), (y, 1f, true), (third, -1f, false)]);
        Assert.IsNotNull(blocks);
        var absorbed = new double[n];
        var shares = blocks.Propagate(new Microsoft.ML.Lrp.Backends.Cpu.CpuBackend(), (float[])r.Data.Clone(), Epsilon, absorbed);

        double worst = 0, scale = 0;
        var absorbedExpected = new double[n];
        int inner = c * h * w;
        for (int i = 0; i < r.Length; i++)
        {
            int channel = (i / (h * w)) % c;
            double t = perChannelThird ? third.Data[channel] : third.Data[i];
            double z = x.Data[i] + (double)y.Data[i] - t;
            double s = r.Data[i] / (z + (z >= 0 ? Epsilon : -Epsilon));
            worst = Math.Max(worst, Math.Abs(shares[0]![i] - (x.Data[i] * s)));
            worst = Math.Max(worst, Math.Abs(shares[1]![i] - (y.Data[i] * s)));
            scale = Math.Max(scale, Math.Abs(x.Data[i] * s));
            absorbedExpected[i / inner] += r.Data[i] - (x.Data[i] * s) - (y.Data[i] * s);
        }

        Assert.IsNull(shares[2]);
        Assert.IsLessThan(1e-5 * scale, worst);
        for (int row = 0; row < n; row++)
        {
            Assert.AreEqual(absorbedExpected[row], absorbed[row], 1e-3 * Math.Max(1, Math.Abs(absorbedExpected[row])));
        }
    }
}
