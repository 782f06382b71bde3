using Microsoft.ML.Lrp.Onnx;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Onnx;

/// <summary>The ResNet18 of Microsoft.ML.DnnImageFeaturizer.ResNet18 (IR 3, opset 8, initializers listed as inputs).</summary>
[TestClass]
public sealed class ResNet18Tests
{
    private const string InputName = "Input247";
    private const string OutputName = "Pooling395_Output_0";
    private const int ImageSize = 3 * 224 * 224;

    private static readonly string ModelPath = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    [TestMethod]
    public void Load_ResNet18_ReadsGraph()
    {
        // Speed is the benchmark's business (no timed unit tests); this checks what the reader finds.
        OnnxModel model = OnnxModel.Load(ModelPath);
        OnnxGraph graph = model.Graph;

        Console.WriteLine($"IR {model.IrVersion}, opset {model.OpsetVersion}, {graph.Nodes.Count} nodes, {graph.Initializers.Count} initializers");
        Console.WriteLine($"Inputs: {string.Join("; ", graph.Inputs)}");
        Console.WriteLine($"Outputs: {string.Join("; ", graph.Outputs)}");
        foreach (var group in graph.Nodes.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()))
        {
            Console.WriteLine($"  {group.Key}: {group.Count()}, e.g. {group.First()} {string.Join(", ", group.First().Attributes.Values)}");
        }

        Assert.AreEqual(74, graph.Nodes.Count);
        Assert.AreEqual(8, model.OpsetVersion);
        Assert.AreEqual(3L, model.IrVersion);
        Assert.AreEqual(InputName, graph.Inputs.Single().Name);
        CollectionAssert.AreEqual(new long?[] { 1, 3, 224, 224 }, graph.Inputs[0].Shape!.Select(d => d.Value).ToArray());
        Assert.AreEqual(OutputName, graph.Outputs.Single().Name);
        CollectionAssert.AreEqual(new long?[] { 1, 512, 1, 1 }, graph.Outputs[0].Shape!.Select(d => d.Value).ToArray());
        Assert.AreEqual(22, graph.Nodes.Count(n => n.OpType == "Conv"));
    }

    [TestMethod]
    public void ToBytes_ResNet18MakeBatchDynamic_BatchOfTwoEqualsTwoSingleRuns()
    {
        OnnxModel model = OnnxModel.Load(ModelPath);
        byte[] original = model.ToBytes(new OnnxWriteOptions());
        byte[] dynamic = model.ToBytes(new OnnxWriteOptions { MakeBatchDynamic = true });
        float[] images = Values(2 * ImageSize, 42);

        float[] together = Run(dynamic, InputName, images, [2, 3, 224, 224], OutputName)[0];

        Assert.AreEqual(1024, together.Length);
        float maxDifference = 0;
        for (int n = 0; n < 2; n++)
        {
            float[] single = Run(original, InputName, images[(n * ImageSize)..((n + 1) * ImageSize)], [1, 3, 224, 224], OutputName)[0];
            for (int j = 0; j < 512; j++)
            {
                maxDifference = Math.Max(maxDifference, Math.Abs(single[j] - together[(n * 512) + j]) / (1 + Math.Abs(single[j])));
            }
        }

        Assert.AreEqual(0f, maxDifference, 1e-4f);
    }
}
