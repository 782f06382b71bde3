using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Tests.Fused;

/// <summary>One model input: float[], int[] or long[] data with its shape.</summary>
internal sealed record FeedValue(Array Data, long[] Shape);

/// <summary>
/// Runs a model holding a fused com.microsoft op in ONNX Runtime, runs its decomposition too, and compares every
/// requested output.
/// </summary>
internal static class FusedRunner
{
    /// <summary>The decomposed model's bytes (asserting that no com.microsoft node is left).</summary>
    public static byte[] Decompose(byte[] fused)
    {
        OnnxModel model = FusedOpDecomposition.Apply(OnnxModel.Load(fused));
        Assert.AreEqual(0, model.Graph.Nodes.Count(n => n.Domain == FusedOpRegistry.MicrosoftDomain), "com.microsoft nodes left after the decomposition");
        return model.ToBytes(new OnnxWriteOptions());
    }

    /// <summary>Runs both models and asserts every output agrees to 1e-5 of the output's largest magnitude (integers exactly); returns the largest relative gap.</summary>
    public static double AssertDecompositionMatches(byte[] fused, IReadOnlyDictionary<string, FeedValue> feeds, params string[] outputs)
    {
        double[][] expected = Run(fused, feeds, outputs);
        double[][] actual = Run(Decompose(fused), feeds, outputs);
        double worst = 0;
        for (int o = 0; o < outputs.Length; o++)
        {
            Assert.HasCount(expected[o].Length, actual[o], $"output '{outputs[o]}' size");
            double scale = Math.Max(expected[o].Max(Math.Abs), 1e-30);
            for (int i = 0; i < expected[o].Length; i++)
            {
                double gap = Math.Abs(expected[o][i] - actual[o][i]) / scale;
                worst = Math.Max(worst, gap);
                Assert.IsLessThanOrEqualTo(1e-5, gap, $"output '{outputs[o]}' element {i}: fused {expected[o][i]}, decomposed {actual[o][i]}");
            }
        }

        return worst;
    }

    /// <summary>Runs <paramref name="model"/> on CPU and returns the named outputs as doubles.</summary>
    public static double[][] Run(byte[] model, IReadOnlyDictionary<string, FeedValue> feeds, params string[] outputs)
    {
        using var session = new InferenceSession(model);
        var values = feeds.Select(f => Create(f.Value)).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [.. feeds.Keys], values, outputs);
            return [.. results.Select(ToDoubles)];
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    private static OrtValue Create(FeedValue feed) => feed.Data switch
    {
        float[] f => OrtValue.CreateTensorValueFromMemory(f, feed.Shape),
        int[] i => OrtValue.CreateTensorValueFromMemory(i, feed.Shape),
        long[] l => OrtValue.CreateTensorValueFromMemory(l, feed.Shape),
        _ => throw new ArgumentException($"Unsupported feed type {feed.Data.GetType().Name}.", nameof(feed)),
    };

    private static double[] ToDoubles(OrtValue value) => value.GetTensorTypeAndShape().ElementDataType switch
    {
        TensorElementType.Float => [.. value.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v)],
        TensorElementType.Int32 => [.. value.GetTensorDataAsSpan<int>().ToArray().Select(v => (double)v)],
        TensorElementType.Int64 => [.. value.GetTensorDataAsSpan<long>().ToArray().Select(v => (double)v)],
        var t => throw new ArgumentException($"Unsupported output type {t}."),
    };
}
