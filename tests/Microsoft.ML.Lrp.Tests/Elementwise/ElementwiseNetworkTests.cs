using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Tests.Promises;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Elementwise;

/// <summary>
/// End to end through <see cref="LrpExplainer"/> with ONNX Runtime running the model: a CNN with Max of two branches
/// and a ReduceMax, and an MLP with Abs, Log, Pow, Neg, Exp and Max, each against a naive double-precision LRP written
/// from the formulas (Epsilon for Conv and Gemm), and under the three capture policies.
/// </summary>
[TestClass]
public sealed class ElementwiseNetworkTests
{
    private const int Rows = 2;
    private const double Eps = 1e-6;

    private static readonly float[] ConvW = new SeededWeights(71).Uniform(8, -1f, 1f);
    private static readonly float[] ConvB = [0.1f, -0.05f];
    private static readonly float[] Floor = [0f, -0.1f, 0.05f];
    private static readonly float[] HeadW = new SeededWeights(72).Uniform(6, -1f, 1f);
    private static readonly float[] HeadB = [0.02f, -0.03f];

    /// <summary>x [N,1,4,4] → Conv [N,2,3,3] → Split a, b → Max(a, b, floor[3,1]) → ReduceMax(axis 3) → Flatten → Gemm [N,2].</summary>
    internal static byte[] ConvModel() => new OnnxModelBuilder().Input("input", "N", 1, 4, 4)
        .Initializer("W", ConvW, 2, 1, 2, 2).Initializer("B", ConvB, 2).Initializer("split", new long[] { 1, 1 }, 2)
        .Initializer("floor", Floor, 3, 1).Initializer("HW", HeadW, 2, 3).Initializer("HB", HeadB, 2)
        .Node("Conv", ["input", "W", "B"], ["h"], "conv")
        .Node("Split", ["h", "split"], ["a", "b"], "split", ("axis", 1))
        .Node("Max", ["a", "b", "floor"], ["m"], "max")
        .Node("ReduceMax", ["m"], ["rm"], "reducemax", ("axes", new[] { 3 }), ("keepdims", 0L))
        .Node("Flatten", "rm", "flat", "flatten")
        .Node("Gemm", ["flat", "HW", "HB"], ["output"], "head", ("transB", 1L))
        .Output("output", "N", 2).Build();

    private static double Stab(double z) => z + (z >= 0 ? Eps : -Eps);

