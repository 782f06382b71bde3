using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>
/// <see cref="LrpOptions.RelevanceByColumnName"/>: relevance summed back to the original input columns of an
/// AutoML-style featurizer pipeline (imputed numeric, converted and normalised integer, one-hot categorical,
/// concatenated and normalised into Features).
/// </summary>
[TestClass]
public sealed class RelevanceByColumnTests
{
    private const string ByColumn = "RelevanceByColumn";

    [TestMethod]
    [DataRow("FastTree")]
    [DataRow("Sdca")]
    public void RelevanceByColumn_TrainedModel_GroupsAreInputColumnsAndSumsConserve(string trainer)
    {
        var (ml, data, model) = Train(trainer);
        var featured = model.Transform(data);
        var options = new LrpOptions { Composite = LrpComposite.Epsilon, RelevanceByColumnName = ByColumn };
        var explained = ml.Transforms.ExplainWithLrp(model, data, options: options).Fit(featured).Transform(featured);

        // Traced through the graph: CountF was made from Count, the one-hot slots from Color.
        CollectionAssert.AreEqual(new[] { "Size", "Count", "Color" }, SlotNames(explained, ByColumn));
        var slots = SlotNames(explained, "Relevance");
        var expectedGroup = slots.Select(s => s == "CountF" ? "Count" : s.Split('.')[0]).ToArray();
        AssertSumsOfGroups(explained, ["Size", "Count", "Color"], expectedGroup);
    }

    [TestMethod]
    public void RelevanceByColumn_PlainOptionsWithoutGroups_GroupsBySlotNamePrefix()
    {
        var (ml, data, model) = Train("Sdca");
        var featured = model.Transform(data);
        var cut = ml.Transforms.ExplainWithLrp(model, data).Options;
        var options = cut with { RelevanceByColumnName = ByColumn, RelevanceColumnGroups = null };
        var explained = ml.Transforms.ExplainWithLrp(options).Fit(featured).Transform(featured);

        // Slot names name the concatenated columns: CountF, not Count.
        CollectionAssert.AreEqual(new[] { "Size", "CountF", "Color" }, SlotNames(explained, ByColumn));
        var expectedGroup = SlotNames(explained, "Relevance").Select(s => s.Split('.')[0]).ToArray();
        AssertSumsOfGroups(explained, ["Size", "CountF", "Color"], expectedGroup);
    }

    [TestMethod]
    public void RelevanceByColumn_UserGroups_OrderedByFirstSlotAndSummed()
    {
        var (ml, data, model) = Train("FastTree");
        var featured = model.Transform(data);
        var groups = new Dictionary<string, int[]> { ["Colour"] = [2, 3, 4], ["Numbers"] = [1, 0] };
        var options = new LrpOptions { Composite = LrpComposite.Epsilon, RelevanceByColumnName = ByColumn, RelevanceColumnGroups = groups };
        var explained = ml.Transforms.ExplainWithLrp(model, data, options: options).Fit(featured).Transform(featured);

        CollectionAssert.AreEqual(new[] { "Numbers", "Colour" }, SlotNames(explained, ByColumn));
        AssertSumsOfGroups(explained, ["Numbers", "Colour"], ["Numbers", "Numbers", "Colour", "Colour", "Colour"]);
    }

