using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>Runs the engine on a tiny graph with a direction seed and checks its results against a formula.</summary>
internal static class RuleHarness
{
    /// <summary>Explains with <c>R_out = y ⊙ w</c>; returns the explanation and the seed per output element.</summary>
    public static (LrpExplanation Result, double[] Seed) Explain(byte[] model, float[] input, int rows, LrpComposite composite, int seed = 7, IReadOnlyDictionary<string, Array>? additional = null)
    {
        int outLength;
        using (var probe = new LrpExplainer(new LrpOptions { ModelBytes = model }))
        {
            outLength = probe.OutputRowLength;
        }

        var w = new SeededWeights(seed).Uniform(outLength, -1f, 1f);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = composite, Target = LrpTarget.Direction(w) });
        var result = explainer.Explain(input, rows, null, additional, conservationReport: true);
        var r = result.Output.Select((y, i) => (double)y * w[i % outLength]).ToArray();
        return (result, r);
    }

    /// <summary>Asserts closeness relative to the largest expected magnitude, and per-node conservation.</summary>
    public static void AssertMatches(double[] expected, LrpExplanation result, string what, double tolerance = 1e-4)
    {
        Assert.HasCount(expected.Length, result.Relevance, what);
        double scale = Math.Max(1e-6, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], result.Relevance[i], tolerance * scale, $"{what}: relevance[{i}]");
        }

        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, $"{what}: per-node conservation");
    }

    /// <summary>A deterministic input in [-1, 1).</summary>
    public static float[] Input(int count, int seed) => new SeededWeights(seed).Uniform(count, -1f, 1f);

    /// <summary>Turns float input <paramref name="name"/> of a built model into an int64 input.</summary>
    public static byte[] WithInt64Input(byte[] model, string name)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        proto.Graph.Input.Single(i => i.Name == name).Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Int64;
        return proto.ToByteArray();
    }

    /// <summary>
    /// The model on ILGPU's CPU accelerator: every rule audited for residency, so the (warm) pass runs in the workspace,
    /// whose checks fail any undeclared host access; relevance and absorbed relevance equal the CPU backend's (1e-5 of
    /// the largest relevance).
    /// </summary>
    public static void AssertIlgpuResidentMatchesCpu(byte[] model, float[] input, int rows, LrpComposite composite = LrpComposite.Epsilon)
    {
        var options = new LrpOptions { ModelBytes = model, Composite = composite, BatchSize = rows };
        using var cpu = new LrpExplainer(options);
        using var ilgpu = new LrpExplainer(options with { IlgpuCpuAccelerator = true });
        Assert.IsTrue(ilgpu.ResidencyAudited, string.Join(", ", Microsoft.ML.Lrp.Engine.DeviceResidency.Unaudited(ilgpu.Plan)));
        var expected = cpu.Explain(input, rows, conservationReport: true);
        ilgpu.Explain(input, rows);
        var actual = ilgpu.Explain(input, rows, conservationReport: true);
        double scale = expected.Relevance.Max(v => Math.Abs((double)v));
        Assert.IsGreaterThan(0.0, scale);
        for (int i = 0; i < expected.Relevance.Length; i++)
        {
            Assert.AreEqual(expected.Relevance[i], actual.Relevance[i], 1e-5 * scale, $"relevance[{i}]");
        }

        for (int row = 0; row < rows; row++)
        {
            Assert.AreEqual(expected.Absorbed[row], actual.Absorbed[row], 1e-5 * scale, $"absorbed, row {row}");
        }
    }
}
