using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Tests.Tokens;

/// <summary>
/// <see cref="LrpPooling.AddMeanPooling"/>: the appended output is the masked mean (L2-normalised on request) of the
/// hidden states, and explaining it in a direction puts no relevance on masked tokens.
/// </summary>
[TestClass]
public sealed class LrpPoolingTests
{
    private const int Sequence = 4, Width = 3;

    private static readonly long[] Ids = [1, 2, 3, 0, 4, 4, 0, 0];

    private static readonly long[] Mask = [1, 1, 1, 0, 1, 1, 0, 0];

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AddMeanPooling_Output_IsMaskedMean(bool normalize)
    {
        var (model, table) = HiddenStateModel();
        var pooled = LrpPooling.AddMeanPooling(model, normalize: normalize);
        using var session = new InferenceSession(pooled);
        using var ids = OrtValue.CreateTensorValueFromMemory(Ids, [2, Sequence]);
        using var mask = OrtValue.CreateTensorValueFromMemory(Mask, [2, Sequence]);
        using var run = new RunOptions();
        using var results = session.Run(run, ["input_ids", "attention_mask"], [ids, mask], ["sentence_embedding"]);
        var actual = results[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.AreEqual(2 * Width, actual.Length);
        for (int row = 0; row < 2; row++)
        {
            var expected = MaskedMean(table, row);
            double norm = normalize ? Math.Sqrt(expected.Sum(v => v * v)) : 1;
            for (int d = 0; d < Width; d++)
            {
                Assert.AreEqual(expected[d] / norm, actual[(row * Width) + d], 1e-5);
            }
        }
    }

    [TestMethod]
    public void AddMeanPooling_ExplainedInADirection_ConservesAndZeroesMaskedTokens()
    {
        var (model, _) = HiddenStateModel();
        using var explainer = new LrpExplainer(new LrpOptions
        {
            ModelBytes = LrpPooling.AddMeanPooling(model, normalize: false),
            OutputName = "sentence_embedding",
            Target = LrpTarget.Direction([0.5f, -1f, 2f]),
            Composite = LrpComposite.Epsilon,
            InputRowShape = [Sequence],
        });
        var explanation = explainer.ExplainTokens(Ids, 2, additionalInputs: new Dictionary<string, Array> { ["attention_mask"] = Mask });

        Assert.AreEqual(0f, explanation.RelevanceOf(0)[3]);
        Assert.AreEqual(0f, explanation.RelevanceOf(1)[2]);
        Assert.AreEqual(0f, explanation.RelevanceOf(1)[3]);
        Assert.AreEqual(explanation.Scores[1], explanation.RelevanceOf(1).ToArray().Sum(), 1e-4);
        Assert.AreEqual(0, explanation.ConservationError(0), 1e-4);
    }

    [TestMethod]
    public void AddMeanPooling_MissingMaskInput_Throws()
    {
        var (model, _) = HiddenStateModel();
        Assert.ThrowsExactly<LrpException>(() => LrpPooling.AddMeanPooling(model, attentionMaskInput: "mask"));
    }

    private static (byte[] Model, float[] Table) HiddenStateModel()
    {
        var table = new SeededWeights(4).Uniform(5 * Width);
        var model = new OnnxModelBuilder()
            .TypedInput("input_ids", TensorProto.Types.DataType.Int64, "batch", "sequence")
            .TypedInput("attention_mask", TensorProto.Types.DataType.Int64, "batch", "sequence")
            .Initializer("E", table, 5, Width)
            .Node("Gather", ["E", "input_ids"], ["emb"], "lookup")
            .Node("Relu", "emb", "last_hidden_state", "relu")
            .Output("last_hidden_state", "batch", "sequence", Width)
            .Build();
        return (model, table);
    }

    private static double[] MaskedMean(float[] table, int row)
    {
        var sum = new double[Width];
        int count = 0;
        for (int t = 0; t < Sequence; t++)
        {
            if (Mask[(row * Sequence) + t] == 0)
            {
                continue;
            }

            count++;
            for (int d = 0; d < Width; d++)
            {
                sum[d] += Math.Max(0, table[(Ids[(row * Sequence) + t] * Width) + d]);
            }
        }

        return sum.Select(v => v / count).ToArray();
    }
}