    [TestMethod]
    public void RelevanceByColumn_SaveAndLoad_KeepsTheGroups()
    {
        var (ml, data, model) = Train("FastTree");
        var featured = model.Transform(data);
        var options = new LrpOptions { Composite = LrpComposite.Epsilon, RelevanceByColumnName = ByColumn };
        using var transformer = ml.Transforms.ExplainWithLrp(model, data, options: options).Fit(featured);
        string path = Path.Combine(Path.GetTempPath(), "lrp-by-column-" + Guid.NewGuid().ToString("N") + ".zip");
        try
        {
            LrpModel.Save(ml, transformer, featured.Schema, path);
            var loaded = LrpModel.Load(ml, path, out _);
            var reloaded = loaded.Transform(featured);
            CollectionAssert.AreEqual(new[] { "Size", "Count", "Color" }, SlotNames(reloaded, ByColumn));
            var expected = TabularData.Vectors(transformer.Transform(featured), ByColumn);
            var actual = TabularData.Vectors(reloaded, ByColumn);
            Assert.AreEqual(expected.Length, actual.Length);
            for (int row = 0; row < expected.Length; row++)
            {
                for (int g = 0; g < 3; g++)
                {
                    Assert.AreEqual(expected[row][g], actual[row][g], 1e-6f, $"row {row}, group {g}");
                }
            }

            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    [DataRow("missing")]
    [DataRow("overlap")]
    [DataRow("range")]
    public void RelevanceByColumn_BadGroups_FitThrowsNamingTheGroup(string fault)
    {
        var (ml, data, model) = Train("Sdca");
        var featured = model.Transform(data);
        var groups = fault switch
        {
            "missing" => new Dictionary<string, int[]> { ["Numbers"] = [0, 1], ["Colour"] = [2, 3] },
            "overlap" => new Dictionary<string, int[]> { ["Numbers"] = [0, 1, 2], ["Colour"] = [2, 3, 4] },
            _ => new Dictionary<string, int[]> { ["Numbers"] = [0, 1], ["Colour"] = [2, 3, 4, 5] },
        };
        var options = new LrpOptions { RelevanceByColumnName = ByColumn, RelevanceColumnGroups = groups };
        var estimator = ml.Transforms.ExplainWithLrp(model, data, options: options);

        var error = Assert.ThrowsExactly<ArgumentException>(() => estimator.Fit(featured));
        StringAssert.Contains(error.Message, ByColumn);
        StringAssert.Contains(error.Message, fault == "missing" ? "slot 4" : "Colour");
    }

    [TestMethod]
    public void RelevanceByColumn_PlainOptionsWithUnnamedSlots_FitThrowsNamingTheSlot()
    {
        var (ml, data, model) = Train("Sdca", hashedShop: true);
        var featured = model.Transform(data);
        var options = ml.Transforms.ExplainWithLrp(model, data).Options with { RelevanceByColumnName = ByColumn };

        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.ExplainWithLrp(options).Fit(featured));
        StringAssert.Contains(error.Message, ByColumn);
        StringAssert.Contains(error.Message, "slot 5");
        StringAssert.Contains(error.Message, "RelevanceColumnGroups");
    }

    [TestMethod]
    public void RelevanceByColumn_NameOfAnotherAddedColumn_FitThrowsNamingIt()
    {
        var (ml, data, model) = Train("Sdca");
        var featured = model.Transform(data);
        var options = new LrpOptions { RelevanceByColumnName = "Relevance" };

        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.ExplainWithLrp(model, data, options: options).Fit(featured));
        StringAssert.Contains(error.Message, "'Relevance'");
    }

