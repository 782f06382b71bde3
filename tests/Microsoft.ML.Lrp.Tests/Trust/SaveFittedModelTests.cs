// LrpModel.Save must store the model that was fitted, not re-read ModelFile (which may have changed since Fit).
using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.MLNet;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Trust;

[TestClass]
public sealed class SaveFittedModelTests
{
    private const int Features = 10;

    [TestMethod]
    public void Save_ModelFileChangedAfterFit_StoresTheFittedModel()
    {
        var mlContext = new MLContext(seed: 1);
        string folder = Onnx.OnnxTestModels.NewFolder();
        string modelFile = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(modelFile, TestNetworks.Mlp().Model);
        var data = mlContext.Data.LoadFromEnumerable(
            Enumerable.Range(0, 4).Select(r => new VectorRow { Input = Enumerable.Range(0, Features).Select(i => (float)Math.Sin((r * Features) + i)).ToArray() }).ToList(),
            Definition());
        using var fitted = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(new LrpOptions { ModelFile = modelFile, Composite = LrpComposite.Epsilon }).Fit(data);
        var expected = LrpTestData.ReadVectors(fitted.Transform(data), "Relevance");

        File.WriteAllBytes(modelFile, TestNetworks.MlpMatMul().Model); // same inputs and outputs, other weights
        string saved = Path.Combine(folder, "saved.zip");
        LrpModel.Save(mlContext, fitted, data.Schema, saved);
        var loaded = LrpModel.Load(mlContext, saved, out _);
        var actual = LrpTestData.ReadVectors(loaded.Transform(data), "Relevance");
        (loaded as IDisposable)?.Dispose();

        Assert.HasCount(expected.Count, actual);
        for (int r = 0; r < expected.Count; r++)
        {
            for (int i = 0; i < Features; i++)
            {
                Assert.AreEqual(expected[r][i], actual[r][i], 1e-6f);
            }
        }
    }

    private static SchemaDefinition Definition()
    {
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition["input"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        return definition;
    }

    internal sealed class VectorRow
    {
        [ColumnName("input")]
        public float[] Input { get; set; } = [];
    }
}
