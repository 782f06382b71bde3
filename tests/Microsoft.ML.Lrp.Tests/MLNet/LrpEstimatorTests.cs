namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpEstimatorTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [TestMethod]
    public void Fit_MissingInputColumn_ThrowsNamingItAndTheAvailableColumns()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        var estimator = new LrpEstimator(LrpTestData.Options() with { InputColumnName = "pixels" }, o => new FakeBatchExplainer(o));

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        StringAssert.Contains(error.Message, "'pixels'");
        StringAssert.Contains(error.Message, "'input', 'Name', 'Weight', 'Id'");
    }

    [TestMethod]
    public void Fit_InputIsNotAVectorOfSingle_ThrowsNamingExpectedAndActual()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        var estimator = new LrpEstimator(LrpTestData.Options() with { InputColumnName = "Name" }, o => new FakeBatchExplainer(o));

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        StringAssert.Contains(error.Message, "'Name'");
        StringAssert.Contains(error.Message, "vector of Single with 4 elements");
        StringAssert.Contains(error.Message, "String");
    }

    [TestMethod]
    public void Fit_InputOfWrongLength_ThrowsNamingBothLengths()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        FakeBatchExplainer? fake = null;
        var estimator = new LrpEstimator(LrpTestData.Options(), o => fake = new FakeBatchExplainer(o, inputRowLength: 5));

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        StringAssert.Contains(error.Message, "'input'");
        StringAssert.Contains(error.Message, "5 elements");
        StringAssert.Contains(error.Message, "4 elements");
        Assert.IsTrue(fake!.IsDisposed);
    }

    [TestMethod]
    public void Fit_TargetColumnOfWrongType_ThrowsNamingIt()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        var estimator = new LrpEstimator(LrpTestData.Options(target: LrpTarget.FromColumn("Weight")), o => new FakeBatchExplainer(o));

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        StringAssert.Contains(error.Message, "'Weight'");
        StringAssert.Contains(error.Message, "Int32, Int64, UInt32 or a key");
    }

    [TestMethod]
    public void Fit_ReadsNoRows()
    {
        var data = new NoCursorDataView(_mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(2)));
        var estimator = new LrpEstimator(LrpTestData.Options(), o => new FakeBatchExplainer(o));

        using var transformer = estimator.Fit(data);

        Assert.AreEqual(data.Schema.Count + 4, transformer.GetOutputSchema(data.Schema).Count);
    }

    [TestMethod]
    public void Constructor_NoModel_ThrowsArgumentException()
        => Assert.ThrowsExactly<ArgumentException>(() => new LrpEstimator(new LrpOptions(), o => new FakeBatchExplainer(o)));

    [TestMethod]
    public void Constructor_BatchSizeZero_ThrowsArgumentOutOfRange()
        => Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LrpEstimator(LrpTestData.Options(batchSize: 0), o => new FakeBatchExplainer(o)));

    [TestMethod]
    public void ModelSave_OfMLNet_ThrowsNotSupportedNamingLrpModelSave()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options());
        using var stream = new MemoryStream();

        var error = Assert.ThrowsExactly<NotSupportedException>(() => _mlContext.Model.Save(transformer, data.Schema, stream));

        StringAssert.Contains(error.Message, "LrpModel.Save");
    }

    [TestMethod]
    public void ExplainWithLrp_Convenience_FillsTheOptions()
    {
        var estimator = _mlContext.Transforms.ExplainWithLrp("R", "pixels", "model.onnx", LrpTarget.Class(3), LrpComposite.Epsilon, gpuDeviceId: 1, fallbackToCpu: false);

        Assert.AreEqual("R", estimator.Options.RelevanceColumnName);
        Assert.AreEqual("pixels", estimator.Options.InputColumnName);
        Assert.AreEqual("model.onnx", estimator.Options.ModelFile);
        Assert.AreEqual(3, estimator.Options.Target.ClassIndex);
        Assert.AreEqual(LrpComposite.Epsilon, estimator.Options.Composite);
        Assert.AreEqual(1, estimator.Options.GpuDeviceId);
        Assert.IsFalse(estimator.Options.FallbackToCpu);
    }

    [TestMethod]
    public void ExplainWithLrp_Convenience_DefaultsToThePredictedClass()
        => Assert.AreEqual(LrpTargetKind.PredictedClass, _mlContext.Transforms.ExplainWithLrp("R", "x", "m.onnx").Options.Target.Kind);

    /// <summary>A view whose rows cannot be read: proves Fit looks at the schema only.</summary>
    private sealed class NoCursorDataView(IDataView inner) : IDataView
    {
        public bool CanShuffle => false;

        public DataViewSchema Schema => inner.Schema;

        public long? GetRowCount() => null;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
            => throw new AssertFailedException("Fit read rows.");

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
            => throw new AssertFailedException("Fit read rows.");
    }
}
