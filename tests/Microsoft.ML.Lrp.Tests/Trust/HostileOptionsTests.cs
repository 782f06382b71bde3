// Options that used to give silently wrong relevance (NaN or negative ε, non-finite directions or bounds, a lower
// bound above the upper one, enum values outside their type) or an untyped exception later. Options are arguments:
// they are refused at construction with an ArgumentException naming the option; read from a saved model's
// options.json, with an LrpException naming the file.
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Lrp.Tests.MLNet;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Trust;

[TestClass]
public sealed partial class HostileOptionsTests
{
    private static readonly byte[] Mlp = TestNetworks.Mlp().Model;

    [TestMethod]
    [DataRow(float.NaN)]
    [DataRow(float.PositiveInfinity)]
    [DataRow(-1e-3f)]
    public void Epsilon_NotFiniteOrNegative_IsRefusedNamingEpsilon(float epsilon)
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, Epsilon = epsilon }, "Epsilon");

    [TestMethod]
    public void Gamma_NaN_IsRefusedNamingGamma()
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, Gamma = float.NaN }, "Gamma");

    [TestMethod]
    public void Composite_OutOfRange_IsRefusedNamingComposite()
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, Composite = (LrpComposite)99 }, "Composite");

    [TestMethod]
    public void CapturePolicy_OutOfRange_IsRefusedNamingCapturePolicy()
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, CapturePolicy = (LrpCapturePolicy)99 }, "CapturePolicy");

    [TestMethod]
    public void OutputSeed_OutOfRange_IsRefusedNamingOutputSeed()
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, OutputSeed = (LrpOutputSeed)99 }, "OutputSeed");

    [TestMethod]
    [DataRow(float.NaN)]
    [DataRow(float.NegativeInfinity)]
    public void Direction_WithNonFiniteWeight_IsRefused(float weight)
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, Target = LrpTarget.Direction([1f, weight, 0f, 0f]) }, "direction");

    [TestMethod]
    public void InputBound_NaN_IsRefusedNamingTheBound()
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, InputLowerBound = [float.NaN], InputUpperBound = [1f] }, "InputLowerBound");

    [TestMethod]
    public void InputLowerBound_AboveUpperBound_IsRefusedNamingBoth()
    {
        var e = AssertRefused(new LrpOptions { ModelBytes = Mlp, InputLowerBound = [0f, 2f], InputUpperBound = [1f, 1f] }, "InputLowerBound");
        StringAssert.Contains(e.Message, "InputUpperBound");
        StringAssert.Contains(e.Message, "element 1");
    }

    [TestMethod]
    public void Target_Null_IsRefusedNamingTarget()
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, Target = null! }, "Target");

    [TestMethod]
    public void BatchSize_TooLargeForOneArray_IsRefusedNamingBatchSize()
        => AssertRefused(new LrpOptions { ModelBytes = Mlp, BatchSize = int.MaxValue }, "BatchSize");

    [TestMethod]
    public void SavedOptions_CompositeOutOfRange_ThrowsLrpExceptionNamingTheFile()
    {
        string path = SavedModel(json => CompositeValue().Replace(json, "\"Composite\": 99"));

        var e = Assert.ThrowsExactly<LrpException>(() => LrpModel.Load(new MLContext(1), path, out _, o => new FakeBatchExplainer(o)));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "options.json");
        StringAssert.Contains(e.Message, "Composite");
    }

    [TestMethod]
    public void SavedOptions_MalformedJson_ThrowsLrpExceptionNamingTheFile()
    {
        string path = SavedModel(json => json[..(json.Length / 2)]);

        var e = Assert.ThrowsExactly<LrpException>(() => LrpModel.Load(new MLContext(1), path, out _, o => new FakeBatchExplainer(o)));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "options.json");
    }

    [TestMethod]
    public void SavedManifest_MalformedJson_ThrowsLrpExceptionNamingTheFile()
    {
        string path = SavedModel(json => json, manifest: "{ \"Format\": ");

        var e = Assert.ThrowsExactly<LrpException>(() => LrpModel.Load(new MLContext(1), path, out _, o => new FakeBatchExplainer(o)));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "lrp-model.json");
    }

    private static ArgumentException AssertRefused(LrpOptions options, string named)
    {
        var e = Assert.Throws<ArgumentException>(() => new LrpExplainer(options).Dispose());
        StringAssert.Contains(e.Message, named);
        return e;
    }

    /// <summary>An LRP step saved with a fake engine, its options.json rewritten by <paramref name="edit"/> (and lrp-model.json replaced when given).</summary>
    private static string SavedModel(Func<string, string> edit, string? manifest = null)
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(3));
        using var transformer = (LrpTransformer)new LrpEstimator(LrpTestData.Options(2) with { ModelBytes = [9, 8, 7] }, o => new FakeBatchExplainer(o)).Fit(data);
        string path = Path.Combine(Onnx.OnnxTestModels.NewFolder(), "model.zip");
        LrpModel.Save(mlContext, transformer, data.Schema, path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        Replace(zip, zip.Entries.Single(e => e.FullName.EndsWith("options.json", StringComparison.Ordinal)).FullName, edit);
        if (manifest is not null)
        {
            Replace(zip, "lrp-model.json", _ => manifest);
        }

        return path;
    }

    private static void Replace(ZipArchive zip, string name, Func<string, string> edit)
    {
        var entry = zip.GetEntry(name)!;
        string text;
        using (var reader = new StreamReader(entry.Open(), Encoding.UTF8))
        {
            text = reader.ReadToEnd();
        }

        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        writer.Write(edit(text));
    }

    [GeneratedRegex("\"Composite\"\\s*:\\s*\"[A-Za-z0-9]+\"")]
    private static partial Regex CompositeValue();
}
