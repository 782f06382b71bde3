using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Recurrent;

/// <summary>The unrolled LSTM, GRU and RNN compute what ONNX Runtime's own kernels compute, output by output.</summary>
[TestClass]
public sealed class RecurrentDecompositionTests
{
    private static void AssertUnrolledMatches(RecurrentModelSpec spec)
    {
        byte[] model = spec.Build();
        var decomposed = FusedOpDecomposition.Apply(OnnxModel.Load(model));
        Assert.AreEqual(0, decomposed.Graph.Nodes.Count(n => n.OpType == spec.Op), "recurrent nodes left after unrolling");
        double worst = FusedRunner.AssertDecompositionMatches(model, spec.Feeds(), spec.Outputs);
        Assert.IsLessThanOrEqualTo(1e-5, worst);
    }

    [TestMethod]
    [DataRow("forward")]
    [DataRow("reverse")]
    [DataRow("bidirectional")]
    public void Lstm_Plain_MatchesOnnxRuntime(string direction)
        => AssertUnrolledMatches(new RecurrentModelSpec("LSTM", direction));

    [TestMethod]
    [DataRow("forward")]
    [DataRow("reverse")]
    [DataRow("bidirectional")]
    public void Lstm_InitialStatesPeepholesSequenceLengths_MatchesOnnxRuntime(string direction)
        => AssertUnrolledMatches(new RecurrentModelSpec("LSTM", direction) { InitialH = true, InitialC = true, Peepholes = true, SequenceLens = true });

    /// <summary>
    /// ONNX Runtime refuses layout = 1, so the batch-first model's unrolling is compared with ONNX Runtime running the
    /// same weights in layout 0 on the transposed inputs, its outputs transposed back.
    /// </summary>
    private static void AssertBatchFirstMatches(RecurrentModelSpec batchFirst)
    {
        RecurrentModelSpec timeFirst = batchFirst with { BatchFirst = false };
        var feeds = batchFirst.Feeds();
        var timeFeeds = feeds.ToDictionary(
            kv => kv.Key,
            kv => kv.Value.Shape.Length == 3 ? new FeedValue(SwapFirstAxes((float[])kv.Value.Data, kv.Value.Shape), [kv.Value.Shape[1], kv.Value.Shape[0], kv.Value.Shape[2]]) : kv.Value);
        double[][] expected = FusedRunner.Run(timeFirst.Build(), timeFeeds, timeFirst.Outputs);
        var decomposed = FusedOpDecomposition.Apply(OnnxModel.Load(batchFirst.Build()));
        double[][] actual = FusedRunner.Run(decomposed.ToBytes(new OnnxWriteOptions()), feeds, batchFirst.Outputs);
        int t = batchFirst.Steps, b = batchFirst.Batch, d = batchFirst.Directions, h = batchFirst.Hidden;
        for (int o = 0; o < expected.Length; o++)
        {
            for (int i = 0; i < actual[o].Length; i++)
            {
                // Y: [B, T, D, H] against [T, D, B, H]; Y_h, Y_c: [B, D, H] against [D, B, H].
                int hh = i % h, rest = i / h;
                int e = o == 0
                    ? ((((rest / d) % t) * d + rest % d) * b + rest / d / t) * h + hh
                    : ((rest % d) * b + rest / d) * h + hh;
                Assert.AreEqual(expected[o][e], actual[o][i], 1e-5, $"output {batchFirst.Outputs[o]} element {i}");
            }
        }
    }

