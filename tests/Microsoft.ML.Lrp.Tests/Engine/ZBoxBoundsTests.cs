using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// EpsilonGammaBox's ZBox first layer with bounds given as one value, one per channel and one per element of a row.
/// The engine computes <c>W⁺l + W⁻h</c> once per input shape and <c>z</c> from the node's output; the reference
/// evaluates RULES.md's formula directly in double precision. Each explainer runs twice (the second pass reuses the
/// constants), with batches of 2 and then 1, and conserves relevance per row.
/// </summary>
[TestClass]
public sealed class ZBoxBoundsTests
{
    /// <summary>Conv 4 → 5 channels (3×3, stride 2, pad 1, <paramref name="group"/> groups) → Relu → Conv 5 → 3 (1×1).</summary>
    private static TestNetwork BoxedConv(int group)
    {
        int perGroup = 4 / group;
        var b = new OnnxModelBuilder(seed: 25).Input("input", "N", 4, 7, 7)
            .Initializer("W0", new SeededWeights(25).Uniform(4 * perGroup * 9, -1f, 1f), 4, perGroup, 3, 3).Initializer("B0", [0.1f, -0.3f, 0.2f, 0f], 4)
            .Initializer("W1", new SeededWeights(26).Uniform(3 * 4, -1f, 1f), 3, 4, 1, 1).Initializer("B1", [0.05f, -0.1f, 0f], 3)
            .Node("Conv", ["input", "W0", "B0"], ["c0"], "conv0", ("strides", new[] { 2, 2 }), ("pads", new[] { 1, 1, 1, 1 }), ("group", group))
            .Node("Relu", "c0", "r0", "relu0")
            .Node("Conv", ["r0", "W1", "B1"], ["output"], "conv1");
        return new TestNetwork($"BoxedConv_g{group}", b.Output("output", "N", 3, 4, 4).Build(), [2, 4, 7, 7]) { FirstLayers = ["conv0"] };
    }

    public static IEnumerable<object[]> Cases() =>
    [
        [1, "scalar"], [1, "channel"], [1, "element"], [2, "channel"], [2, "element"],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void ZBox_BoundsOfEveryShape_MatchReferenceAndConserve(int group, string bounds)
        => Check(BoxedConv(group), bounds, () => new CpuBackend());

    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow(1, "element")]
    [DataRow(2, "channel")]
    public void ZBox_BoundsOnIlgpuCpuAccelerator_MatchReferenceAndConserve(int group, string bounds)
        => Check(BoxedConv(group), bounds, () => new IlgpuBackend(IlgpuDevice.CpuEmulator()));

    private static void Check(TestNetwork network, string bounds, Func<IRelevanceBackend> backend)
    {
        int rowLength = 4 * 7 * 7;
        var (low, high) = bounds switch
        {
            "scalar" => (new[] { -1.5f }, new[] { 2f }),
            "channel" => (new[] { -1f, -0.5f, -2f, -1.25f }, new[] { 1f, 2f, 0.75f, 1.5f }),
            _ => (new SeededWeights(27).Uniform(rowLength, -2f, -0.5f), new SeededWeights(28).Uniform(rowLength, 0.5f, 2f)),
        };
        var options = new LrpOptions
        {
            ModelBytes = network.Model,
            Composite = LrpComposite.EpsilonGammaBox,
            InputLowerBound = low,
            InputUpperBound = high,
            Target = LrpTarget.AllOutputs,
            OutputSeed = LrpOutputSeed.One,
        };

        var input = network.RandomInput(33).Select(v => (float)v).ToArray();
        using var explainer = new LrpExplainer(options, backend);
        foreach (int rows in new[] { 2, 2, 1 })
        {
            var rowsInput = input[..(rows * rowLength)];
            var expected = ReferenceLrp.Explain(network.Model, rowsInput.Select(v => (double)v).ToArray(), [rows, .. network.InputShape[1..]], ReferenceOptions.From(options));
            var result = explainer.Explain(rowsInput, rows, conservationReport: true);
            EngineVersusReferenceTests.AssertClose(expected, result.Relevance, $"{network.Name}/{bounds}/{rows} rows");
            for (int r = 0; r < rows; r++)
            {
                double scale = Math.Max(1e-3, Math.Abs(result.SeedTotals[r]));
                Assert.AreEqual(0.0, result.ConservationError(r) / scale, 1e-5, $"{network.Name}/{bounds} row {r}: seed {result.SeedTotals[r]}, absorbed {result.Absorbed[r]}");
            }
        }
    }
}
