using Google.Protobuf;
using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.Fused;

namespace Microsoft.ML.Lrp.Tests.AttentionOps;

/// <summary>Runs a model with an opset-23, cached-attention or many-operand op in ONNX Runtime, and its decomposition, and compares the outputs.</summary>
internal static class DecompositionRunner
{
    /// <summary>The model stamped with IR version 10 (opset 23 needs more than the builder's 8).</summary>
    public static byte[] Ir10(byte[] model)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        proto.IrVersion = 10;
        return proto.ToByteArray();
    }

    /// <summary>The decomposed model's bytes, asserting that no node of <paramref name="opType"/> is left.</summary>
    public static byte[] Decompose(byte[] model, string opType)
    {
        OnnxModel decomposed = FusedOpDecomposition.Apply(OnnxModel.Load(model));
        Assert.AreEqual(0, decomposed.Graph.Nodes.Count(n => n.OpType == opType && (opType != "Einsum" || n.Inputs.Count > 2)), $"{opType} nodes left");
        return decomposed.ToBytes(new OnnxWriteOptions());
    }

    /// <summary>Asserts that every output agrees to <paramref name="tolerance"/> of its largest magnitude; returns the largest gap.</summary>
    public static double AssertMatches(byte[] model, string opType, IReadOnlyDictionary<string, FeedValue> feeds, double tolerance, params string[] outputs)
    {
        double[][] expected = FusedRunner.Run(model, feeds, outputs);
        double[][] actual = FusedRunner.Run(Decompose(model, opType), feeds, outputs);
        double worst = 0;
        for (int o = 0; o < outputs.Length; o++)
        {
            Assert.HasCount(expected[o].Length, actual[o], $"output '{outputs[o]}' size");
            Assert.IsTrue(expected[o].All(double.IsFinite), $"ONNX Runtime's '{outputs[o]}' is not finite");
            double scale = Math.Max(expected[o].Max(Math.Abs), 1e-30);
            for (int i = 0; i < expected[o].Length; i++)
            {
                double gap = Math.Abs(expected[o][i] - actual[o][i]) / scale;
                worst = Math.Max(worst, gap);
                Assert.IsLessThanOrEqualTo(tolerance, gap, $"output '{outputs[o]}' element {i}: ONNX Runtime {expected[o][i]}, decomposed {actual[o][i]}");
            }
        }

        return worst;
    }

    /// <summary>Uniform values in [-2, 2) of the given shape.</summary>
    public static FeedValue Random(int seed, params long[] shape)
        => new(new TestModels.SeededWeights(seed).Uniform((int)shape.Aggregate(1L, (p, d) => p * d), -2f, 2f), shape);
}
