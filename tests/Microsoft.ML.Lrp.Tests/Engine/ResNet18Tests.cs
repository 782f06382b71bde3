namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>The ImageNet-trained ResNet18 that ships in Microsoft.ML.DnnImageFeaturizer.ResNet18 (batch fixed at 1, opset 8).</summary>
[TestClass]
public sealed class ResNet18Tests
{
    internal static string ModelPath => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    private static LrpExplainer? _explainer;

    [ClassInitialize]
    public static void Load(TestContext context) => _explainer = new LrpExplainer(new LrpOptions { ModelFile = ModelPath, BatchSize = 8 });

    [ClassCleanup]
    public static void Unload() => _explainer?.Dispose();

    private static float[] Images(int rows, int seed)
    {
        var random = new Random(seed);
        var data = new float[rows * 3 * 224 * 224];
        for (int i = 0; i < data.Length; i++)
        {
            // Smooth-ish normalised image values with negative and positive parts.
            data[i] = (float)((Math.Sin(i * 0.001 * (1 + (i % 3))) * 1.5) + (random.NextDouble() - 0.5));
        }

        return data;
    }

    [TestMethod]
    public void Plan_FoldsEveryBatchNormAndRebatches()
    {
        Assert.IsTrue(_explainer!.CanBatch);
        Assert.AreEqual(22, _explainer.Statistics.FoldedBatchNorms);
        Assert.AreEqual(74, _explainer.Statistics.Nodes);
        CollectionAssert.AreEqual(new[] { 3, 224, 224 }, _explainer.InputShape.ToArray());
        Assert.AreEqual(512, _explainer.OutputRowLength);
    }

    [TestMethod]
    public void Explain_DirectionTarget_FiniteAndConserved()
    {
        var weights = Enumerable.Range(0, 512).Select(i => (float)Math.Cos(i)).ToArray();
        using var explainer = new LrpExplainer(new LrpOptions { ModelFile = ModelPath, Target = LrpTarget.Direction(weights) });
        var result = explainer.Explain(Images(1, 1), 1, conservationReport: true);
        Assert.HasCount(3 * 224 * 224, result.Relevance);
        Assert.IsTrue(result.Relevance.All(float.IsFinite));
        Assert.IsGreaterThan(0.0, result.Relevance.Max(Math.Abs));
        double scale = Math.Abs(result.SeedTotals[0]);
        Assert.AreEqual(0.0, result.ConservationError(0) / scale, 1e-4);
        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError);
    }

    [TestMethod]
    public void Explain_EightRowsBatched_EqualsRowByRow()
    {
        var images = Images(8, 2);
        var batched = _explainer!.Explain(images, 8);
        int length = 3 * 224 * 224;
        for (int r = 0; r < 8; r += 3)
        {
            var single = _explainer.Explain(images.AsSpan(r * length, length).ToArray(), 1);
            Assert.AreEqual(single.Targets[0], batched.Targets[r]);
            float scale = single.Relevance.Max(Math.Abs);
            var rowRelevance = batched.RelevanceOf(r);
            double worst = 0;
            for (int i = 0; i < length; i++)
            {
                worst = Math.Max(worst, Math.Abs(rowRelevance[i] - single.Relevance[i]));
            }

            Assert.IsLessThanOrEqualTo(1e-4 * scale, worst, $"row {r}");
            for (int r2 = 0; r2 < 8; r2++)
            {
                double err = batched.ConservationError(r2) / Math.Max(1e-6, Math.Abs(batched.SeedTotals[r2]));
                Assert.AreEqual(0.0, err, 1e-3, $"row {r2} conservation");
            }
        }
    }
}
