using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Tests.Engine;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>Attributions do not depend on the capture policy (≤ 1e-6 of the largest value), on every test network and the real ResNet18.</summary>
[TestClass]
public sealed class CapturePolicyEqualityTests
{
    public static IEnumerable<object[]> NetworkNames() => TestNetworks.All().Select(n => new object[] { n.Name });

    [TestMethod]
    [DynamicData(nameof(NetworkNames))]
    public void Explain_AllPolicies_SameAttributions(string networkName)
    {
        var network = TestNetworks.ByName(networkName);
        var all = PromiseRuns.Explain(network, LrpCapturePolicy.CaptureAll, 11, out _, out var allStats);
        foreach (var policy in new[] { LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.MinimizeTime })
        {
            var relevance = PromiseRuns.Explain(network, policy, 11, out _, out var stats);
            PromiseRuns.AssertSame(all, relevance, 1e-6, $"{networkName}/{policy}");
            Assert.IsLessThanOrEqualTo(allStats.CapturedBytesPerSample, stats.CapturedBytesPerSample, $"{networkName}/{policy} captures more than CaptureAll");
        }
    }

    [TestMethod]
    public void Explain_ResNet18AllPolicies_SameAttributionsAndFewerBytes()
    {
        var images = new float[2 * 3 * 224 * 224];
        var random = new Random(7);
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)(Math.Sin(i * 0.002) + random.NextDouble() - 0.5);
        }

        float[]? reference = null;
        var bytes = new Dictionary<LrpCapturePolicy, long>();
        foreach (var policy in new[] { LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.MinimizeTime })
        {
            using var explainer = new LrpExplainer(new LrpOptions { ModelFile = ResNet18Tests.ModelPath, BatchSize = 2, CapturePolicy = policy });
            var relevance = explainer.Explain(images, 2).Relevance;
            bytes[policy] = explainer.Statistics.CapturedBytesPerSample;
            if (reference is null)
            {
                reference = relevance;
            }
            else
            {
                PromiseRuns.AssertSame(reference, relevance, 1e-6, $"ResNet18/{policy}");
            }
        }

        Assert.IsLessThan(bytes[LrpCapturePolicy.CaptureAll], bytes[LrpCapturePolicy.MinimizeMemory]);
    }
}
