using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tests.Engine;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>
/// Forward products computed by ONNX Runtime in the capture run (<see cref="ForwardProduct"/>): the appended
/// convolution equals a naive double-precision convolution, the policies that capture reusable values capture them,
/// and the attributions do not change.
/// </summary>
[TestClass]
public sealed class ForwardProductTests
{
    [TestMethod]
    public void CaptureModel_AppendedConvolution_MatchesNaiveLoops()
    {
        // Group 2, stride 2 with begin-only padding on one axis, dilation 2 on the other.
        var g = new ConvGeometry(Batch: 1, InChannels: 4, OutChannels: 6, Group: 2, InSpatial: [9, 8], KernelSpatial: [3, 2], OutSpatial: [5, 6], Strides: [2, 1], PadsBegin: [2, 0], Dilations: [1, 2]);
        var weights = new SeededWeights(3).Uniform(6 * 2 * 3 * 2, -1f, 1f);
        var b = new OnnxModelBuilder(seed: 5).Input("input", "N", 4, 9, 8);
        b.Node("Relu", "input", "x", "relu").Output("x", "N", 4, 9, 8);
        var model = OnnxModel.Load(b.Build());
        var product = new ForwardProduct("p", "x", "x", g, weights);
        var node = product.ToOnnx();
        Assert.IsNotNull(node);

        const int Batch = 2;
        var input = new SeededWeights(4).Uniform(Batch * 4 * 9 * 8, -1f, 1f);
        using var session = new InferenceSession(model.ToBytes(new OnnxWriteOptions { ExtraConvolutions = [node], ExtraOutputs = ["p"] }));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(input, [Batch, 4, 9, 8]))], ["x", "p"]);
        float[] x = [.. results.First(r => r.Name == "x").AsEnumerable<float>()];
        float[] actual = [.. results.First(r => r.Name == "p").AsEnumerable<float>()];
        double[] expected = NaiveConv(g, Batch, x, weights);
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5 * (1 + Math.Abs(expected[i])), $"element {i}");
        }
    }

    [TestMethod]
    public void ToOnnx_CroppedOutput_Declined()
    {
        // Output 5 from input 9 with a 3-wide kernel and stride 1: ONNX's formula gives at least 7.
        var g = new ConvGeometry(1, 1, 1, 1, [9], [3], [5], [1], [0], [1]);
        Assert.IsNull(new ForwardProduct("p", "x", "x", g, new float[3]).ToOnnx());
    }

    [TestMethod]
    [DataRow(LrpComposite.EpsilonPlus)]
    [DataRow(LrpComposite.EpsilonGammaBox)]
    public void Explain_MinimizeTime_CapturesProductsAndKeepsAttributions(LrpComposite composite)
    {
        var network = TestNetworks.ResNetLike(projection: true);
        var input = PromiseRuns.Input(network, 3);
        using var time = new LrpExplainer(PromiseRuns.Options(network, LrpCapturePolicy.MinimizeTime, composite));
        using var memory = new LrpExplainer(PromiseRuns.Options(network, LrpCapturePolicy.MinimizeMemory, composite));
        var captured = time.Plan.Captures.Where(time.Plan.Products.ContainsKey).ToList();
        Assert.IsNotEmpty(captured, "MinimizeTime captures the convolutions' forward products");
        Assert.IsFalse(memory.Plan.Captures.Any(memory.Plan.Products.ContainsKey), "MinimizeMemory recomputes them");

        var withProducts = time.Explain(input, network.InputShape[0]);
        var without = memory.Explain(input, network.InputShape[0]);
        PromiseRuns.AssertSame(without.Relevance, withProducts.Relevance, 1e-6, $"{composite}");
    }

    [TestMethod]
    public void Explain_ResNet18MinimizeTime_CapturesAProductPerZPlusConvolution()
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelFile = ResNet18Tests.ModelPath, BatchSize = 1, CapturePolicy = LrpCapturePolicy.MinimizeTime });
        int zPlusConvolutions = explainer.Plan.Steps.Count(s => s.Node.OpType == "Conv" && s.Rule.Description.StartsWith("ZPlus", StringComparison.Ordinal));
        int products = explainer.Plan.Captures.Count(explainer.Plan.Products.ContainsKey);
        Assert.IsGreaterThan(0, zPlusConvolutions);
        Assert.AreEqual(zPlusConvolutions, products);
    }

    private static double[] NaiveConv(ConvGeometry g, int batch, float[] x, float[] w)
    {
        int inPerGroup = g.InChannels / g.Group, outPerGroup = g.OutChannels / g.Group;
        int ih = g.InSpatial[0], iw = g.InSpatial[1], oh = g.OutSpatial[0], ow = g.OutSpatial[1], kh = g.KernelSpatial[0], kw = g.KernelSpatial[1];
        var y = new double[batch * g.OutChannels * oh * ow];
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                int group = m / outPerGroup;
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double sum = 0;
                        for (int c = 0; c < inPerGroup; c++)
                        {
                            for (int ky = 0; ky < kh; ky++)
                            {
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int iy = (oy * g.Strides[0]) - g.PadsBegin[0] + (ky * g.Dilations[0]);
                                    int ix = (ox * g.Strides[1]) - g.PadsBegin[1] + (kx * g.Dilations[1]);
                                    if (iy >= 0 && iy < ih && ix >= 0 && ix < iw)
                                    {
                                        sum += (double)x[(((n * g.InChannels) + (group * inPerGroup) + c) * ih + iy) * iw + ix] * w[(((m * inPerGroup) + c) * kh + ky) * kw + kx];
                                    }
                                }
                            }
                        }

                        y[(((n * g.OutChannels) + m) * oh + oy) * ow + ox] = sum;
                    }
                }
            }
        }

        return y;
    }
}