    private static float[] SwapFirstAxes(float[] data, long[] shape)
    {
        int a = (int)shape[0], b = (int)shape[1], c = (int)shape[2];
        var result = new float[data.Length];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++)
            {
                Array.Copy(data, (i * b + j) * c, result, (j * a + i) * c, c);
            }
        }

        return result;
    }

    [TestMethod]
    [DataRow("forward")]
    [DataRow("bidirectional")]
    public void Lstm_BatchFirstWithInitialStates_MatchesOnnxRuntimeInLayout0(string direction)
        => AssertBatchFirstMatches(new RecurrentModelSpec("LSTM", direction) { BatchFirst = true, InitialH = true, InitialC = true, SequenceLens = true });

    [TestMethod]
    [DataRow("LSTM")]
    [DataRow("GRU")]
    public void Opset9_ClipAndSequenceLengths_MatchesOnnxRuntime(string op)
        => AssertUnrolledMatches(new RecurrentModelSpec(op, "bidirectional") { Opset = 9, SequenceLens = true, Attributes = [("clip", 0.9f)] });

    [TestMethod]
    public void Lstm_NoBiasOneStep_MatchesOnnxRuntime()
        => AssertUnrolledMatches(new RecurrentModelSpec("LSTM") { Bias = false, Steps = 1 });

    [TestMethod]
    [DataRow("forward")]
    [DataRow("bidirectional")]
    public void Lstm_Clip_MatchesOnnxRuntime(string direction)
        => AssertUnrolledMatches(new RecurrentModelSpec("LSTM", direction) { Peepholes = true, InitialC = true, Attributes = [("clip", 0.7f)] });

    [TestMethod]
    public void Lstm_OtherActivationsWithAlphaBeta_MatchOnnxRuntime()
        => AssertUnrolledMatches(new RecurrentModelSpec("LSTM", "bidirectional")
        {
            Attributes =
            [
                ("activations", new[] { "HardSigmoid", "ScaledTanh", "Affine", "Sigmoid", "LeakyRelu", "Softsign" }),
                ("activation_alpha", new[] { 0.3f, 0.9f, 0.6f, 0.05f }),
                ("activation_beta", new[] { 0.45f, 1.3f, 0.1f }),
            ],
        });

    [TestMethod]
    [DataRow("forward", 0)]
    [DataRow("reverse", 0)]
    [DataRow("bidirectional", 0)]
    [DataRow("forward", 1)]
    [DataRow("reverse", 1)]
    [DataRow("bidirectional", 1)]
    public void Gru_LinearBeforeReset_MatchesOnnxRuntime(string direction, int linearBeforeReset)
        => AssertUnrolledMatches(new RecurrentModelSpec("GRU", direction) { Attributes = [("linear_before_reset", (long)linearBeforeReset)] });

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    public void Gru_InitialStateSequenceLengthsBatchFirst_MatchesOnnxRuntimeInLayout0(int linearBeforeReset)
        => AssertBatchFirstMatches(new RecurrentModelSpec("GRU", "bidirectional")
        {
            InitialH = true,
            SequenceLens = true,
            BatchFirst = true,
            Attributes = [("linear_before_reset", (long)linearBeforeReset), ("clip", 1.5f)],
        });

    [TestMethod]
    public void Gru_OtherActivations_MatchOnnxRuntime()
        => AssertUnrolledMatches(new RecurrentModelSpec("GRU")
        {
            Attributes = [("activations", new[] { "HardSigmoid", "Elu" }), ("activation_alpha", new[] { 0.25f, 0.8f }), ("activation_beta", new[] { 0.4f })],
        });

    [TestMethod]
    [DataRow("forward", "Tanh")]
    [DataRow("reverse", "Relu")]
    [DataRow("bidirectional", "Sigmoid")]
    [DataRow("forward", "Softplus")]
    [DataRow("forward", "ThresholdedRelu")]
    public void Rnn_Activation_MatchesOnnxRuntime(string direction, string activation)
        => AssertUnrolledMatches(new RecurrentModelSpec("RNN", direction)
        {
            InitialH = true,
            SequenceLens = true,
            Attributes = activation == "ThresholdedRelu"
                ? [("activations", new[] { activation }), ("activation_alpha", new[] { 0.2f })]
                : [("activations", direction == "bidirectional" ? new[] { activation, "Tanh" } : new[] { activation })],
        });

    [TestMethod]
    public void Lstm_SymbolicSequenceLength_ThrowsNamingNodeAndOption()
    {
        byte[] model = new OnnxModelBuilder(2)
            .Input("x", "T", 3, 5).Output("Y")
            .RandomUniform("W", -1f, 1f, 1, 16, 5).RandomUniform("R", -1f, 1f, 1, 16, 4)
            .Node("LSTM", ["x", "W", "R"], ["Y"], "lstm_node", ("hidden_size", 4L))
            .Build();
        var error = Assert.ThrowsExactly<LrpException>(() => FusedOpDecomposition.Apply(OnnxModel.Load(model)));
        StringAssert.Contains(error.Message, "lstm_node");
        StringAssert.Contains(error.Message, "InputRowShape");
    }

    [TestMethod]
    public void Lstm_SymbolicSequenceLengthGivenByRowShape_Unrolls()
    {
        byte[] model = new OnnxModelBuilder(2)
            .Input("x", "N", "T", 5).Output("Y")
            .RandomUniform("W", -1f, 1f, 1, 16, 5).RandomUniform("R", -1f, 1f, 1, 16, 4)
            .Node("Transpose", ["x"], ["xt"], "toTime", ("perm", new long[] { 1, 0, 2 }))
            .Node("LSTM", ["xt", "W", "R"], ["Y"], "lstm_node", ("hidden_size", 4L))
            .Build();
        var shapes = new Dictionary<string, int[]> { ["x"] = [6, 5] };
        var decomposed = FusedOpDecomposition.Apply(OnnxModel.Load(model), shapes);
        Assert.AreEqual(6, decomposed.Graph.Nodes.Count(n => n.OpType == "Gather" && n.Name.StartsWith("lstm_node/", StringComparison.Ordinal)));
        var feeds = new Dictionary<string, FeedValue> { ["x"] = new(new SeededWeights(1).Uniform(2 * 6 * 5), [2, 6, 5]) };
        double[] expected = FusedRunner.Run(model, feeds, "Y")[0];
        double[] actual = FusedRunner.Run(decomposed.ToBytes(new OnnxWriteOptions()), feeds, "Y")[0];
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5, $"element {i}");
        }
    }

    [TestMethod]
    public void Lstm_StackedBidirectionalAsPyTorchExportsIt_UnrollsWithSymbolicBatchAndMatchesOnnxRuntime()
    {
        // PyTorch joins the directions of one layer for the next by Transpose(0, 2, 1, 3) and Reshape [0, 0, -1]:
        // the sequence length and input size of layer 2 follow from shapes, though the batch is symbolic.
        byte[] model = new OnnxModelBuilder(4)
            .Input("x", "N", 6, 5).Output("hn")
            .RandomUniform("W1", -1f, 1f, 2, 16, 5).RandomUniform("R1", -1f, 1f, 2, 16, 4)
            .RandomUniform("W2", -1f, 1f, 2, 16, 8).RandomUniform("R2", -1f, 1f, 2, 16, 4)
            .Initializer("join", [0L, 0L, -1L], 3)
            .Node("Transpose", ["x"], ["xt"], "toTime", ("perm", new long[] { 1, 0, 2 }))
            .Node("LSTM", ["xt", "W1", "R1"], ["y1"], "layer1", ("hidden_size", 4L), ("direction", "bidirectional"))
            .Node("Transpose", ["y1"], ["y1t"], "swap", ("perm", new long[] { 0, 2, 1, 3 }))
            .Node("Reshape", ["y1t", "join"], ["x2"], "joinDirections")
            .Node("LSTM", ["x2", "W2", "R2"], ["", "hn"], "layer2", ("hidden_size", 4L), ("direction", "bidirectional"))
            .Build();
        var feeds = new Dictionary<string, FeedValue> { ["x"] = new(new SeededWeights(8).Uniform(2 * 6 * 5, -2f, 2f), [2, 6, 5]) };
        Assert.IsLessThanOrEqualTo(1e-5, FusedRunner.AssertDecompositionMatches(model, feeds, "hn"));
    }
}
