using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpTransformerBatchingTests
{
    private const int BatchSize = 4;
    private readonly MLContext _mlContext = new(seed: 1);

    [TestMethod]
    [DataRow(1)]
    [DataRow(BatchSize)]
    [DataRow(BatchSize + 1)]
    [DataRow(3 * BatchSize - 1)]
    public void Transform_RowCountVersusBatchSize_ServesEveryRowInOrder(int rows)
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(rows));
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(BatchSize));
        var view = transformer.Transform(data);

        var schema = view.Schema;
        using var cursor = view.GetRowCursor(schema);
        var id = cursor.GetGetter<int>(schema["Id"]);
        var name = cursor.GetGetter<ReadOnlyMemory<char>>(schema["Name"]);
        var relevance = cursor.GetGetter<VBuffer<float>>(schema["Relevance"]);
        var output = cursor.GetGetter<VBuffer<float>>(schema["output"]);
        var target = cursor.GetGetter<int>(schema["LrpTarget"]);
        var score = cursor.GetGetter<float>(schema["LrpScore"]);
        int seen = 0;
        while (cursor.MoveNext())
        {
            int idValue = 0;
            ReadOnlyMemory<char> nameValue = default;
            VBuffer<float> relevanceValue = default, outputValue = default;
            int targetValue = 0;
            float scoreValue = 0;
            id(ref idValue);
            name(ref nameValue);
            relevance(ref relevanceValue);
            output(ref outputValue);
            target(ref targetValue);
            score(ref scoreValue);

            Assert.AreEqual(seen, cursor.Position);
            Assert.AreEqual(seen, idValue);
            Assert.AreEqual($"row {seen}", nameValue.ToString());
            CollectionAssert.AreEqual(new float[] { 2f * seen, 2f * (seen + 1), 2f * (seen + 2), 2f * (seen + 3) }, relevanceValue.DenseValues().ToArray());
            float sum = 4 * seen + 6;
            CollectionAssert.AreEqual(new[] { sum, 2 * sum, 3 * sum }, outputValue.DenseValues().ToArray());
            Assert.AreEqual(2, targetValue);
            Assert.AreEqual(3 * sum, scoreValue, 1e-6f);
            seen++;
        }

        Assert.AreEqual(rows, seen);
        Assert.AreEqual((rows + BatchSize - 1) / BatchSize, fake.ExplainCalls);
        Assert.AreEqual(rows, fake.RowsPerCall.Sum());
        Assert.IsTrue(fake.RowsPerCall.Take(fake.ExplainCalls - 1).All(n => n == BatchSize));
    }

    [TestMethod]
    public void Transform_OnlyPassThroughColumnsRead_MakesNoExplainCall()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(9));
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(BatchSize));
        var view = transformer.Transform(data);

        var names = LrpTestData.Read<ReadOnlyMemory<char>>(view, "Name");
        var weights = LrpTestData.Read<float>(view, "Weight");

        Assert.AreEqual(0, fake.ExplainCalls);
        Assert.AreEqual("row 8", names[8].ToString());
        Assert.AreEqual(4f, weights[8], 0f);
    }

    [TestMethod]
    public void Transform_BeforeAnyCursorMoves_MakesNoExplainCall()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(5));
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(BatchSize));

        var view = transformer.Transform(data);
        using var cursor = view.GetRowCursor(view.Schema);

        Assert.AreEqual(0, fake.ExplainCalls);
    }

    [TestMethod]
    public void Transform_PassThroughColumns_KeepTheirValuesAcrossBatches()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(7));
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(3));
        var view = transformer.Transform(data);

        var schema = view.Schema;
        using var cursor = view.GetRowCursor([schema["Name"], schema["Weight"], schema["input"], schema["LrpScore"]]);
        var name = cursor.GetGetter<ReadOnlyMemory<char>>(schema["Name"]);
        var weight = cursor.GetGetter<float>(schema["Weight"]);
        var input = cursor.GetGetter<VBuffer<float>>(schema["input"]);
        var names = new List<string>();
        var weights = new List<float>();
        var firstInputs = new List<float>();
        while (cursor.MoveNext())
        {
            ReadOnlyMemory<char> n = default;
            float w = 0;
            VBuffer<float> x = default;
            name(ref n);
            weight(ref w);
            input(ref x);
            names.Add(n.ToString());
            weights.Add(w);
            firstInputs.Add(x.GetItemOrDefault(0));
        }

        CollectionAssert.AreEqual(Enumerable.Range(0, 7).Select(i => $"row {i}").ToArray(), names);
        CollectionAssert.AreEqual(Enumerable.Range(0, 7).Select(i => i / 2f).ToArray(), weights);
        CollectionAssert.AreEqual(Enumerable.Range(0, 7).Select(i => (float)i).ToArray(), firstInputs);
        Assert.AreEqual(3, fake.ExplainCalls);
    }

    [TestMethod]
    public void GetRowCount_PassesTheInputCountThrough()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(6).ToList());
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(BatchSize));

        Assert.AreEqual(6L, transformer.Transform(data).GetRowCount());
    }

    [TestMethod]
    public void GetRowCursorSet_ReturnsOneCursorServingAllRows()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(6));
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(BatchSize));
        var view = transformer.Transform(data);

        var cursors = view.GetRowCursorSet([view.Schema["Relevance"]], 4);
        int rows = 0;
        while (cursors[0].MoveNext())
        {
            rows++;
        }

        cursors[0].Dispose();
        Assert.AreEqual(1, cursors.Length);
        Assert.AreEqual(6, rows);
    }

    [TestMethod]
    public void Statistics_And_BackendName_ComeFromTheExplainer()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options());

        Assert.AreEqual(7, transformer.Statistics.Nodes);
        Assert.AreEqual("Fake", transformer.BackendName);
        Assert.AreEqual(4, transformer.Options.BatchSize);
    }
}
