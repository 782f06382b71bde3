using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpModelTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void SaveLoad_ChainWithMLNetStepsAroundAnLrpStep_GivesTheSameColumns()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(5));
        var options = LrpTestData.Options(2) with { InputColumnName = "Features", ModelBytes = [9, 8, 7] };
        var pipeline = _mlContext.Transforms.CopyColumns("Features", "input")
            .Append(_mlContext.Transforms.NormalizeMinMax("Features"))
            .Append(new LrpEstimator(options, o => new FakeBatchExplainer(o)))
            .Append(_mlContext.Transforms.CopyColumns("RelevanceCopy", "Relevance"));
        var model = pipeline.Fit(data);
        string path = TempPath();
        var loadedOptions = new List<LrpOptions>();

        LrpModel.Save(_mlContext, model, data.Schema, path);
        var loaded = LrpModel.Load(_mlContext, path, out var schema, o => { loadedOptions.Add(o); return new FakeBatchExplainer(o); });

        var expected = LrpTestData.ReadVectors(model.Transform(data), "RelevanceCopy");
        var actual = LrpTestData.ReadVectors(loaded.Transform(data), "RelevanceCopy");
        Assert.AreEqual(5, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            CollectionAssert.AreEqual(expected[i], actual[i]);
        }

        Assert.AreEqual(4, ((IEnumerable<ITransformer>)loaded).Count());
        Assert.AreEqual(data.Schema.Count, schema.Count);
        CollectionAssert.AreEqual(new byte[] { 9, 8, 7 }, loadedOptions.Single().ModelBytes);
        Assert.AreEqual(2, loadedOptions.Single().BatchSize);
    }

    [TestMethod]
    public void SaveLoad_SingleLrpTransformer_LoadsAnLrpTransformerAndTheInputSchema()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(2));
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options());
        string path = TempPath();

        LrpModel.Save(_mlContext, transformer, data.Schema, path);
        var loaded = LrpModel.Load(_mlContext, path, out var schema, o => new FakeBatchExplainer(o));

        Assert.IsInstanceOfType<LrpTransformer>(loaded);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), schema["input"].Type);
        Assert.AreEqual(4f, LrpTestData.ReadVectors(loaded.Transform(data), "Relevance")[1][1], 0f);
    }

    [TestMethod]
    public void SaveLoad_ChainEndingInLrp_LoadsATypedChain()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(2));
        var pipeline = _mlContext.Transforms.CopyColumns("Copy", "input")
            .Append(new LrpEstimator(LrpTestData.Options(), o => new FakeBatchExplainer(o)));
        var model = pipeline.Fit(data);
        string path = TempPath();

        LrpModel.Save(_mlContext, model, data.Schema, path);
        var loaded = LrpModel.Load(_mlContext, path, out _, o => new FakeBatchExplainer(o));

        Assert.IsInstanceOfType<TransformerChain<LrpTransformer>>(loaded);
        Assert.AreEqual(4, ((TransformerChain<LrpTransformer>)loaded).LastTransformer.Options.BatchSize);
    }

    [TestMethod]
    public void Save_ModelGivenAsFile_StoresTheFilesBytes()
    {
        string onnx = TempPath();
        File.WriteAllBytes(onnx, [4, 5, 6, 7]);
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        var options = LrpTestData.Options() with { ModelBytes = null, ModelFile = onnx };
        var (transformer, _) = LrpTestData.Fit(_mlContext, data, options);
        string path = TempPath();
        LrpOptions? reloaded = null;

        LrpModel.Save(_mlContext, transformer, data.Schema, path);
        LrpModel.Load(_mlContext, path, out _, o => new FakeBatchExplainer(reloaded = o));

        CollectionAssert.AreEqual(new byte[] { 4, 5, 6, 7 }, reloaded!.ModelBytes);
        Assert.IsNull(reloaded.ModelFile);
    }

    [TestMethod]
    public void Load_NotAnLrpModel_ThrowsLrpExceptionNamingTheFile()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(1));
        string path = TempPath();
        _mlContext.Model.Save(_mlContext.Transforms.CopyColumns("C", "input").Fit(data), data.Schema, path);

        var error = Assert.ThrowsExactly<LrpException>(() => LrpModel.Load(_mlContext, path, out _, o => new FakeBatchExplainer(o)));

        StringAssert.Contains(error.Message, path);
    }

    [TestMethod]
    public void OptionsDto_RoundTrip_KeepsEveryOption()
    {
        var options = new LrpOptions
        {
            InputColumnName = "in",
            OutputName = "logits",
            RelevanceColumnName = "R",
            TargetColumnName = "T",
            ScoreColumnName = "S",
            Target = LrpTarget.Direction([0.5f, -1f]),
            Composite = LrpComposite.EpsilonGammaBox,
            Epsilon = 0.01f,
            Gamma = 0.5f,
            InputLowerBound = [-1f, -2f],
            InputUpperBound = [1f],
            RuleOverrides = new Dictionary<string, LrpRule>
            {
                ["Gemm"] = LrpRule.Epsilon(),
                ["conv1"] = LrpRule.AlphaBeta(3f, 2f),
                ["Conv"] = LrpRule.ZBox(-3f, 3f),
                ["Relu"] = LrpRule.Gamma(0.1f),
            },
            OutputSeed = LrpOutputSeed.One,
            BatchSize = 17,
            GpuDeviceId = 2,
            FallbackToCpu = false,
            IlgpuCpuAccelerator = true,
        };

        var back = LrpOptionsDto.FromJson(LrpOptionsDto.From(options).ToJson()).ToOptions([1]);

        Assert.AreEqual("in|logits|R|T|S", $"{back.InputColumnName}|{back.OutputName}|{back.RelevanceColumnName}|{back.TargetColumnName}|{back.ScoreColumnName}");
        CollectionAssert.AreEqual(new[] { 0.5f, -1f }, back.Target.DirectionWeights!.ToArray());
        Assert.AreEqual(LrpComposite.EpsilonGammaBox, back.Composite);
        Assert.AreEqual(0.01f, back.Epsilon, 0f);
        Assert.AreEqual(0.5f, back.Gamma, 0f);
        CollectionAssert.AreEqual(new[] { -1f, -2f }, back.InputLowerBound);
        CollectionAssert.AreEqual(new[] { 1f }, back.InputUpperBound);
        Assert.IsTrue(float.IsNaN(back.RuleOverrides!["Gemm"].EpsilonValue));
        Assert.AreEqual(3f, back.RuleOverrides["conv1"].Alpha, 0f);
        Assert.AreEqual(-3f, back.RuleOverrides["Conv"].Low, 0f);
        Assert.AreEqual(0.1f, back.RuleOverrides["Relu"].GammaValue, 0f);
        Assert.AreEqual(LrpOutputSeed.One, back.OutputSeed);
        Assert.AreEqual(17, back.BatchSize);
        Assert.AreEqual(2, back.GpuDeviceId);
        Assert.IsFalse(back.FallbackToCpu);
        Assert.IsTrue(back.IlgpuCpuAccelerator);
    }

    [TestMethod]
    [DataRow("PredictedClass")]
    [DataRow("Class")]
    [DataRow("FromColumn")]
    [DataRow("AllOutputs")]
    [DataRow("NextToken")]
    [DataRow("NextTokenGiven")]
    public void TargetDto_RoundTrip_KeepsTheKind(string kind)
    {
        var target = kind switch
        {
            "Class" => LrpTarget.Class(5),
            "NextToken" => LrpTarget.NextToken(),
            "NextTokenGiven" => LrpTarget.NextToken(17),
            "FromColumn" => LrpTarget.FromColumn("Label"),
            "AllOutputs" => LrpTarget.AllOutputs,
            _ => LrpTarget.PredictedClass,
        };

        var back = LrpTargetDto.From(target).ToTarget();

        Assert.AreEqual(target.ToString(), back.ToString());
    }

    private string TempPath()
    {
        string directory = Path.Combine(Path.GetTempPath(), "lrp-mlnet-tests");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $"{TestContext.TestName}-{Guid.NewGuid():N}.zip");
    }
}
