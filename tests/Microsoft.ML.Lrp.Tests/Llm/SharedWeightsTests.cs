using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary>
/// Float weights read from external data are held once (shared by the rules and by ONNX Runtime's sessions, MatMul
/// weights in their own [K, M] layout): a model with external data explains exactly as its inline twin, under every
/// dense rule and for parameter relevance, and its data file is not modified.
/// </summary>
[TestClass]
public sealed class SharedWeightsTests
{
    /// <summary>Writes <paramref name="model"/> to a new folder with every float initializer moved to one external file.</summary>
    private static string WithExternalData(byte[] model)
    {
        string folder = Path.Combine(Path.GetTempPath(), "lrp-shared-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var proto = ModelProto.Parser.ParseFrom(model);
        using var data = new MemoryStream();
        foreach (var tensor in proto.Graph.Initializer.Where(t => t.DataType == 1))
        {
            byte[] bytes = tensor.RawData.Length > 0 ? tensor.RawData.ToByteArray() : MemoryMarshal.AsBytes(tensor.FloatData.ToArray().AsSpan()).ToArray();
            long offset = data.Position;
            data.Write(bytes);
            tensor.RawData = ByteString.Empty;
            tensor.FloatData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        File.WriteAllBytes(Path.Combine(folder, "weights.bin"), data.ToArray());
        string path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual);
        float scale = Math.Max(1e-12f, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5f * scale, $"{what}, element {i}");
        }
    }

    [TestMethod]
    [DataRow("Epsilon")]
    [DataRow("ZPlus")]
    [DataRow("Gamma")]
    [DataRow("WSquare")]
    [DataRow("Flat")]
    public void MatMulMlp_ExternalWeights_ExplainsAsTheInlineTwin(string rule)
    {
        var network = TestModels.TestNetworks.MlpMatMul();
        string file = WithExternalData(network.Model);
        byte[] before = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(file)!, "weights.bin"));
        LrpRule chosen = rule switch
        {
            "Epsilon" => LrpRule.Epsilon(),
            "ZPlus" => LrpRule.ZPlus(),
            "Gamma" => LrpRule.Gamma(0.25f),
            "WSquare" => LrpRule.WSquare(),
            _ => LrpRule.Flat(),
        };
        var options = new LrpOptions
        {
            InputColumnName = "input",
            RuleOverrides = new Dictionary<string, LrpRule> { ["MatMul"] = chosen },
            ParameterRelevance = ["*"],
        };
        var input = network.RandomInput(3).Select(v => (float)v).ToArray();
        using var inline = new LrpExplainer(options with { ModelBytes = network.Model });
        using var external = new LrpExplainer(options with { ModelFile = file });
        var a = inline.Explain(input, 3);
        var b = external.Explain(input, 3);

        AssertClose(a.Output, b.Output, "output");
        AssertClose(a.Relevance, b.Relevance, "relevance");
        foreach (var weight in new[] { "W0", "W1", "W2" })
        {
            AssertClose(a.ParameterRelevance(weight).Sum(), b.ParameterRelevance(weight).Sum(), $"parameter relevance of {weight}");
        }

        CollectionAssert.AreEqual(before, File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(file)!, "weights.bin")), "the weights file is not written");
    }

    [TestMethod]
    public void TinyLlama_ExternalWeights_ExplainsAsTheInlineTwin()
    {
        const int sequence = 6;
        string file = WithExternalData(File.ReadAllBytes(TinyDecoder.ModelPath("llama", cache: false)));
        var options = TinyDecoder.Options("llama", false, sequence, 0, LrpComposite.AttnLrp);
        var ids = TinyDecoder.Ids(2, sequence, seed: 31);
        using var inline = new LrpExplainer(options);
        using var external = new LrpExplainer(options with { ModelFile = file });
        var a = inline.ExplainTokens(ids, 2, additionalInputs: TinyDecoder.Inputs("llama", false, 2, sequence, 0));
        var b = external.ExplainTokens(ids, 2, additionalInputs: TinyDecoder.Inputs("llama", false, 2, sequence, 0));

        CollectionAssert.AreEqual(a.Targets, b.Targets);
        AssertClose(a.Relevance, b.Relevance, "relevance per token");
    }
}
