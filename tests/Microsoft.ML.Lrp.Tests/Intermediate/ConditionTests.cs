using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Intermediate;

/// <summary>Concept-conditional relevance (<see cref="LrpOptions.Conditions"/>) and <see cref="LrpConcepts"/>.</summary>
[TestClass]
public sealed class ConditionTests
{
    /// <summary>Tensors every path from the output to the input passes (a cut): network, tensor, channels.</summary>
    public static IEnumerable<object[]> Cuts =>
    [
        ["VggLike_d1", "r1", 8],
        ["ResNetLikeProjection", "a", 4],
        ["Mlp", "a0", 16],
        ["SequenceMatMul", "m", 4],
    ];

    [TestMethod]
    [DynamicData(nameof(Cuts))]
    public void Conditions_AllChannels_GiveTheUnconditionedHeatmap(string networkName, string tensor, int channels)
    {
        var network = Network(networkName);
        var input = TapNetworks.Input(network, 21);
        var plain = Explain(network, input, null);
        var all = Explain(network, input, new() { [tensor] = Enumerable.Range(0, channels).ToArray() });
        CollectionAssert.AreEqual(plain.Relevance, all.Relevance);
        Assert.IsTrue(all.RemovedByConditions.All(v => v == 0));
    }

    [TestMethod]
    [DynamicData(nameof(Cuts))]
    public void Conditions_DisjointChannelSets_AddUpToTheUnconditionedHeatmap(string networkName, string tensor, int channels)
    {
        var network = Network(networkName);
        var input = TapNetworks.Input(network, 22);
        var plain = Explain(network, input, null);
        var sum = new double[plain.Relevance.Length];
        var sets = new[] { Enumerable.Range(0, channels).Where(c => c % 3 == 0), Enumerable.Range(0, channels).Where(c => c % 3 == 1), Enumerable.Range(0, channels).Where(c => c % 3 == 2) };
        foreach (var set in sets)
        {
            var part = Explain(network, input, new() { [tensor] = set.ToArray() });
            for (int i = 0; i < sum.Length; i++)
            {
                sum[i] += part.Relevance[i];
            }

            for (int r = 0; r < part.Rows; r++)
            {
                Assert.AreEqual(0, part.ConservationError(r), 1e-4 * Math.Max(1, Math.Abs(part.SeedTotals[r])), "the removed relevance is accounted for");
            }
        }

        Assert.IsLessThan(1e-5, TapNetworks.Deviation(sum, TapNetworks.Doubles(plain.Relevance)));
    }

    [TestMethod]
    public void Conditions_OnTwoTensors_AreAnded()
    {
        var network = TestNetworks.VggLike(1);
        var input = TapNetworks.Input(network, 23);
        int[] upper = [0, 2, 3, 7];
        var upperOnly = Explain(network, input, new() { ["r2"] = upper });
        var both = new[] { new[] { 0, 1, 2 }, new[] { 3, 4, 5 }, new[] { 6, 7 } }
            .Select(lower => Explain(network, input, new() { ["r2"] = upper, ["r1"] = lower }).Relevance).ToList();
        var sum = Enumerable.Range(0, upperOnly.Relevance.Length).Select(i => both.Sum(b => (double)b[i])).ToArray();
        Assert.IsLessThan(1e-5, TapNetworks.Deviation(sum, TapNetworks.Doubles(upperOnly.Relevance)));
        var plain = Explain(network, input, null);
        Assert.IsGreaterThan(1e-3, TapNetworks.Deviation(TapNetworks.Doubles(upperOnly.Relevance), TapNetworks.Doubles(plain.Relevance)), "the condition changes the heatmap");
    }

    [TestMethod]
    public void Conditions_InsideAResidualBranch_KeepOnlyRelevanceThroughTheBranch()
    {
        var network = TestNetworks.ResNetLike(true);
        var input = TapNetworks.Input(network, 24);
        var plain = Explain(network, input, null, "a");
        var branch = Explain(network, input, new() { ["r1"] = Enumerable.Range(0, 6).ToArray() }, "a");
        var shortcut = Explain(network, input, new() { ["scb"] = Enumerable.Range(0, 6).ToArray() }, "a");
        // Relevance at the stem's output is what came through the branch plus what came through the shortcut.
        var sum = branch.RelevanceAt("a").Values.Zip(shortcut.RelevanceAt("a").Values, (x, y) => (double)x + y).ToArray();
        Assert.IsLessThan(1e-5, TapNetworks.Deviation(sum, TapNetworks.Doubles(plain.RelevanceAt("a").Values)));
        for (int r = 0; r < 2; r++)
        {
            Assert.AreEqual(0, branch.ConservationError(r), 1e-4 * Math.Max(1, Math.Abs(branch.SeedTotals[r])));
            Assert.AreNotEqual(0f, branch.RemovedByConditions[r]);
        }
    }

    [TestMethod]
    public void TopChannels_AreTheChannelsWithTheLargestSummedRelevance()
    {
        var network = TestNetworks.VggLike(1);
        var result = Explain(network, TapNetworks.Input(network, 25), null, "r1");
        for (int row = 0; row < 2; row++)
        {
            var at = result.RelevanceAt("r1");
            CollectionAssert.AreEqual(new[] { 8, 3, 3 }, at.Shape.ToArray());
            var naive = Enumerable.Range(0, 8).Select(c => at.Row(row).Slice(c * 9, 9).ToArray().Sum(v => (double)v)).ToArray();
            var expected = Enumerable.Range(0, 8).OrderByDescending(c => naive[c]).Take(3).ToArray();
            CollectionAssert.AreEqual(expected, LrpConcepts.TopChannels(result, "r1", 3, row));
            Assert.AreEqual(naive[expected[0]], LrpConcepts.ChannelRelevance(result, "r1", row)[expected[0]], 1e-9);
        }
    }

    [TestMethod]
    public void Conditions_OnParallelTensorsOrMissingChannels_Throw()
    {
        var network = TestNetworks.ResNetLike(true);
        var parallel = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = network.Model, Conditions = new Dictionary<string, int[]> { ["r1"] = [0], ["scb"] = [0] } }));
        StringAssert.Contains(parallel.Message, "parallel");
        var channel = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = network.Model, Conditions = new Dictionary<string, int[]> { ["r1"] = [6] } }));
        StringAssert.Contains(channel.Message, "'r1'");
        StringAssert.Contains(channel.Message, "channel 6");
        var unknown = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = network.Model, Conditions = new Dictionary<string, int[]> { ["zz"] = [0] } }));
        StringAssert.Contains(unknown.Message, "LrpOptions.Conditions");
    }

    private static TestNetwork Network(string name) => name == "SequenceMatMul" ? TapNetworks.SequenceMatMul() : TestNetworks.ByName(name);

    private static LrpExplanation Explain(TestNetwork network, float[] input, Dictionary<string, int[]>? conditions, string? record = null)
    {
        var options = new LrpOptions
        {
            ModelBytes = network.Model,
            Target = LrpTarget.Class(1),
            Conditions = conditions,
            RelevanceOutputs = record is null ? null : new Dictionary<string, string> { ["R"] = record },
        };
        using var explainer = new LrpExplainer(options);
        return explainer.Explain(input, network.InputShape[0]);
    }
}
