// ExplainWithLrp(onnxModel): a fitted ApplyOnnxModel step (or a chain holding one) explained with its own model, columns,
// shape dictionary and GPU settings, on TestNetworks.Mlp (input "input" [N, 10], output "output" [N, 4]).
using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet.ApplyOnnx;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Transforms.Onnx;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class ApplyOnnxModelTests
{
    private const int Features = 10;
    private readonly MLContext _mlContext = new(seed: 1);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ExplainWithLrp_FittedOnnxTransformer_SameRelevanceAsTheOptionsPath()
    {
        string file = ModelFile();
        var data = Rows(5);
        using var onnx = _mlContext.Transforms.ApplyOnnxModel(file, fallbackToCpu: true).Fit(data);
        var options = new LrpOptions { Composite = LrpComposite.EpsilonPlus, BatchSize = 2 };

        using var fromPipeline = _mlContext.Transforms.ExplainWithLrp(onnx, options).Fit(data);
        using var plain = _mlContext.Transforms.ExplainWithLrp(options with { ModelFile = file }).Fit(data);

        AssertSameColumns(plain.Transform(data), fromPipeline.Transform(data), 5);
    }

    [TestMethod]
    public void ExplainWithLrp_ChainHoldingTheOnnxStep_SameRelevanceAsTheOptionsPath()
    {
        string file = ModelFile();
        var raw = Rows(4, column: "raw");
        var chain = _mlContext.Transforms.CopyColumns("input", "raw")
            .Append(_mlContext.Transforms.ApplyOnnxModel(["output"], ["input"], file, fallbackToCpu: true))
            .Fit(raw);
        var scored = chain.Transform(raw);

        using var fromChain = _mlContext.Transforms.ExplainWithLrp(chain).Fit(scored);
        using var plain = _mlContext.Transforms.ExplainWithLrp(new LrpOptions { ModelFile = file }).Fit(scored);

        AssertSameColumns(plain.Transform(scored), fromChain.Transform(scored), 4);
        chain.LastTransformer.Dispose();
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void ExplainWithLrp_OnnxTransformer_TakesItsModelColumnsAndGpuSettings(bool fallbackToCpu)
    {
        string file = ModelFile();
        using var onnx = _mlContext.Transforms.ApplyOnnxModel(["output"], ["input"], file, gpuDeviceId: null, fallbackToCpu: fallbackToCpu).Fit(Rows(1));

        var estimator = _mlContext.Transforms.ExplainWithLrp(onnx, new LrpOptions { ModelFile = "ignored.onnx", GpuDeviceId = 5, FallbackToCpu = !fallbackToCpu });

        CollectionAssert.AreEqual(File.ReadAllBytes(file), estimator.Options.ModelBytes);
        Assert.IsNull(estimator.Options.ModelFile);
        Assert.AreEqual("input", estimator.Options.InputColumnName);
        Assert.AreEqual("output", estimator.Options.OutputName);
        Assert.IsNull(estimator.Options.GpuDeviceId);
        Assert.AreEqual(fallbackToCpu, estimator.Options.FallbackToCpu);
    }

    [TestMethod]
    public void ExplainWithLrp_OnnxTransformerOnGpuZeroWithFallback_TakesTheDeviceAndExplainsLikeTheOptionsPath()
    {
        // Without a CUDA device both ML.NET and this library fall back to the CPU; with one, both run on device 0.
        string file = ModelFile();
        var data = Rows(3);
        using var onnx = _mlContext.Transforms.ApplyOnnxModel(file, gpuDeviceId: 0, fallbackToCpu: true).Fit(data);

        var estimator = _mlContext.Transforms.ExplainWithLrp(onnx);
        using var fromPipeline = estimator.Fit(data);
        using var plain = _mlContext.Transforms.ExplainWithLrp(new LrpOptions { ModelFile = file, GpuDeviceId = 0, FallbackToCpu = true }).Fit(data);

        Assert.AreEqual(0, estimator.Options.GpuDeviceId);
        Assert.IsTrue(estimator.Options.FallbackToCpu);
        Assert.AreEqual(plain.BackendName, fromPipeline.BackendName);
        AssertSameColumns(plain.Transform(data), fromPipeline.Transform(data), 3);
    }

    [TestMethod]
    public void ExplainWithLrp_OnnxTransformerWithAShapeDictionary_GivesThePerRowShape()
    {
        string file = ModelFile();
        var shapes = new Dictionary<string, int[]> { ["input"] = [1, Features] };
        using var onnx = _mlContext.Transforms.ApplyOnnxModel(["output"], ["input"], file, shapes, gpuDeviceId: null, fallbackToCpu: true, recursionLimit: 100).Fit(Rows(1));

        var estimator = _mlContext.Transforms.ExplainWithLrp(onnx);

        CollectionAssert.AreEqual(new[] { Features }, estimator.Options.InputRowShapes!["input"]);
    }

    [TestMethod]
    public void ExplainWithLrp_PipelineWithoutOnnxStep_ThrowsNamingApplyOnnxModel()
    {
        var chain = _mlContext.Transforms.CopyColumns("input", "raw").Fit(Rows(1, column: "raw"));

        var error = Assert.ThrowsExactly<LrpException>(() => _mlContext.Transforms.ExplainWithLrp(chain));

        StringAssert.Contains(error.Message, "ApplyOnnxModel");
        StringAssert.Contains(error.Message, "LrpOptions.ModelFile");
    }

    [TestMethod]
    public void OnnxTransformerStream_ZipWithoutTheModelEntry_ThrowsNamingTheEntry()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(archive.CreateEntry("TransformerChain/Model.key").Open());
            writer.Write("not a model");
        }

        zip.Position = 0;
        var error = Assert.ThrowsExactly<LrpException>(() => OnnxTransformerStream.Read(zip));

        StringAssert.Contains(error.Message, "TransformerChain/OnnxModel");
    }

    [TestMethod]
    public void OnnxTransformerStream_SavedTransformer_ReadsTheModelBytesAndColumns()
    {
        string file = ModelFile();
        using var onnx = _mlContext.Transforms.ApplyOnnxModel(["output"], ["input"], file, fallbackToCpu: true).Fit(Rows(1));
        using var saved = new MemoryStream();
        _mlContext.Model.Save(onnx, null, saved);
        saved.Position = 0;

        var (model, inputs, outputs, shapes) = OnnxTransformerStream.Read(saved);

        CollectionAssert.AreEqual(File.ReadAllBytes(file), model);
        CollectionAssert.AreEqual(new[] { "input" }, inputs);
        CollectionAssert.AreEqual(new[] { "output" }, outputs);
        Assert.IsEmpty(shapes);
    }

    private static void AssertSameColumns(IDataView expected, IDataView actual, int rows)
    {
        foreach (string column in new[] { "Relevance", "output" })
        {
            var want = LrpTestData.ReadVectors(expected, column);
            var got = LrpTestData.ReadVectors(actual, column);
            Assert.HasCount(rows, got);
            for (int r = 0; r < rows; r++)
            {
                CollectionAssert.AreEqual(want[r], got[r], $"{column}, row {r}");
            }
        }

        CollectionAssert.AreEqual(LrpTestData.Read<float>(expected, "LrpScore"), LrpTestData.Read<float>(actual, "LrpScore"));
        CollectionAssert.AreEqual(LrpTestData.Read<int>(expected, "LrpTarget"), LrpTestData.Read<int>(actual, "LrpTarget"));
    }

    private string ModelFile()
    {
        string file = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), $"apply-onnx-mlp-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(file, TestNetworks.Mlp().Model);
        return file;
    }

    private IDataView Rows(int rows, string column = "input")
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[0].ColumnName = column;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        var list = Enumerable.Range(0, rows).Select(r => new Row { Values = Enumerable.Range(0, Features).Select(i => (float)Math.Sin((r * Features + i) * 0.7)).ToArray() });
        return _mlContext.Data.LoadFromEnumerable(list, definition);
    }

    private sealed class Row
    {
        public float[] Values { get; set; } = [];
    }
}
