using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Tests.Promises;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Interpolation;

/// <summary>
/// End to end through <see cref="LrpExplainer"/>: a U-Net-like model and a pixel-shuffle model are explained with
/// conserved relevance per node; the nearest Resize and DepthToSpace give exactly the relevance of their decompositions
/// into Reshape/Expand/Transpose; attributions do not depend on the capture policy; the ILGPU backend agrees.
/// </summary>
[TestClass]
public sealed class UpsamplingModelTests
{
    private const int Rows = 3;

    [TestMethod]
    [DataRow("nearest")]
    [DataRow("linear")]
    [DataRow("cubic")]
    public void UNet_Explained_ConservesPerNode(string mode)
    {
        var result = Explain(UpsamplingModels.UNet(mode), Rows * 3 * 8 * 8, LrpCapturePolicy.MinimizeMemory);
        Assert.IsTrue(result.Relevance.All(float.IsFinite), "finite");
        Assert.IsGreaterThan(0, result.Relevance.Count(v => v != 0), "non-zero");
        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, "per-node conservation");
        var up = result.ConservationReport.Nodes.Single(n => n.NodeName == "up");
        Assert.AreEqual(mode == "nearest" ? "Route" : "Epsilon(interpolation)", up.Rule);
        Assert.IsGreaterThan(0.0, Math.Abs(up.RelevanceIn), "relevance reaches the Resize");
    }

    [TestMethod]
    public void UNet_NearestResize_EqualsItsExpandDecomposition()
    {
        var resize = Explain(UpsamplingModels.UNet("nearest"), Rows * 3 * 8 * 8, LrpCapturePolicy.CaptureAll).Relevance;
        var expand = Explain(UpsamplingModels.UNet("expand"), Rows * 3 * 8 * 8, LrpCapturePolicy.CaptureAll).Relevance;
        PromiseRuns.AssertSame(expand, resize, 1e-6, "nearest Resize versus Reshape-Expand-Reshape");
    }

    [TestMethod]
    [DataRow("DCR")]
    [DataRow("CRD")]
    public void PixelShuffle_DepthToSpace_EqualsItsTransposeDecomposition(string mode)
    {
        var shuffle = Explain(UpsamplingModels.PixelShuffle(mode, false), Rows * 36, LrpCapturePolicy.MinimizeMemory);
        var decomposed = Explain(UpsamplingModels.PixelShuffle(mode, true), Rows * 36, LrpCapturePolicy.MinimizeMemory);
        PromiseRuns.AssertSame(decomposed.Output, shuffle.Output, 1e-6, "outputs");
        PromiseRuns.AssertSame(decomposed.Relevance, shuffle.Relevance, 1e-6, "relevance");
        Assert.IsLessThan(1e-4, shuffle.ConservationReport!.MaxRelativeError, "per-node conservation");
        Assert.IsGreaterThan(0, shuffle.Relevance.Count(v => v != 0), "non-zero");
    }

    [TestMethod]
    [DataRow("UNet/linear")]
    [DataRow("UNet/nearest")]
    [DataRow("PixelShuffle/DCR")]
    public void CapturePolicies_GiveTheSameAttributions(string name)
    {
        var model = name.StartsWith("UNet", StringComparison.Ordinal) ? UpsamplingModels.UNet(name[5..]) : UpsamplingModels.PixelShuffle(name[13..], false);
        int length = name.StartsWith("UNet", StringComparison.Ordinal) ? Rows * 3 * 8 * 8 : Rows * 36;
        var all = Explain(model, length, LrpCapturePolicy.CaptureAll).Relevance;
        int replays = 0;
        foreach (var policy in new[] { LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.MinimizeTime })
        {
            using var explainer = new LrpExplainer(Options(model, policy));
            replays += PromiseRuns.ReplayCount(explainer.Plan.Schedule, name.StartsWith("UNet", StringComparison.Ordinal) ? "up" : "shuffle");
            PromiseRuns.AssertSame(all, explainer.Explain(RuleHarness.Input(length, 61), Rows).Relevance, 1e-6, $"{name}/{policy}");
        }

        if (name.StartsWith("UNet", StringComparison.Ordinal))
        {
            // The Resize input is captured for its own rule, so the planner rebuilds the Resize output for the Concat.
            Assert.IsGreaterThan(0, replays, "the Resize is replayed under some policy");
        }
    }

    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow("linear")]
    [DataRow("nearest")]
    public void UNet_IlgpuCpuAccelerator_MatchesCpuBackend(string mode)
    {
        var model = UpsamplingModels.UNet(mode);
        var input = RuleHarness.Input(Rows * 3 * 8 * 8, 61);
        using var cpu = new LrpExplainer(Options(model, LrpCapturePolicy.MinimizeMemory), () => new CpuBackend());
        using var ilgpu = new LrpExplainer(Options(model, LrpCapturePolicy.MinimizeMemory), () => new IlgpuBackend(IlgpuDevice.CpuEmulator()));
        PromiseRuns.AssertSame(cpu.Explain(input, Rows).Relevance, ilgpu.Explain(input, Rows).Relevance, 1e-5, $"UNet/{mode}");
    }

    private static LrpOptions Options(byte[] model, LrpCapturePolicy policy) => new() { ModelBytes = model, CapturePolicy = policy, BatchSize = Rows };

    private static LrpExplanation Explain(byte[] model, int length, LrpCapturePolicy policy)
    {
        using var explainer = new LrpExplainer(Options(model, policy));
        return explainer.Explain(RuleHarness.Input(length, 61), Rows, conservationReport: true);
    }
}
