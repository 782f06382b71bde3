using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Recurrent;

/// <summary>
/// Small LSTM and GRU classifiers (batch-first input, transposed into the recurrent op, final states into a Gemm) are
/// explained as Arras et al. (2017) prescribe: the engine on the unrolled graph agrees with a plain double-precision
/// implementation of the rule written from the formulas, conserves relevance node by node, and gives the same
/// attributions under every capture policy.
/// </summary>
[TestClass]
public sealed class RecurrentRelevanceTests
{
    private const int Steps = 5;
    private const int InputSize = 3;
    private const int Hidden = 4;
    private const int Classes = 3;
    private const int Rows = 2;

    private sealed record Classifier(string Op, int Directions, byte[] Model, NaiveRecurrentLrp Reference);

    /// <summary>The classifier's model: x [N, Steps, InputSize] → <paramref name="op"/> → Gemm → logits [N, Classes].</summary>
    internal static byte[] Model(string op, string direction) => Build(op, direction).Model;

    private static Classifier Build(string op, string direction, bool symbolicSteps = false)
    {
        int directions = direction == "bidirectional" ? 2 : 1;
        int gates = op == "LSTM" ? 4 : 3;
        var random = new SeededWeights(op == "LSTM" ? 21 : 22);
        float[] w = random.Uniform(directions * gates * Hidden * InputSize, -0.9f, 0.9f);
        float[] r = random.Uniform(directions * gates * Hidden * Hidden, -0.9f, 0.9f);
        float[] b = random.Uniform(directions * 2 * gates * Hidden, -0.4f, 0.4f);
        float[] wOut = random.Uniform(Classes * directions * Hidden, -1f, 1f);
        float[] bOut = random.Uniform(Classes, -0.2f, 0.2f);
        var attributes = new List<(string, object)> { ("hidden_size", (long)Hidden), ("direction", direction) };
        if (op == "GRU")
        {
            attributes.Add(("linear_before_reset", 1L));
        }

        byte[] model = new OnnxModelBuilder(1)
            .Input("x", symbolicSteps ? ["N", "T", InputSize] : ["N", Steps, InputSize]).Output("logits")
            .Initializer("W", w, directions, gates * Hidden, InputSize)
            .Initializer("R", r, directions, gates * Hidden, Hidden)
            .Initializer("B", b, directions, 2 * gates * Hidden)
            .Initializer("Wout", wOut, Classes, directions * Hidden)
            .Initializer("bout", bOut, Classes)
            .Initializer("flat", [0L, -1L], 2)
            .Node("Transpose", ["x"], ["xt"], "toTimeMajor", ("perm", new long[] { 1, 0, 2 }))
            .Node(op, ["xt", "W", "R", "B"], ["", "hn"], "rnn", [.. attributes])
            .Node("Transpose", ["hn"], ["hb"], "toBatchMajor", ("perm", new long[] { 1, 0, 2 }))
            .Node("Reshape", ["hb", "flat"], ["features"], "flatten")
            .Node("Gemm", ["features", "Wout", "bout"], ["logits"], "classifier", ("transB", 1L))
            .Build();
        var reference = new NaiveRecurrentLrp(op, direction == "reverse", Steps, InputSize, Hidden, directions, ToDoubles(w), ToDoubles(r), ToDoubles(b), ToDoubles(wOut), ToDoubles(bOut), 1e-6);
        return new Classifier(op, directions, model, reference);
    }

    private static double[] ToDoubles(float[] values) => [.. values.Select(v => (double)v)];

    private static LrpOptions Options(byte[] model, LrpCapturePolicy policy = LrpCapturePolicy.MinimizeMemory, int[]? rowShape = null) => new()
    {
        InputRowShape = rowShape,
        ModelBytes = model,
        InputColumnName = "x",
        Composite = LrpComposite.Epsilon,
        Target = LrpTarget.Class(1),
        BatchSize = Rows,
        CapturePolicy = policy,
    };

    private static float[] Input() => new SeededWeights(5).Uniform(Rows * Steps * InputSize, -1.5f, 1.5f);

