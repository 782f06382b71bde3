using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Intermediate;

/// <summary>Relevance outputs, parameter relevance and conditions on the ILGPU backend (its CPU accelerator; CUDA where there is one) against the CPU backend.</summary>
[TestClass]
[TestCategory("Ilgpu")]
public sealed class IlgpuTapTests
{
    [TestMethod]
    [DataRow("StridedConv", "c", "Wc", "r", LrpComposite.EpsilonGammaBox)]
    [DataRow("StridedConv", "c", "Wd", "r", LrpComposite.EpsilonPlusFlat)]
    [DataRow("Mlp", "z1", "W0", "a0", LrpComposite.EpsilonAlpha2Beta1)]
    public void Taps_OnIlgpu_EqualTheCpuBackend(string networkName, string tensor, string parameter, string conditioned, LrpComposite composite)
        => Compare(() => new IlgpuBackend(IlgpuDevice.CpuEmulator()), networkName, tensor, parameter, conditioned, composite);

    [TestMethod]
    [TestCategory("Cuda")]
    [DataRow("StridedConv", "c", "Wc", "r", LrpComposite.EpsilonGammaBox)]
    [DataRow("Mlp", "z1", "W0", "a0", LrpComposite.EpsilonAlpha2Beta1)]
    public void Taps_OnIlgpuCuda_EqualTheCpuBackend(string networkName, string tensor, string parameter, string conditioned, LrpComposite composite)
    {
        var device = IlgpuDevice.Cuda(0);
        if (device is null)
        {
            Assert.Inconclusive("No CUDA device for ILGPU.");
        }

        Compare(() => new IlgpuBackend(device), networkName, tensor, parameter, conditioned, composite);
    }

    private static void Compare(Func<Microsoft.ML.Lrp.Backends.IRelevanceBackend> backend, string networkName, string tensor, string parameter, string conditioned, LrpComposite composite)
    {
        var network = networkName == "Mlp" ? TestNetworks.Mlp() : TapNetworks.StridedConv();
        var options = new LrpOptions
        {
            ModelBytes = network.Model,
            Composite = composite,
            InputLowerBound = [-1f],
            InputUpperBound = [1f],
            Target = LrpTarget.Class(0),
            RelevanceOutputs = new Dictionary<string, string> { ["R"] = tensor },
            ParameterRelevance = [parameter],
            Conditions = new Dictionary<string, int[]> { [conditioned] = [1, 3] },
        };
        var input = TapNetworks.Input(network, 31);
        using var cpu = new LrpExplainer(options);
        using var ilgpu = new LrpExplainer(options, backend);
        var expected = cpu.Explain(input, network.InputShape[0]);
        var actual = ilgpu.Explain(input, network.InputShape[0]);
        Assert.AreNotEqual(cpu.BackendName, ilgpu.BackendName);
        Assert.IsLessThan(1e-4, TapNetworks.Deviation(TapNetworks.Doubles(actual.Relevance), TapNetworks.Doubles(expected.Relevance)), "input relevance");
        Assert.IsLessThan(1e-4, TapNetworks.Deviation(TapNetworks.Doubles(actual.RelevanceAt(tensor).Values), TapNetworks.Doubles(expected.RelevanceAt(tensor).Values)), tensor);
        Assert.IsLessThan(1e-4, TapNetworks.Deviation(TapNetworks.Doubles(actual.ParameterRelevance(parameter).Values), TapNetworks.Doubles(expected.ParameterRelevance(parameter).Values)), parameter);
        Assert.IsLessThan(1e-4, TapNetworks.Deviation(TapNetworks.Doubles(actual.RemovedByConditions), TapNetworks.Doubles(expected.RemovedByConditions)), "removed by the condition");
    }
}
