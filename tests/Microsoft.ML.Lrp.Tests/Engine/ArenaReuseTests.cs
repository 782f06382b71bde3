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

    /// <summary>
    /// Every buffer a pass takes goes back to the arena: with every size pooled, a third pass makes no new buffer. A
    /// buffer a rule forgets (a scratch array, the contribution summed into a fan-out's relevance, relevance absorbed
    /// at a side input) would be made anew on every pass and left to the garbage collector; on a 1.1 B decoder that
    /// was about 0.8 GB per explanation.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(NetworkNames))]
    public void Explain_Repeated_HandsEveryBufferBack(string networkName)
    {
        var network = TestNetworks.ByName(networkName);
        var runs = new[]
        {
            (LrpCapturePolicy.MinimizeMemory, LrpComposite.EpsilonPlus),
            (LrpCapturePolicy.CaptureAll, LrpComposite.EpsilonPlus),
            (LrpCapturePolicy.MinimizeTime, LrpComposite.EpsilonGammaBox),
            (LrpCapturePolicy.MinimizeMemory, LrpComposite.EpsilonPlusFlat),
            (LrpCapturePolicy.MinimizeMemory, LrpComposite.Epsilon),
            (LrpCapturePolicy.MinimizeMemory, LrpComposite.AttnLrp),
            (LrpCapturePolicy.MinimizeMemory, LrpComposite.CpLrp),
        };
        foreach (var (policy, composite) in runs)
        {
            using var explainer = new LrpExplainer(PromiseRuns.Options(network, policy, composite));
            int rows = network.InputShape[0];
            var input = PromiseRuns.Input(network, 21);
            AssertNoNewBuffers(explainer, () => explainer.Explain(input, rows).Relevance, $"{networkName}/{policy}/{composite}");
        }
    }

    [TestMethod]
    [DataRow("llama")]
    [DataRow("qwen")]
    [DataRow("phi")]
    public void ExplainTokens_Repeated_HandsEveryBufferBack(string variant)
    {
        const int sequence = 6;
        long[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
        using var explainer = new LrpExplainer(Llm.TinyDecoder.Options(variant, cache: false, sequence, past: 0, LrpComposite.AttnLrp) with { CapturePolicy = LrpCapturePolicy.MinimizeTime });
        var ids = Llm.TinyDecoder.Ids(2, sequence, seed: 5);
        var inputs = Llm.TinyDecoder.Inputs(variant, false, 2, sequence, 0, mask);
        AssertNoNewBuffers(explainer, () => explainer.ExplainTokens(ids, 2, additionalInputs: inputs).Relevance, variant);
    }

    internal static void AssertNoNewBuffers(LrpExplainer explainer, Func<float[]> explain, string what)
    {
        var arena = explainer.Arena!;
        arena.MinimumLength = 0;
        var first = explain();
        explain();
        long made = arena.MadeBytes;
        arena.Outstanding = new(ReferenceEqualityComparer.Instance);
        var third = explain();

        // Where the buffers not handed back were taken: the first frames inside the library below the arena.
        var sites = arena.Outstanding.Values
            .Select(trace => string.Join(" < ", trace.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("at Microsoft.ML.Lrp.", StringComparison.Ordinal) && !l.Contains(".Tensors.TensorArena.", StringComparison.Ordinal) && !l.Contains(".Tests.", StringComparison.Ordinal)).Take(3)))
            .GroupBy(site => site)
            .Select(g => $"{g.Count()} × {g.Key}");
        Assert.IsGreaterThan(0L, made, $"{what}: the passes took no buffer from the arena");
        Assert.AreEqual(made, arena.MadeBytes, $"{what}: a pass made buffers it did not hand back, taken at:\n{string.Join("\n", sites)}");
        PromiseRuns.AssertSame(first, third, 1e-6, what);
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