    [TestMethod]
    [DataRow("LSTM", "forward")]
    [DataRow("LSTM", "reverse")]
    [DataRow("LSTM", "bidirectional")]
    [DataRow("GRU", "forward")]
    [DataRow("GRU", "bidirectional")]
    public void Explain_RecurrentClassifier_MatchesNaiveArrasReference(string op, string direction)
    {
        Classifier classifier = Build(op, direction);
        float[] input = Input();
        using var explainer = new LrpExplainer(Options(classifier.Model));
        LrpExplanation result = explainer.Explain(input, Rows, conservationReport: true);
        int rowLength = Steps * InputSize;
        for (int row = 0; row < Rows; row++)
        {
            double[] x = [.. input.Skip(row * rowLength).Take(rowLength).Select(v => (double)v)];
            double[] expected = classifier.Reference.Explain(x, 1, out double[] logits);
            Assert.AreEqual(logits[1], result.Scores[row], 1e-4, $"row {row} score");
            double scale = expected.Max(Math.Abs);
            Assert.IsGreaterThan(1e-3, scale, "the reference relevance is not trivial");
            for (int i = 0; i < rowLength; i++)
            {
                // Float activations against double ones: Epsilon's ratios R/z amplify rounding where a pre-activation is small.
                Assert.AreEqual(expected[i], result.Relevance[row * rowLength + i], 1e-3 * scale, $"row {row} element {i}");
            }
        }

        Assert.IsLessThan(1e-4, result.ConservationReport!.MaxRelativeError, "per-node conservation");
    }

    [TestMethod]
    [DataRow("LSTM")]
    [DataRow("GRU")]
    public void Explain_RecurrentClassifier_GatesCarryNoRelevance(string op)
    {
        Classifier classifier = Build(op, "forward");
        using var explainer = new LrpExplainer(Options(classifier.Model));
        var gateRules = explainer.Plan.Steps.Where(s => s.Node.OpType == "Sigmoid").ToList();
        Assert.IsEmpty(gateRules, "a sigmoid gate is on the relevance path");
        Assert.IsTrue(explainer.Plan.Steps.Any(s => s.Node.OpType == "Tanh"), "the candidate's Tanh is on the relevance path");
    }

    [TestMethod]
    [DataRow("LSTM", "bidirectional")]
    [DataRow("LSTM", "reverse")]
    [DataRow("GRU", "forward")]
    [DataRow("GRU", "bidirectional")]
    public void Explain_RecurrentClassifier_SameAttributionsUnderEveryCapturePolicy(string op, string direction)
    {
        Classifier classifier = Build(op, direction);
        float[] input = Input();
        float[]? reference = null;
        foreach (var policy in new[] { LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.MinimizeTime })
        {
            using var explainer = new LrpExplainer(Options(classifier.Model, policy));
            float[] relevance = explainer.Explain(input, Rows).Relevance;
            reference ??= relevance;
            double scale = reference.Max(Math.Abs);
            for (int i = 0; i < relevance.Length; i++)
            {
                // The cells' Sigmoid/Tanh are captured, not replayed (their replay rounds differently from ONNX Runtime's
                // kernels, and the cell state compounds it over the steps: 3.6e-6 of the largest value when they were).
                Assert.AreEqual(reference[i], relevance[i], 1e-6 * scale, $"{policy} element {i}");
            }
        }
    }

    [TestMethod]
    public void Explain_SymbolicSequenceLength_UnrolledOverTheRowShapeGiven()
    {
        Classifier classifier = Build("LSTM", "forward", symbolicSteps: true);
        float[] input = Input();
        using var explainer = new LrpExplainer(Options(classifier.Model, rowShape: [Steps, InputSize]));
        LrpExplanation result = explainer.Explain(input, Rows);
        double[] expected = classifier.Reference.Explain([.. input.Take(Steps * InputSize).Select(v => (double)v)], 1, out _);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], result.Relevance[i], 1e-3 * scale, $"element {i}");
        }
    }

    [TestMethod]
    public void Explain_SymbolicSequenceLengthWithoutRowShape_ThrowsNamingInputDimensionAndOption()
    {
        // The input shapes are resolved before the unrolling, so the open sequence length is reported at the input.
        Classifier classifier = Build("GRU", "forward", symbolicSteps: true);
        var error = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(Options(classifier.Model)));
        StringAssert.Contains(error.Message, "'x'");
        StringAssert.Contains(error.Message, "'T'");
        StringAssert.Contains(error.Message, "LrpOptions.InputRowShape");
    }
}