    /// <summary>The naive LRP of <see cref="ConvModel"/> for one row.</summary>
    private static double[] ConvReference(double[] x, double[] r, out int floorWins)
    {
        var h = new double[2, 3, 3];
        for (int c = 0; c < 2; c++)
        {
            for (int p = 0; p < 3; p++)
            {
                for (int q = 0; q < 3; q++)
                {
                    h[c, p, q] = ConvB[c];
                    for (int di = 0; di < 2; di++)
                    {
                        for (int dj = 0; dj < 2; dj++)
                        {
                            h[c, p, q] += ConvW[(c * 4) + (di * 2) + dj] * x[((p + di) * 4) + q + dj];
                        }
                    }
                }
            }
        }

        // Max(a, b, floor) per element, then ReduceMax over the last axis, then the head.
        var m = new double[3, 3];
        var winners = new List<int>[3, 3];
        for (int p = 0; p < 3; p++)
        {
            for (int q = 0; q < 3; q++)
            {
                double[] operands = [h[0, p, q], h[1, p, q], Floor[p]];
                m[p, q] = operands.Max();
                winners[p, q] = [.. Enumerable.Range(0, 3).Where(i => operands[i] == m[p, q])];
            }
        }

        floorWins = winners.Cast<List<int>>().Count(w => w.Contains(2));
        var rm = Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, 3).Max(q => m[p, q])).ToArray();
        var z = Enumerable.Range(0, 2).Select(k => HeadB[k] + Enumerable.Range(0, 3).Sum(j => HeadW[(k * 3) + j] * rm[j])).ToArray();
        var rRm = Enumerable.Range(0, 3).Select(j => rm[j] * Enumerable.Range(0, 2).Sum(k => HeadW[(k * 3) + j] * r[k] / Stab(z[k]))).ToArray();
        var rH = new double[2, 3, 3];
        for (int p = 0; p < 3; p++)
        {
            var top = Enumerable.Range(0, 3).Where(q => m[p, q] == rm[p]).ToList();
            foreach (int q in top)
            {
                foreach (int i in winners[p, q].Where(i => i < 2))
                {
                    rH[i, p, q] += rRm[p] / top.Count / winners[p, q].Count;
                }
            }
        }

        var rx = new double[16];
        for (int c = 0; c < 2; c++)
        {
            for (int p = 0; p < 3; p++)
            {
                for (int q = 0; q < 3; q++)
                {
                    double s = rH[c, p, q] / Stab(h[c, p, q]);
                    for (int di = 0; di < 2; di++)
                    {
                        for (int dj = 0; dj < 2; dj++)
                        {
                            int u = ((p + di) * 4) + q + dj;
                            rx[u] += x[u] * ConvW[(c * 4) + (di * 2) + dj] * s;
                        }
                    }
                }
            }
        }

        return rx;
    }

    [TestMethod]
    public void ConvMaxReduceMaxGemm_MatchesNaiveLrp()
    {
        var input = RuleHarness.Input(Rows * 16, 73);
        var (result, r) = RuleHarness.Explain(ConvModel(), input, Rows, LrpComposite.Epsilon);
        var expected = new List<double>();
        int floorWins = 0;
        for (int row = 0; row < Rows; row++)
        {
            expected.AddRange(ConvReference(input.Skip(row * 16).Take(16).Select(v => (double)v).ToArray(), r.Skip(row * 2).Take(2).ToArray(), out int wins));
            floorWins += wins;
        }

        Assert.IsGreaterThan(0, floorWins, "the constant floor wins some elements (its share is absorbed)");

        RuleHarness.AssertMatches([.. expected], result, "Conv → Max → ReduceMax → Gemm");
        Assert.IsTrue(result.Relevance.All(float.IsFinite), "finite relevance");
    }

    private static readonly float[] W1 = new SeededWeights(74).Uniform(24, -1f, 1f);
    private static readonly float[] B1 = new SeededWeights(75).Uniform(6, -0.2f, 0.2f);
    private static readonly float[] W2 = new SeededWeights(76).Uniform(18, -1f, 1f);
    private static readonly float[] B2 = [0.05f, -0.02f, 0.01f];

    /// <summary>x [N,4] → Gemm z [N,6] → Abs → +1 → Log → l; Exp(−l²) → e; Max(e, l) → Gemm [N,3].</summary>
    internal static byte[] MlpModel() => new OnnxModelBuilder().Input("input", "N", 4)
        .Initializer("W1", W1, 6, 4).Initializer("B1", B1, 6).Initializer("W2", W2, 3, 6).Initializer("B2", B2, 3)
        .Initializer("one", [1f]).Initializer("two", [2f])
        .Node("Gemm", ["input", "W1", "B1"], ["z"], "dense", ("transB", 1L))
        .Node("Abs", "z", "a", "abs").Node("Add", ["a", "one"], ["s"], "shift").Node("Log", "s", "l", "log")
        .Node("Pow", ["l", "two"], ["p"], "square").Node("Neg", "p", "n", "neg").Node("Exp", "n", "e", "exp")
        .Node("Max", ["e", "l"], ["m"], "max")
        .Node("Gemm", ["m", "W2", "B2"], ["output"], "head", ("transB", 1L))
        .Output("output", "N", 3).Build();

    /// <summary>The naive LRP of <see cref="MlpModel"/> for one row (every path from m back to l is Pass).</summary>
    private static double[] MlpReference(double[] x, double[] r)
    {
        var z = Enumerable.Range(0, 6).Select(j => B1[j] + Enumerable.Range(0, 4).Sum(i => W1[(j * 4) + i] * x[i])).ToArray();
        var a = z.Select(Math.Abs).ToArray();
        var l = a.Select(v => Math.Log(v + 1)).ToArray();
        var m = l.Select(v => Math.Max(Math.Exp(-v * v), v)).ToArray();
        var y = Enumerable.Range(0, 3).Select(k => B2[k] + Enumerable.Range(0, 6).Sum(j => W2[(k * 6) + j] * m[j])).ToArray();
        var rM = Enumerable.Range(0, 6).Select(j => m[j] * Enumerable.Range(0, 3).Sum(k => W2[(k * 6) + j] * r[k] / Stab(y[k]))).ToArray();
        var rA = Enumerable.Range(0, 6).Select(j => a[j] * rM[j] / Stab(a[j] + 1)).ToArray();
        return [.. Enumerable.Range(0, 4).Select(i => x[i] * Enumerable.Range(0, 6).Sum(j => W1[(j * 4) + i] * rA[j] / Stab(z[j])))];
    }

    [TestMethod]
    public void MlpWithAbsLogPowExpMax_MatchesNaiveLrp()
    {
        var input = RuleHarness.Input(Rows * 4, 77);
        var (result, r) = RuleHarness.Explain(MlpModel(), input, Rows, LrpComposite.Epsilon);
        var expected = new List<double>();
        for (int row = 0; row < Rows; row++)
        {
            expected.AddRange(MlpReference(input.Skip(row * 4).Take(4).Select(v => (double)v).ToArray(), r.Skip(row * 3).Take(3).ToArray()));
        }

        RuleHarness.AssertMatches([.. expected], result, "MLP with Abs, Log, Pow, Neg, Exp, Max");
    }

    [TestMethod]
    [TestCategory("Ilgpu")]
    [DataRow("conv")]
    [DataRow("mlp")]
    public void Network_IlgpuCpuAccelerator_MatchesCpuBackend(string which)
    {
        var model = which == "conv" ? ConvModel() : MlpModel();
        var input = RuleHarness.Input(Rows * (which == "conv" ? 16 : 4), 80);
        var options = new LrpOptions { ModelBytes = model, Composite = LrpComposite.Epsilon, BatchSize = Rows };
        using var cpu = new LrpExplainer(options, () => new CpuBackend());
        using var ilgpu = new LrpExplainer(options, () => new IlgpuBackend(IlgpuDevice.CpuEmulator()));
        if (which == "conv")
        {
            // Conv, Split, Max, ReduceMax, Flatten, Gemm: every rule audited, so the pass keeps its workspace (whose
            // checks on the CPU accelerator fail any undeclared host access).
            Assert.IsTrue(ilgpu.ResidencyAudited, string.Join(", ", Microsoft.ML.Lrp.Engine.DeviceResidency.Unaudited(ilgpu.Plan)));
        }

        var expected = cpu.Explain(input, Rows).Relevance;
        ilgpu.Explain(input, Rows);
        var actual = ilgpu.Explain(input, Rows).Relevance;
        double scale = expected.Max(v => Math.Abs((double)v));
        Assert.IsGreaterThan(0.0, scale);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5 * scale, $"{which}: relevance[{i}]");
        }
    }

    /// <summary>Max/Min, Abs, Log, Pow, Exp, ReduceMax: every buffer their rules take goes back to the arena (<see cref="Engine.ArenaReuseTests"/>).</summary>
    [TestMethod]
    public void Networks_Repeated_HandEveryBufferBack()
    {
        foreach (var network in new[]
        {
            new TestNetwork("ConvMaxReduceMax", ConvModel(), [3, 1, 4, 4]) { FirstLayers = ["conv"] },
            new TestNetwork("MlpAbsLogPowExpMax", MlpModel(), [3, 4]) { FirstLayers = ["dense"] },
        })
        {
            foreach (var policy in new[] { LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.CaptureAll })
            {
                using var explainer = new LrpExplainer(Promises.PromiseRuns.Options(network, policy, LrpComposite.Epsilon));
                var input = Promises.PromiseRuns.Input(network, 4);
                Engine.ArenaReuseTests.AssertNoNewBuffers(explainer, () => explainer.Explain(input, 3).Relevance, $"{network.Name}/{policy}");
            }
        }
    }

    [TestMethod]
    public void ConvNetwork_CapturePoliciesAgree()
    {
        var network = new TestNetwork("ConvMaxReduceMax", ConvModel(), [3, 1, 4, 4]) { FirstLayers = ["conv"] };
        var runs = TransformerPromiseRuns.AllPolicies(network, LrpComposite.Epsilon, 78);
        Assert.IsTrue(TransformerPromiseRuns.ReplayedOps(runs[LrpCapturePolicy.MinimizeMemory]).ContainsKey("Max"), "Max is replayed under MinimizeMemory");
    }

    [TestMethod]
    public void MlpNetwork_CapturePoliciesAgreeAndLogMaxReplayed()
    {
        var network = new TestNetwork("MlpAbsLogPowExpMax", MlpModel(), [3, 4]) { FirstLayers = ["dense"] };
        var runs = TransformerPromiseRuns.AllPolicies(network, LrpComposite.Epsilon, 79);
        var replayed = TransformerPromiseRuns.ReplayedOps(runs[LrpCapturePolicy.MinimizeMemory]);
        Assert.IsTrue(replayed.ContainsKey("Max"), $"Max replayed ({string.Join(", ", replayed.Keys)})");
        Assert.IsTrue(replayed.ContainsKey("Log"), $"Log replayed ({string.Join(", ", replayed.Keys)})");
    }
}
