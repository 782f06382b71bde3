using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>
/// A run whose outputs mix float activations and int64 shape values: the first run learns the output shapes, later
/// runs with the same input shapes let ONNX Runtime write into pre-allocated arrays (int64 ones included). Every
/// run must return the values computed here from the formula, and a new input shape must not reuse the old shapes.
/// </summary>
[TestClass]
public sealed class OrtRunnerDirectOutputTests
{
    [TestMethod]
    public void Run_FloatAndInt64Outputs_SameValuesOnEveryRun()
    {
        // y = Relu(x · W), s = Shape(y), t = y + 1 (float output).
        var builder = new OnnxModelBuilder(seed: 5)
            .Input("x", "N", 3)
            .RandomWeight("W", 3, 4)
            .Node("MatMul", ["x", "W"], ["m"])
            .Node("Relu", "m", "y")
            .Node("Shape", "y", "s")
            .Initializer("one", [1f], 1)
            .Node("Add", ["y", "one"], ["t"])
            .Output("t", "N", 4);
        byte[] bytes = builder.Build();
        var weight = OnnxModel.Load(bytes).Graph.Initializers["W"].ToFloats();
        using var runner = new OrtRunner(new OrtModel(OnnxModel.Load(bytes).ToBytes(new OnnxWriteOptions { ExtraOutputs = ["y", "s"] }), null, []), new LrpOptions { ModelBytes = bytes }, "test model");
        string[] outputs = ["t", "y", "s"];
        foreach (int rows in new[] { 2, 2, 2, 5, 5 })
        {
            float[] x = NaiveInput(rows);
            var results = runner.Run(new Dictionary<string, OrtTensor>(StringComparer.Ordinal) { ["x"] = new([rows, 3], x, null) }, outputs);
            CollectionAssert.AreEqual(new long[] { rows, 4 }, results["s"].Int64s, $"Shape output, {rows} rows");
            Assert.IsNull(results["s"].Floats);
            var y = results["y"].Floats!;
            var t = results["t"].Floats!;
            Assert.HasCount(rows * 4, y);
            for (int r = 0; r < rows; r++)
            {
                for (int m = 0; m < 4; m++)
                {
                    double z = 0;
                    for (int k = 0; k < 3; k++)
                    {
                        z += (double)x[(r * 3) + k] * weight[(k * 4) + m];
                    }

                    double expected = Math.Max(0, z);
                    Assert.AreEqual(expected, y[(r * 4) + m], 1e-5, $"y[{r}, {m}], {rows} rows");
                    Assert.AreEqual(expected + 1, t[(r * 4) + m], 1e-5, $"t[{r}, {m}], {rows} rows");
                }
            }
        }
    }

    private static float[] NaiveInput(int rows) => [.. Enumerable.Range(0, rows * 3).Select(i => (float)Math.Sin(i + 1))];
}