    [TestMethod]
    public void RelevanceByColumn_EstimatorOutputSchema_HasTheGroupedColumn()
    {
        var (ml, data, model) = Train("Sdca");
        var featured = model.Transform(data);
        var options = new LrpOptions { RelevanceByColumnName = ByColumn };
        var shape = ml.Transforms.ExplainWithLrp(model, data, options: options).GetOutputSchema(new SchemaShape([Microsoft.ML.Lrp.MLNet.LrpSchemaShapes.Column("Features", SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single)]));

        var column = shape.Single(c => c.Name == ByColumn);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, column.Kind);
        Assert.AreEqual(NumberDataViewType.Single, column.ItemType);
        Assert.AreEqual(1, column.Annotations.Count(a => a.Name == "SlotNames"));
    }

    private static (MLContext Ml, IDataView Data, ITransformer Model) Train(string trainer, bool hashedShop = false)
    {
        var ml = new MLContext(seed: 1);
        string[] colors = ["Red", "Green", "Blue"];
        var random = new Random(7);
        var rows = Enumerable.Range(0, 300).Select(i =>
        {
            float size = i % 13 == 0 ? float.NaN : (float)random.NextDouble();
            int count = random.Next(10);
            string color = colors[i % 3];
            float target = (2 * (float.IsNaN(size) ? 0.5f : size)) + (color == "Red" ? 1 : 0) - (0.1f * count) + (0.05f * (float)random.NextDouble());
            return new ColumnRow { Size = size, Count = count, Color = color, Shop = $"shop{i % 5}", Target = target, Class = target > 1.5f ? "high" : target > 0.8f ? "mid" : "low" };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var featurize = ml.Transforms.ReplaceMissingValues("Size")
            .Append(ml.Transforms.Conversion.ConvertType("CountF", "Count", DataKind.Single))
            .Append(ml.Transforms.NormalizeMeanVariance("CountF"))
            .Append(ml.Transforms.Categorical.OneHotEncoding("Color"))
            .Append(ml.Transforms.Categorical.OneHotHashEncoding("Shop", numberOfBits: 3))
            .Append(ml.Transforms.Concatenate("Features", hashedShop ? ["Size", "CountF", "Color", "Shop"] : ["Size", "CountF", "Color"]))
            .Append(ml.Transforms.NormalizeMinMax("Features"));
        IEstimator<ITransformer> estimator = trainer switch
        {
            "Sdca" => featurize.Append(ml.Regression.Trainers.Sdca("Target")),
            "FastTree" => featurize.Append(ml.Regression.Trainers.FastTree("Target", numberOfLeaves: 8, numberOfTrees: 20, minimumExampleCountPerLeaf: 5)),
            _ => featurize
                .Append(ml.Transforms.Conversion.MapValueToKey("Label", "Class"))
                .Append(ml.MulticlassClassification.Trainers.LightGbm("Label", numberOfLeaves: 8, numberOfIterations: 10, minimumExampleCountPerLeaf: 5)),
        };
        return (ml, data, estimator.Fit(data));
    }

    [TestMethod]
    public void RelevanceByColumn_MulticlassLightGbmWithHashedCategory_SumsPerInputColumn()
    {
        var (ml, data, model) = Train("LightGbmMulticlass", hashedShop: true);
        var featured = model.Transform(data);
        var options = new LrpOptions { Composite = LrpComposite.Epsilon, RelevanceByColumnName = ByColumn };
        var explained = ml.Transforms.ExplainWithLrp(model, data, options: options).Fit(featured).Transform(featured);

        CollectionAssert.AreEqual(new[] { "Size", "Count", "Color", "Shop" }, SlotNames(explained, ByColumn));
        // The hashed slots have empty slot names: only the graph says they are Shop's.
        var slots = SlotNames(explained, "Relevance");
        Assert.AreEqual("", slots[5]);
        var expectedGroup = slots.Select((s, i) => i >= 5 ? "Shop" : s == "CountF" ? "Count" : s.Split('.')[0]).ToArray();
        AssertSumsOfGroups(explained, ["Size", "Count", "Color", "Shop"], expectedGroup);
    }

    [TestMethod]
    public void RelevanceByColumn_RowToRowMapper_EqualsTheBatchCursor()
    {
        var (ml, data, model) = Train("FastTree");
        var featured = model.Transform(data);
        var options = new LrpOptions { Composite = LrpComposite.Epsilon, RelevanceByColumnName = ByColumn, BatchSize = 16 };
        using var transformer = ml.Transforms.ExplainWithLrp(model, data, options: options).Fit(featured);
        var batch = TabularData.Vectors(transformer.Transform(featured), ByColumn);

        var mapper = transformer.GetRowToRowMapper(featured.Schema);
        var column = mapper.OutputSchema[ByColumn];
        using var cursor = featured.GetRowCursor(mapper.GetDependencies([column]));
        using var row = mapper.GetRow(cursor, [column]);
        var getter = row.GetGetter<VBuffer<float>>(column);
        VBuffer<float> value = default;
        int index = 0;
        while (cursor.MoveNext() && index < 40)
        {
            getter(ref value);
            var values = value.DenseValues().ToArray();
            for (int g = 0; g < values.Length; g++)
            {
                Assert.AreEqual(batch[index][g], values[g], 1e-6f, $"row {index}, group {g}");
            }

            index++;
        }

        Assert.AreEqual(40, index);
    }

    private static string[] SlotNames(IDataView data, string column)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        data.Schema[column].GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    /// <summary>Each grouped value equals the sum of its slots; the groups' total equals the total relevance.</summary>
    private static void AssertSumsOfGroups(IDataView explained, string[] groupNames, string[] groupOfSlot)
    {
        var relevance = TabularData.Vectors(explained, "Relevance");
        var grouped = TabularData.Vectors(explained, ByColumn);
        Assert.AreEqual(relevance.Length, grouped.Length);
        Assert.AreEqual(groupOfSlot.Length, relevance[0].Length);
        double largest = 0;
        for (int row = 0; row < relevance.Length; row++)
        {
            Assert.AreEqual(groupNames.Length, grouped[row].Length);
            double total = relevance[row].Sum(v => (double)v);
            for (int g = 0; g < groupNames.Length; g++)
            {
                double expected = relevance[row].Where((_, slot) => groupOfSlot[slot] == groupNames[g]).Sum(v => (double)v);
                Assert.AreEqual(expected, grouped[row][g], 1e-6 * (1 + Math.Abs(expected)), $"row {row}, {groupNames[g]}");
                largest = Math.Max(largest, Math.Abs(grouped[row][g]));
            }

            Assert.AreEqual(total, grouped[row].Sum(v => (double)v), 1e-5 * (1 + Math.Abs(total)), $"row {row} total");
        }

        Assert.IsTrue(largest > 1e-3, "the relevance is not all zero");
    }

    public sealed class ColumnRow
    {
        public float Size { get; set; }

        public int Count { get; set; }

        public string Color { get; set; } = "";

        public string Shop { get; set; } = "";

        public float Target { get; set; }

        public string Class { get; set; } = "";
    }
}
