namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpPredictionEngineTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [TestMethod]
    public void PredictionEngine_MatchesTheBatchedCursor()
    {
        var rows = LrpTestData.Rows(6);
        var data = _mlContext.Data.LoadFromEnumerable(rows);
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4));
        var batched = _mlContext.Data.CreateEnumerable<LrpTestData.Prediction>(transformer.Transform(data), reuseRowObject: false).ToList();

        using var engine = _mlContext.Model.CreatePredictionEngine<LrpTestData.InputRow, LrpTestData.Prediction>(transformer);
        for (int i = 0; i < rows.Length; i++)
        {
            var single = engine.Predict(rows[i]);
            CollectionAssert.AreEqual(batched[i].Relevance, single.Relevance);
            CollectionAssert.AreEqual(batched[i].Output, single.Output);
            Assert.AreEqual(batched[i].LrpTarget, single.LrpTarget);
            Assert.AreEqual(batched[i].LrpScore, single.LrpScore, 0f);
            Assert.AreEqual(rows[i].Name, single.Name);
        }

        Assert.AreEqual(2f * 5, batched[5].Relevance[0], 0f);
    }

    [TestMethod]
    public void PredictionEngine_ExplainsEachPredictionOnceAsABatchOfOne()
    {
        var rows = LrpTestData.Rows(3);
        var data = _mlContext.Data.LoadFromEnumerable(rows);
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4));

        using var engine = _mlContext.Model.CreatePredictionEngine<LrpTestData.InputRow, LrpTestData.Prediction>(transformer);
        foreach (var row in rows)
        {
            engine.Predict(row);
        }

        Assert.AreEqual(3, fake.ExplainCalls);
        Assert.IsTrue(fake.RowsPerCall.All(n => n == 1));
    }

    [TestMethod]
    public void PredictionEngine_InsideAChain_ExplainsTheTransformedColumn()
    {
        var rows = LrpTestData.Rows(2);
        var data = _mlContext.Data.LoadFromEnumerable(rows);
        var options = LrpTestData.Options() with { InputColumnName = "Features" };
        var pipeline = _mlContext.Transforms.CopyColumns("Features", "input")
            .Append(new LrpEstimator(options, o => new FakeBatchExplainer(o)));
        var model = pipeline.Fit(data);

        using var engine = _mlContext.Model.CreatePredictionEngine<LrpTestData.InputRow, LrpTestData.Prediction>(model);
        var prediction = engine.Predict(rows[1]);

        CollectionAssert.AreEqual(new[] { 2f, 4f, 6f, 8f }, prediction.Relevance);
    }
}
