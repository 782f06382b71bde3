using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Recurrent;

/// <summary>
/// Recurrent classifiers laid out as PyTorch exports them (batch-first input transposed to time-major, a zero
/// initial state built from Shape/Gather/Concat/ConstantOfShape of the batch size, Y squeezed and transposed back,
/// the last step gathered into a Gemm head), explained several rows at a time: every row conserves on its own,
/// <c>Σ R_input + absorbed = seed</c>, although inside the unrolled cell the batch is not the leading axis.
/// </summary>
[TestClass]
public sealed class RecurrentRowConservationTests
{
    private const int Steps = 4;
    private const int InputSize = 3;
    private const int Hidden = 5;
    private const int Classes = 3;
    private const int Rows = 3;

    private static byte[] PyTorchLike(string op)
    {
        int gates = op switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
        var builder = new OnnxModelBuilder(7)
            .Input("x", ["N", Steps, InputSize]).Output("logits")
            .RandomUniform("W", -0.9f, 0.9f, 1, gates * Hidden, InputSize)
            .RandomUniform("R", -0.9f, 0.9f, 1, gates * Hidden, Hidden)
            .RandomUniform("B", -0.4f, 0.4f, 1, 2 * gates * Hidden)
            .RandomUniform("Wout", -1f, 1f, Classes, Hidden)
            .RandomUniform("bout", -0.2f, 0.2f, Classes)
            .Initializer("zero", [0L], 1)
            .Initializer("one", [1L], 1)
            .Initializer("hidden", [(long)Hidden], 1)
            .Initializer("axis1", [1L], 1)
            .Initializer("last", [-1L])
            .Node("Shape", ["x"], ["xshape"], "shape")
            .Node("Gather", ["xshape", "zero"], ["batch"], "batchSize", ("axis", 0L))
            .Node("Concat", ["one", "batch", "hidden"], ["stateShape"], "stateShape", ("axis", 0L))
            .Node("ConstantOfShape", ["stateShape"], ["h0"], "h0")
            .Node("Transpose", ["x"], ["xt"], "toTimeMajor", ("perm", new long[] { 1, 0, 2 }));
        var inputs = new List<string> { "xt", "W", "R", "B", "", "h0" };
        var outputs = new List<string> { "Y", "Y_h" };
        if (op == "LSTM")
        {
            builder.Node("ConstantOfShape", ["stateShape"], ["c0"], "c0");
            inputs.Add("c0");
            outputs.Add("Y_c");
        }

        return builder
            .Node(op, [.. inputs], [.. outputs], "rnn", ("hidden_size", (long)Hidden))
            .Node("Squeeze", ["Y", "axis1"], ["ys"], "squeeze")
            .Node("Transpose", ["ys"], ["yb"], "toBatchMajor", ("perm", new long[] { 1, 0, 2 }))
            .Node("Gather", ["yb", "last"], ["features"], "lastStep", ("axis", 1L))
            .Node("Gemm", ["features", "Wout", "bout"], ["logits"], "head", ("transB", 1L))
            .Build();
    }

    [TestMethod]
    [DataRow("LSTM")]
    [DataRow("GRU")]
    [DataRow("RNN")]
    public void Explain_PyTorchLayoutRecurrentClassifier_ConservesEveryRow(string op)
    {
        float[] input = new SeededWeights(9).Uniform(Rows * Steps * InputSize, -1.5f, 1.5f);
        using var explainer = new LrpExplainer(new LrpOptions
        {
            InputRowShape = [Steps, InputSize],
            ModelBytes = PyTorchLike(op),
            InputColumnName = "x",
            Composite = LrpComposite.Epsilon,
            BatchSize = Rows,
        });
        LrpExplanation batched = explainer.Explain(input, Rows, conservationReport: true);
        Assert.IsLessThan(1e-4, batched.ConservationReport!.MaxRelativeError, "per-node conservation");
        int rowLength = Steps * InputSize;
        for (int row = 0; row < Rows; row++)
        {
            double seed = batched.SeedTotals[row];
            Assert.IsGreaterThan(1e-3, Math.Abs(seed), $"row {row} has a seed");
            Assert.AreEqual(0, batched.ConservationError(row) / seed, 1e-4, $"row {row}: Σ R_input + absorbed − seed relative to the seed");

            // The same row explained alone: the absorbed share and the relevance are those of the batched run.
            LrpExplanation alone = explainer.Explain(input.AsSpan(row * rowLength, rowLength).ToArray(), 1);
            Assert.AreEqual(alone.Absorbed[0], batched.Absorbed[row], 1e-4 * Math.Abs(seed), $"row {row} absorbed");
            for (int i = 0; i < rowLength; i++)
            {
                Assert.AreEqual(alone.Relevance[i], batched.Relevance[(row * rowLength) + i], 1e-4 * Math.Abs(seed), $"row {row} element {i}");
            }
        }
    }
}
