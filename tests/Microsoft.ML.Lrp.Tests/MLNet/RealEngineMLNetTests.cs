// The ML.NET component on the real engine (the other MLNet tests use a fake explainer): batching, conservation,
// PredictionEngine parity, save/load, column naming and schema errors, on TestNetworks.Mlp
// (input "input" [N, 10], output "output" [N, 4]).
using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class RealEngineMLNetTests
{
    private const int Features = 10;
    private readonly MLContext _mlContext = new(seed: 1);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    [DataRow(7)]
    public void Transform_RealEngine_MatchesOneExplainCallOverAllRows(int rows)
    {
        var network = TestNetworks.Mlp();
        var data = Rows(rows);
        var options = new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.Epsilon, BatchSize = 3 };
        using var transformer = (LrpTransformer)_mlContext.Transforms.ExplainWithLrp(options).Fit(data);

        var relevance = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
        using var explainer = new LrpExplainer(options);
        var expected = explainer.Explain(Inputs(rows), rows);

        Assert.AreEqual(rows, relevance.Count);
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < Features; i++)
            {
                Assert.AreEqual(expected.Relevance[r * Features + i], relevance[r][i], 1e-5f);
            }
        }
    }

    [TestMethod]
    public void Transform_RealEngineWithoutBiases_RelevanceSumsToTheScore()
    {
        var network = ModelSurgery.WithoutBiases(TestNetworks.Mlp());
        var data = Rows(4);
        var options = new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.Epsilon, Epsilon = 1e-9f };
        using var transformer = (LrpTransformer)_mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var view = transformer.Transform(data);

        var relevance = LrpTestData.ReadVectors(view, "Relevance");
        var scores = LrpTestData.Read<float>(view, "LrpScore");

        for (int r = 0; r < 4; r++)
        {
            Assert.AreEqual(scores[r], relevance[r].Sum(), 1e-3f * Math.Max(1f, Math.Abs(scores[r])));
        }
    }

    [TestMethod]
    public void PredictionEngine_RealEngine_MatchesTheBatchedCursor()
    {
        var network = TestNetworks.Mlp();
        var data = Rows(5);
        var options = new LrpOptions { ModelBytes = network.Model, BatchSize = 2 };
        using var transformer = (LrpTransformer)_mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var batched = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");

        using var engine = _mlContext.Model.CreatePredictionEngine<VectorRow, RelevanceRow>(transformer, inputSchemaDefinition: Definition(), outputSchemaDefinition: null);
        var inputs = Inputs(5);
        for (int r = 0; r < 5; r++)
        {
            var single = engine.Predict(new VectorRow { Input = inputs.AsSpan(r * Features, Features).ToArray() });
            for (int i = 0; i < Features; i++)
            {
                Assert.AreEqual(batched[r][i], single.Relevance[i], 1e-5f);
            }
        }
    }

    [TestMethod]
    public void SaveLoad_RealEngine_GivesTheSameRelevance()
    {
        var network = TestNetworks.Mlp();
        var data = Rows(3);
        string onnx = Path.Combine(Path.GetTempPath(), $"{TestContext.TestName}-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(onnx, network.Model);
        var model = _mlContext.Transforms.CopyColumns("Copy", "input")
            .Append(_mlContext.Transforms.ExplainWithLrp("Relevance", "input", onnx, LrpTarget.Class(1), LrpComposite.EpsilonPlus))
            .Fit(data);
        string path = Path.ChangeExtension(onnx, ".zip");

        LrpModel.Save(_mlContext, model, data.Schema, path);
        var loaded = LrpModel.Load(_mlContext, path, out var schema);

        var expected = LrpTestData.ReadVectors(model.Transform(data), "Relevance");
        var actual = LrpTestData.ReadVectors(loaded.Transform(data), "Relevance");
        for (int r = 0; r < 3; r++)
        {
            CollectionAssert.AreEqual(expected[r], actual[r]);
        }

        Assert.AreEqual(data.Schema.Count, schema.Count);
        ((IDisposable)loaded).Dispose();
        model.Dispose();
    }

    [TestMethod]
    public void Fit_RealEngine_OutputColumnIsNamedLikeTheOnnxOutput()
    {
        var data = Rows(1);
        using var transformer = (LrpTransformer)_mlContext.Transforms.ExplainWithLrp(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model }).Fit(data);

        var schema = transformer.GetOutputSchema(data.Schema);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), schema["output"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, Features), schema["Relevance"].Type);
        Assert.IsTrue(transformer.Statistics.Nodes > 0);
    }

    [TestMethod]
    public void Fit_RealEngineInputOfWrongLength_ThrowsNamingTheColumn()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1)); // "input" has 4 elements, the model wants 10

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _mlContext.Transforms.ExplainWithLrp(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model }).Fit(data));

        StringAssert.Contains(error.Message, "'input'");
        StringAssert.Contains(error.Message, "10 elements");
    }

    private static float[] Inputs(int rows) => Enumerable.Range(0, rows * Features).Select(i => (float)Math.Sin(i * 0.7)).ToArray();

    private static SchemaDefinition Definition()
    {
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition["input"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        return definition;
    }

    private IDataView Rows(int rows)
    {
        var inputs = Inputs(rows);
        var list = Enumerable.Range(0, rows).Select(r => new VectorRow { Input = inputs.AsSpan(r * Features, Features).ToArray() }).ToList();
        return _mlContext.Data.LoadFromEnumerable(list, Definition());
    }

    internal sealed class VectorRow
    {
        [ColumnName("input")]
        public float[] Input { get; set; } = [];
    }

    internal sealed class RelevanceRow
    {
        public float[] Relevance { get; set; } = [];
    }
}
