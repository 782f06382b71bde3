using Microsoft.ML.Lrp.Tensors;
using Microsoft.ML.Lrp.Tests.Promises;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// Passes reuse the buffers of earlier passes (<see cref="TensorArena"/>): explaining the same rows again after
/// other rows gives the same relevance, on every test network and under every capture policy; the arena takes back only
/// arrays it made, and hands a reused one out zeroed.
/// </summary>
[TestClass]
public sealed class ArenaReuseTests
{
    public static IEnumerable<object[]> NetworkNames() => TestNetworks.All().Select(n => new object[] { n.Name });

    [TestMethod]
    [DynamicData(nameof(NetworkNames))]
    public void Explain_SameRowsAfterOtherRows_SameRelevance(string networkName)
    {
        var network = TestNetworks.ByName(networkName);
        foreach (var policy in new[] { LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.CaptureAll })
        {
            using var explainer = new LrpExplainer(PromiseRuns.Options(network, policy));
            int rows = network.InputShape[0];
            var first = explainer.Explain(PromiseRuns.Input(network, 21), rows).Relevance;
            var other = explainer.Explain(PromiseRuns.Input(network, 22), rows).Relevance;
            var again = explainer.Explain(PromiseRuns.Input(network, 21), rows).Relevance;

            // Not bit-exact: some transformer passes sum in parallel in no fixed order (≈ 1e-7 relative, arena or not);
            // a reused buffer that was still in use would show as garbage, far above this bound.
            PromiseRuns.AssertSame(first, again, 1e-6, $"{networkName}/{policy}");
            Assert.IsTrue(first.Zip(other).Any(p => p.First != p.Second), $"{networkName}/{policy}: different rows gave the same relevance");
        }
    }

    /// <summary>The test networks are mostly below the arena's size threshold; ResNet18's tensors are all above it.</summary>
    [TestMethod]
    public void Explain_ResNet18SameImagesAfterOtherImages_SameRelevance()
    {
        var images = new float[2 * 3 * 224 * 224];
        var others = new float[images.Length];
        var random = new Random(9);
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)(random.NextDouble() - 0.5);
            others[i] = (float)Math.Sin(i * 0.01);
        }

        using var explainer = new LrpExplainer(new LrpOptions { ModelFile = ResNet18Tests.ModelPath, BatchSize = 2 });
        var first = explainer.Explain(images, 2).Relevance;
        explainer.Explain(others, 2);
        var again = explainer.Explain(images, 2).Relevance;

        PromiseRuns.AssertSame(first, again, 1e-6, "ResNet18");
    }

    /// <summary>Concurrent passes on one explainer: one borrows its arena, the others work with their own.</summary>
    [TestMethod]
    public void Explain_ConcurrentCallsOnOneExplainer_SameAsSequential()
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelFile = ResNet18Tests.ModelPath, BatchSize = 2 });
        var inputs = Enumerable.Range(0, 3).Select(k =>
        {
            var random = new Random(30 + k);
            return Enumerable.Range(0, 2 * 3 * 224 * 224).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        }).ToArray();
        var sequential = inputs.Select(x => explainer.Explain(x, 2).Relevance).ToArray();

        var concurrent = new float[inputs.Length][][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = inputs.Length }, k =>
            concurrent[k] = [explainer.Explain(inputs[k], 2).Relevance, explainer.Explain(inputs[k], 2).Relevance]);

        for (int k = 0; k < inputs.Length; k++)
        {
            PromiseRuns.AssertSame(sequential[k], concurrent[k][0], 1e-6, $"input {k}, first");
            PromiseRuns.AssertSame(sequential[k], concurrent[k][1], 1e-6, $"input {k}, second");
        }
    }

    [TestMethod]
    public void Return_ForeignArray_NotHandedOut()
    {
        var arena = new TensorArena();
        var foreign = new float[20_000];
        foreign[5] = 3f;
        using (arena.Enter())
        {
            arena.Return(foreign);
            var fresh = TensorArena.Allocate(20_000);
            Assert.IsFalse(ReferenceEquals(foreign, fresh));
        }

        Assert.AreEqual(3f, foreign[5]);
    }

    [TestMethod]
    public void Allocate_AfterReturn_ReusesTheBufferZeroed()
    {
        var arena = new TensorArena();
        using (arena.Enter())
        {
            var made = TensorArena.Allocate(20_000);
            made[7] = 4f;
            TensorArena.Release(made);
            TensorArena.Release(made);
            var reused = TensorArena.Allocate(20_000);
            var second = TensorArena.Allocate(20_000);

            Assert.IsTrue(ReferenceEquals(made, reused));
            Assert.AreEqual(0f, reused[7]);
            Assert.IsFalse(ReferenceEquals(reused, second), "a buffer returned twice was handed out twice");
        }
    }
}
