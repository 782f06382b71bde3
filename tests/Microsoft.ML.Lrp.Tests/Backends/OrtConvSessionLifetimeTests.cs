using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// Bound convolution sessions are shared by content while bound and disposed once their last binder lets go; an
/// explainer disposed and built again explains the same.
/// </summary>
[TestClass]
public sealed class OrtConvSessionLifetimeTests
{
    [TestMethod]
    public void Unbind_LastBinder_SessionDisposedAndRebuiltOnNextBind()
    {
        var g = CpuConvolutionTests.Geometry(1, 32, 32, 1, "48 3 1 1 1 1|48 3 1 1 1 1");
        float[] w = NaiveKernels.RandomTensor(32 * 32 * 9, 5);
        var first = OrtConvKernels.Bind(g, false, w);
        var second = OrtConvKernels.Bind(g, false, (float[])w.Clone());
        Assert.IsNotNull(first);
        Assert.AreSame(first, second, "the same weights share one session while bound");

        OrtConvKernels.Unbind(first);
        Assert.IsTrue(second!.Acquire(), "still bound by the second binder: not disposed");
        second.Release();

        OrtConvKernels.Unbind(second);
        Assert.IsFalse(first.Acquire(), "disposed after the last binder");
        var third = OrtConvKernels.Bind(g, false, w);
        Assert.IsNotNull(third);
        Assert.AreNotSame(first, third);

        var x = NaiveKernels.RandomTensor(32 * 48 * 48, 6);
        var y = new float[32 * 48 * 48];
        Assert.IsTrue(OrtConvKernels.TryRunBound(third, g, false, x, y));
        var expected = NaiveKernels.ConvForward(g, x, w, []);
        double scale = expected.Max(Math.Abs);
        Assert.IsLessThan(1e-4 * scale, expected.Select((e, i) => Math.Abs(e - y[i])).Max());
        OrtConvKernels.Unbind(third);
    }

    [TestMethod]
    public void Explain_AfterAnotherExplainerOfTheModelWasDisposed_SameRelevance()
    {
        var images = new float[2 * 3 * 224 * 224];
        var random = new Random(41);
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)(random.NextDouble() - 0.5);
        }

        float[] first;
        using (var explainer = new LrpExplainer(new LrpOptions { ModelFile = Engine.ResNet18Tests.ModelPath, BatchSize = 2 }))
        {
            first = explainer.Explain(images, 2).Relevance;
        }

        using var again = new LrpExplainer(new LrpOptions { ModelFile = Engine.ResNet18Tests.ModelPath, BatchSize = 2 });
        Promises.PromiseRuns.AssertSame(first, again.Explain(images, 2).Relevance, 1e-6, "ResNet18 after dispose");
    }
}
