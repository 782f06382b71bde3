using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet;
using Microsoft.ML.Lrp.Tests.MLNet;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Intermediate;

/// <summary>The columns of <see cref="LrpOptions.RelevanceOutputs"/> in ML.NET.</summary>
[TestClass]
public sealed class RelevanceOutputColumnTests
{
    private const int Features = 10;
    private readonly MLContext _mlContext = new(seed: 1);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Transform_WithRelevanceOutputs_AddsOneColumnPerTensorShapedLikeItsRow()
    {
        var network = TestNetworks.Mlp();
        var data = Rows(5);
        var options = Options(network);
        using var transformer = (LrpTransformer)_mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var schema = transformer.GetOutputSchema(data.Schema);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 16), schema["RelA0"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 12), schema["RelZ1"].Type);

        using var explainer = new LrpExplainer(options);
        var expected = explainer.Explain(Inputs(5), 5);
        var view = transformer.Transform(data);
        foreach (var (column, tensor) in options.RelevanceOutputs!)
        {
            var actual = LrpTestData.ReadVectors(view, column);
            for (int r = 0; r < 5; r++)
            {
                CollectionAssert.AreEqual(expected.RelevanceAt(tensor).Row(r).ToArray(), actual[r], column);
            }
        }

        var input = new SchemaShape([LrpSchemaShapes.Column("input", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single)]);
        var z1 = _mlContext.Transforms.ExplainWithLrp(options).GetOutputSchema(input).Single(c => c.Name == "RelZ1");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, z1.Kind);
        Assert.AreEqual(NumberDataViewType.Single, z1.ItemType);
    }

    [TestMethod]
    public void SaveLoad_KeepsTheRelevanceOutputColumns()
    {
        var network = TestNetworks.Mlp();
        var data = Rows(3);
        var model = _mlContext.Transforms.ExplainWithLrp(Options(network)).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"{TestContext.TestName}-{Guid.NewGuid():N}.zip");
        LrpModel.Save(_mlContext, model, data.Schema, path);
        var loaded = LrpModel.Load(_mlContext, path, out _);
        var expected = LrpTestData.ReadVectors(model.Transform(data), "RelA0");
        var actual = LrpTestData.ReadVectors(loaded.Transform(data), "RelA0");
        for (int r = 0; r < 3; r++)
        {
            CollectionAssert.AreEqual(expected[r], actual[r]);
        }

        ((IDisposable)loaded).Dispose();
        model.Dispose();
        File.Delete(path);
    }

    private static LrpOptions Options(TestNetwork network) => new()
    {
        ModelBytes = network.Model,
        BatchSize = 2,
        RelevanceOutputs = new Dictionary<string, string> { ["RelA0"] = "a0", ["RelZ1"] = "z1" },
    };

    private static float[] Inputs(int rows) => Enumerable.Range(0, rows * Features).Select(i => (float)Math.Sin(i * 0.7)).ToArray();

    private IDataView Rows(int rows)
    {
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition["input"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        var inputs = Inputs(rows);
        var list = Enumerable.Range(0, rows).Select(r => new VectorRow { Input = inputs.AsSpan(r * Features, Features).ToArray() }).ToList();
        return _mlContext.Data.LoadFromEnumerable(list, definition);
    }

    internal sealed class VectorRow
    {
        [ColumnName("input")]
        public float[] Input { get; set; } = [];
    }
}
