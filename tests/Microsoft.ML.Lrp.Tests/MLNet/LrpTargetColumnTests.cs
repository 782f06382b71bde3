using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpTargetColumnTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [TestMethod]
    [DataRow(DataKind.Int32)]
    [DataRow(DataKind.Int64)]
    [DataRow(DataKind.UInt32)]
    public void Transform_IntegerTargetColumn_PassesItsIndices(DataKind kind)
    {
        var data = WithTargets(new[] { 2, 0, 1 });
        data = kind == DataKind.UInt32
            ? _mlContext.Transforms.CopyColumns("T", "UTarget").Fit(data).Transform(data)
            : _mlContext.Transforms.Conversion.ConvertType("T", "Target", kind).Fit(data).Transform(data);
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4, LrpTarget.FromColumn("T")));

        var targets = LrpTestData.Read<int>(transformer.Transform(data), "LrpTarget");

        CollectionAssert.AreEqual(new[] { 2, 0, 1 }, fake.TargetsPerCall[0]!.ToArray());
        CollectionAssert.AreEqual(new[] { 2, 0, 1 }, targets);
    }

    [TestMethod]
    public void Transform_KeyTargetColumn_MapsKeyKToIndexKMinusOne()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(3));
        var keyed = _mlContext.Transforms.Conversion.MapValueToKey("K", "Name").Fit(data).Transform(data);
        var (transformer, fake) = LrpTestData.Fit(_mlContext, keyed, LrpTestData.Options(4, LrpTarget.FromColumn("K")));

        LrpTestData.Read<float>(transformer.Transform(keyed), "LrpScore");

        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, fake.TargetsPerCall[0]!.ToArray());
    }

    [TestMethod]
    public void Transform_MissingKey_ThrowsNamingColumnAndRow()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(3));
        var known = _mlContext.Data.LoadFromEnumerable(new[] { new KeyValue { Name = "row 0" }, new KeyValue { Name = "row 1" } });
        var keyed = _mlContext.Transforms.Conversion.MapValueToKey("K", "Name", keyData: known).Fit(data).Transform(data);
        var (transformer, _) = LrpTestData.Fit(_mlContext, keyed, LrpTestData.Options(4, LrpTarget.FromColumn("K")));

        var error = Assert.ThrowsExactly<LrpException>(() => LrpTestData.Read<float>(transformer.Transform(keyed), "LrpScore"));

        StringAssert.Contains(error.Message, "Row 2");
        StringAssert.Contains(error.Message, "'K'");
        StringAssert.Contains(error.Message, "missing key");
    }

    [TestMethod]
    [DataRow(3)]
    [DataRow(-1)]
    public void Transform_TargetOutOfRange_ThrowsNamingColumnRowAndRange(int bad)
    {
        var data = WithTargets(new[] { 0, 1, bad });
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4, LrpTarget.FromColumn("Target")));

        var error = Assert.ThrowsExactly<LrpException>(() => LrpTestData.Read<int>(transformer.Transform(data), "LrpTarget"));

        StringAssert.Contains(error.Message, "Row 2");
        StringAssert.Contains(error.Message, "'Target'");
        StringAssert.Contains(error.Message, "0..2");
        Assert.AreEqual(0, fake.ExplainCalls);
    }

    [TestMethod]
    public void Transform_TargetFromColumn_PredictionEnginePassesTheRowsIndex()
    {
        var data = WithTargets(new[] { 1 });
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4, LrpTarget.FromColumn("Target")));

        using var engine = _mlContext.Model.CreatePredictionEngine<TargetRow, LrpTestData.Prediction>(transformer);
        var prediction = engine.Predict(new TargetRow { Input = [1, 1, 1, 1], Target = 1 });

        Assert.AreEqual(1, prediction.LrpTarget);
        Assert.AreEqual(8f, prediction.LrpScore, 0f);
        Assert.AreEqual(1, fake.TargetsPerCall[0]![0]);
    }

    private IDataView WithTargets(int[] targets)
        => _mlContext.Data.LoadFromEnumerable(targets.Select((t, i) => new TargetRow { Input = [i, i, i, i], Target = t, UTarget = (uint)Math.Max(t, 0) }).ToArray());

    internal sealed class TargetRow
    {
        [ColumnName("input")]
        [VectorType(4)]
        public float[] Input { get; set; } = [];

        public int Target { get; set; }

        public uint UTarget { get; set; }

        public string Name { get; set; } = "";
    }

    internal sealed class KeyValue
    {
        public string Name { get; set; } = "";
    }
}
