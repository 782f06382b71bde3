using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Rules.Linear;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>A conv layer's maps with an array weight, which bind an ONNX Runtime session per weight array.</summary>
[TestClass]
public sealed class ConvLayerBindingTests
{
    public static IEnumerable<object[]> Cases =>
    [
        ["stride 1", false, "48 3 1 1 1 1|48 3 1 1 1 1"],
        ["stride 2", false, "41 3 2 1 1 1|40 3 2 1 0 1"],
        ["stride 2, as ConvTranspose", true, "41 3 2 1 1 1|40 3 2 1 0 1"],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void ForwardAndBackward_ArrayWeightsRepeatedAndBatchSlicedOrWhole_MatchNaiveLoops(string name, bool transposed, string axes)
    {
        var layer = new ConvLayer(NaiveKernels.RandomTensor(32 * 32 * 9, 1), new float[32], transposed, b => CpuConvolutionTests.Geometry(b, 32, 32, 1, axes));
        float[] variant = layer.WeightVariant("+", w => Math.Max(w, 0f));
        var backend = new CpuBackend();
        double worst = 0;
        foreach (int batch in new[] { 2, 2, 3, 1 })
        {
            ConvGeometry g = layer.Geometry(batch);
            foreach (float[] w in new[] { layer.Weight, variant })
            {
                int[] inShape = [batch, 32, .. g.InSpatial], outShape = [batch, 32, .. g.OutSpatial];
                if (transposed)
                {
                    (inShape, outShape) = (outShape, inShape);
                }

                var x = new Tensor(inShape, NaiveKernels.RandomTensor(ConvGeometry.Product(inShape), batch));
                var z = new Tensor(outShape);
                layer.Forward(backend, w, x, z);
                worst = Math.Max(worst, MaxRelativeError(transposed ? NaiveKernels.ConvBackwardData(g, x.Data, w) : NaiveKernels.ConvForward(g, x.Data, w, []), z.Data));
                var s = new Tensor(outShape, NaiveKernels.RandomTensor(z.Length, batch + 10));
                var c = new Tensor(inShape);
                layer.Backward(backend, w, s, c);
                worst = Math.Max(worst, MaxRelativeError(transposed ? NaiveKernels.ConvForward(g, s.Data, w, []) : NaiveKernels.ConvBackwardData(g, s.Data, w), c.Data));
            }
        }

        Assert.AreEqual(0.0, worst, 1e-4, name);
    }

    private static double MaxRelativeError(double[] expected, float[] actual)
    {
        double scale = Math.Max(1e-12, expected.Max(Math.Abs));
        return expected.Select((e, i) => Math.Abs(e - actual[i]) / scale).Max();
    }
}
