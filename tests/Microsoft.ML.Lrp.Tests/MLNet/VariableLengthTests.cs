// Shapes from the data: a symbolic row dimension fixed by the column's size or Dimensions, and variable-length columns
// explained in length buckets (no attention mask), each row equal to the row explained alone at its own length.
using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet.VariableLength;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class VariableLengthTests
{
    private const int Width = 4;
    private readonly MLContext _mlContext = new(seed: 1);

    [TestMethod]
    public void ExplainWithLrp_VariableLengthColumnWithoutMask_EachRowEqualsTheRowAlone()
    {
        byte[] model = SequenceModel();
        int[] lengths = [2, 3, 2, 5, 1];
        var rows = lengths.Select((l, r) => Values(l * Width, seed: r)).ToArray();
        var data = _mlContext.Data.LoadFromEnumerable(rows.Select(v => new VariableRow { X = v }));
        var options = new LrpOptions { ModelBytes = model, Composite = LrpComposite.EpsilonPlus, BatchSize = 4 };

        using var transformer = _mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var view = transformer.Transform(data);
        var relevance = LrpTestData.ReadVectors(view, "Relevance");
        var outputs = LrpTestData.ReadVectors(view, "y");

        var variable = (LrpVariableLengthExplainer)transformer.Explainer;
        Assert.IsFalse(variable.Pads);
        Assert.IsTrue(variable.Lengths.Contains(3) && variable.Lengths.Contains(5));
        for (int r = 0; r < rows.Length; r++)
        {
            using var alone = new LrpExplainer(options with { InputRowShape = [lengths[r], Width] });
            var expected = alone.Explain(rows[r], 1);
            Assert.HasCount(lengths[r] * Width, relevance[r], $"row {r}");
            for (int i = 0; i < relevance[r].Length; i++)
            {
                Assert.AreEqual(expected.Relevance[i], relevance[r][i], 1e-6f, $"row {r}, element {i}");
            }

            CollectionAssert.AreEqual(expected.Output, outputs[r], $"row {r}");
        }
    }

    [TestMethod]
    public void LrpModelSaveLoadAndPredictionEngine_VariableLengthColumn_SameRelevanceAsTheBatchedCursor()
    {
        int[] lengths = [3, 1, 4];
        var rows = lengths.Select((l, r) => Values(l * Width, seed: r)).ToArray();
        var data = _mlContext.Data.LoadFromEnumerable(rows.Select(v => new VariableRow { X = v }));
        var options = new LrpOptions { ModelBytes = SequenceModel(), Composite = LrpComposite.Epsilon, BatchSize = 2 };
        using var transformer = _mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var batched = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");
        string path = Path.Combine(Path.GetTempPath(), $"variable-length-{Guid.NewGuid():N}.zip");

        LrpModel.Save(_mlContext, transformer, data.Schema, path);
        var loaded = LrpModel.Load(_mlContext, path, out _);
        var reloaded = LrpTestData.ReadVectors(loaded.Transform(data), "Relevance");
        (loaded as IDisposable)?.Dispose();
        File.Delete(path);
        using var engine = _mlContext.Model.CreatePredictionEngine<VariableRow, RelevanceRow>(transformer);

        for (int r = 0; r < rows.Length; r++)
        {
            Assert.HasCount(lengths[r] * Width, batched[r]);
            CollectionAssert.AreEqual(batched[r], reloaded[r], $"row {r}, loaded");
            CollectionAssert.AreEqual(batched[r], engine.Predict(new VariableRow { X = rows[r] }).Relevance, $"row {r}, PredictionEngine");
        }
    }

    [TestMethod]
    [DataRow(new[] { 3, Width })]
    [DataRow(new[] { 3 * Width })]
    public void ExplainWithLrp_SymbolicDimensionFixedByTheColumn_NeedsNoInputRowShape(int[] dimensions)
    {
        byte[] model = SequenceModel();
        var rows = Enumerable.Range(0, 3).Select(r => Values(3 * Width, seed: r)).ToArray();
        var definition = SchemaDefinition.Create(typeof(VariableRow));
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimensions);
        var data = _mlContext.Data.LoadFromEnumerable(rows.Select(v => new VariableRow { X = v }), definition);
        var options = new LrpOptions { ModelBytes = model, Composite = LrpComposite.EpsilonPlus };

        using var transformer = _mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        var relevance = LrpTestData.ReadVectors(transformer.Transform(data), "Relevance");

        using var explicitShape = new LrpExplainer(options with { InputRowShape = [3, Width] });
        var expected = explicitShape.Explain([.. rows.SelectMany(r => r)], rows.Length);
        for (int r = 0; r < rows.Length; r++)
        {
            CollectionAssert.AreEqual(expected.RelevanceOf(r).ToArray(), relevance[r], $"row {r}");
        }
    }

    [TestMethod]
    public void ExplainWithLrp_TwoSymbolicDimensionsAndAVariableColumn_ThrowsNamingInputDimensionsAndOption()
    {
        byte[] model = new OnnxModelBuilder()
            .Input("x", "N", "a", "b")
            .Node("ReduceSum", ["x"], ["y"], attributes: [("axes", new long[] { 1, 2 }), ("keepdims", 0L)])
            .Output("y", "N")
            .Opset(11)
            .Build();
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new VariableRow { X = Values(6, seed: 1) } });

        var error = Assert.ThrowsExactly<LrpException>(() => _mlContext.Transforms.ExplainWithLrp(new LrpOptions { ModelBytes = model }).Fit(data));

        StringAssert.Contains(error.Message, "'x'");
        StringAssert.Contains(error.Message, "('a')");
        StringAssert.Contains(error.Message, "('b')");
        StringAssert.Contains(error.Message, "LrpOptions.InputRowShape");
    }

    [TestMethod]
    public void LrpExplainer_SymbolicDimensionWithoutShape_ThrowsNamingInputDimensionAndOption()
    {
        var error = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = SequenceModel() }));

        StringAssert.Contains(error.Message, "'x'");
        StringAssert.Contains(error.Message, "'seq'");
        StringAssert.Contains(error.Message, "LrpOptions.InputRowShape");
    }

    [TestMethod]
    public void ExplainWithLrp_VariableRowOfWrongSize_ThrowsNamingTheRowAndColumn()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new VariableRow { X = Values(2 * Width, seed: 1) }, new VariableRow { X = Values(Width + 1, seed: 2) } });
        using var transformer = _mlContext.Transforms.ExplainWithLrp(new LrpOptions { ModelBytes = SequenceModel() }).Fit(data);

        var error = Assert.ThrowsExactly<LrpException>(() => LrpTestData.ReadVectors(transformer.Transform(data), "Relevance"));

        StringAssert.Contains(error.Message, "Row 1");
        StringAssert.Contains(error.Message, "'x'");
    }

    [TestMethod]
    public void PadAndUnpad_RowOfThreePositionsInBlocksOfTwo_RoundTripsAndZeroFills()
    {
        // [outer 2, length 3, inner 2] padded to 4 positions: each outer block gains one zero position.
        float[] row = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var padded = new float[2 * 4 * 2];
        LrpVariableLengthExplainer.Pad<float>(row, 3, 4, 2, 2, padded);
        var back = new float[row.Length];
        LrpVariableLengthExplainer.Unpad(padded, 4, 3, 2, 2, back);

        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0 }, padded);
        CollectionAssert.AreEqual(row, back);
        Assert.AreEqual(8, LrpVariableLengthExplainer.PaddedLength(5));
        Assert.AreEqual(16, LrpVariableLengthExplainer.PaddedLength(9));
    }

    /// <summary>x [N, seq, 4] → MatMul W [4, 3] → Relu → ReduceMean over seq → y [N, 3].</summary>
    private static byte[] SequenceModel()
    {
        var builder = new OnnxModelBuilder(seed: 3);
        return builder
            .Input("x", "N", "seq", Width)
            .RandomWeight("W", Width, 3)
            .Node("MatMul", ["x", "W"], ["h"])
            .Node("Relu", "h", "r")
            .Node("ReduceMean", ["r"], ["y"], attributes: [("axes", new long[] { 1 }), ("keepdims", 0L)])
            .Output("y", "N", 3)
            .Build();
    }

    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed + 11);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    private sealed class RelevanceRow
    {
        public float[] Relevance { get; set; } = [];
    }

    private sealed class VariableRow
    {
        [ColumnName("x")]
        public float[] X { get; set; } = [];
    }
}
