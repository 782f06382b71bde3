namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpInputValidationTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [TestMethod]
    [DataRow(float.NaN)]
    [DataRow(float.PositiveInfinity)]
    public void Transform_NonFiniteInput_ThrowsNamingColumnRowAndElement(float bad)
    {
        var rows = LrpTestData.Rows(6);
        rows[5].Input[2] = bad;
        var data = _mlContext.Data.LoadFromEnumerable(rows);
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4));

        var error = Assert.ThrowsExactly<LrpException>(() => LrpTestData.ReadVectors(transformer.Transform(data), "Relevance"));

        StringAssert.Contains(error.Message, "Row 5");
        StringAssert.Contains(error.Message, "'input'");
        StringAssert.Contains(error.Message, "element 2");
        StringAssert.Contains(error.Message, "missing values");
    }

    [TestMethod]
    public void Transform_VariableLengthRowOfWrongLength_ThrowsNamingRowAndLengths()
    {
        var rows = new[]
        {
            new LrpTestData.VariableRow { Input = [1, 2, 3, 4] },
            new LrpTestData.VariableRow { Input = [1, 2, 3] },
        };
        var data = _mlContext.Data.LoadFromEnumerable(rows);
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4));

        var error = Assert.ThrowsExactly<LrpException>(() => LrpTestData.ReadVectors(transformer.Transform(data), "Relevance"));

        StringAssert.Contains(error.Message, "Row 1");
        StringAssert.Contains(error.Message, "3 elements");
        StringAssert.Contains(error.Message, "expects 4");
    }

    [TestMethod]
    public void Transform_VariableLengthInput_GetsAKnownSizeRelevanceColumn()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new LrpTestData.VariableRow { Input = [1, 2, 3, 4] } });
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4));

        var relevance = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");

        Assert.AreEqual(4, ((Data.VectorDataViewType)transformer.GetOutputSchema(data.Schema)["Relevance"].Type).Size);
        Assert.AreEqual(8f, relevance[0][3], 0f);
    }

    [TestMethod]
    public void Transform_AdditionalOnnxInput_IsReadFromTheColumnOfItsName()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[]
        {
            new MaskedRow { Input = [1, 2, 3, 4], Mask = [1, 1, 0, 0] },
            new MaskedRow { Input = [5, 6, 7, 8], Mask = [1, 0, 0, 0] },
        });
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options(4), o => new FakeBatchExplainer(o, additionalInputs: new() { ["mask"] = [4] }));

        LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");

        var mask = (long[])fake.AdditionalInputsPerCall[0]!["mask"];
        CollectionAssert.AreEqual(new long[] { 1, 1, 0, 0, 1, 0, 0, 0 }, mask);
    }

    [TestMethod]
    public void Fit_AdditionalOnnxInputMissing_ThrowsNamingIt()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        var estimator = new LrpEstimator(LrpTestData.Options(), o => new FakeBatchExplainer(o, additionalInputs: new() { ["mask"] = [4] }));

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));

        StringAssert.Contains(error.Message, "'mask'");
    }

    internal sealed class MaskedRow
    {
        [Data.ColumnName("input")]
        [Data.VectorType(4)]
        public float[] Input { get; set; } = [];

        [Data.ColumnName("mask")]
        [Data.VectorType(4)]
        public long[] Mask { get; set; } = [];
    }
}
