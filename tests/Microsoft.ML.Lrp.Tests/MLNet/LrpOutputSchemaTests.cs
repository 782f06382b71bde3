using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpOutputSchemaTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [TestMethod]
    public void GetOutputSchema_AddsOutputRelevanceTargetAndScoreAfterTheInputs()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(2));
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options());

        var schema = transformer.GetOutputSchema(data.Schema);

        int first = data.Schema.Count;
        Assert.AreEqual(first + 4, schema.Count);
        Assert.AreEqual("output", schema[first].Name);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), schema[first].Type);
        Assert.AreEqual("Relevance", schema[first + 1].Name);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), schema[first + 1].Type);
        Assert.AreEqual(NumberDataViewType.Int32, schema["LrpTarget"].Type);
        Assert.AreEqual(NumberDataViewType.Single, schema["LrpScore"].Type);
    }

    [TestMethod]
    public void GetOutputSchema_InputWithSlotNames_RelevanceKeepsThem()
    {
        var raw = _mlContext.Data.LoadFromEnumerable(new[] { new FourFloats { A = 1, B = 2, C = 3, D = 4 } });
        var data = _mlContext.Transforms.Concatenate("input", "A", "B", "C", "D").Fit(raw).Transform(raw);
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options());

        var schema = transformer.GetOutputSchema(data.Schema);
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        schema["Relevance"].Annotations.GetValue(LrpSchemaBindingKinds.SlotNames, ref slotNames);

        CollectionAssert.AreEqual(new[] { "A", "B", "C", "D" }, slotNames.DenseValues().Select(n => n.ToString()).ToArray());
    }

    [TestMethod]
    public void GetOutputSchema_NameCollidesWithInput_NewColumnHidesIt()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(3));
        var options = LrpTestData.Options() with { RelevanceColumnName = "Name" };
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, options);

        var view = transformer.Transform(data);
        var relevance = LrpTestData.ReadVectors(view, "Name");

        Assert.IsTrue(view.Schema[data.Schema["Name"].Index].IsHidden);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), view.Schema["Name"].Type);
        Assert.AreEqual(4f, relevance[1][1], 0f);
    }

    [TestMethod]
    public void EstimatorGetOutputSchema_SchemaShape_AddsFourColumnShapes()
    {
        var estimator = new LrpEstimator(LrpTestData.Options() with { OutputName = "logits" }, o => new FakeBatchExplainer(o));

        var shape = estimator.GetOutputSchema(InputShape());
        var byName = shape.ToDictionary(c => c.Name);

        Assert.AreEqual(6, shape.Count);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, byName["logits"].Kind);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, byName["Relevance"].Kind);
        Assert.AreEqual(NumberDataViewType.Single, byName["Relevance"].ItemType);
        Assert.AreEqual(NumberDataViewType.Int32, byName["LrpTarget"].ItemType);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Scalar, byName["LrpScore"].Kind);
    }

    [TestMethod]
    public void EstimatorGetOutputSchema_NoOutputName_LoadsTheModelOnceToLearnIt()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        int created = 0;
        var estimator = new LrpEstimator(LrpTestData.Options(), o => { created++; return new FakeBatchExplainer(o); });

        estimator.GetOutputSchema(InputShape());
        var shape = estimator.GetOutputSchema(InputShape());

        Assert.AreEqual(1, created);
        Assert.AreEqual(1, shape.Count(c => c.Name == "output"));
    }

    [TestMethod]
    public void EstimatorGetOutputSchema_MissingInput_ThrowsNamingIt()
    {
        var estimator = new LrpEstimator(LrpTestData.Options() with { InputColumnName = "pixels", OutputName = "y" }, o => new FakeBatchExplainer(o));

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(InputShape()));

        StringAssert.Contains(error.Message, "'pixels'");
    }

    private static SchemaShape InputShape() => new(
    [
        LrpSchemaShapes.Column("input", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single),
        LrpSchemaShapes.Column("Id", SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Int32),
    ]);

    internal sealed class FourFloats
    {
        public float A { get; set; }

        public float B { get; set; }

        public float C { get; set; }

        public float D { get; set; }
    }
}
