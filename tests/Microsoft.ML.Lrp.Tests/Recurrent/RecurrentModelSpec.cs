using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Recurrent;

/// <summary>
/// A one-node LSTM, GRU or RNN test model: random constant W, R (and optionally B, P), graph inputs x and optionally
/// initial_h, initial_c (float) and sequence_lens (int32), outputs Y, Y_h (and Y_c for LSTM).
/// </summary>
internal sealed record RecurrentModelSpec(string Op, string Direction = "forward")
{
    public int Steps { get; init; } = 4;

    public int Batch { get; init; } = 3;

    public int InputSize { get; init; } = 5;

    public int Hidden { get; init; } = 4;

    public bool Bias { get; init; } = true;

    public bool InitialH { get; init; }

    public bool InitialC { get; init; }

    public bool SequenceLens { get; init; }

    public bool Peepholes { get; init; }

    public bool BatchFirst { get; init; }

    public int Opset { get; init; } = 14;

    public (string Name, object Value)[] Attributes { get; init; } = [];

    public int Directions => Direction == "bidirectional" ? 2 : 1;

    public int Gates => Op switch { "LSTM" => 4, "GRU" => 3, _ => 1 };

    /// <summary>The sequence lengths fed when <see cref="SequenceLens"/> is set: every row different, one full.</summary>
    public int[] Lengths => [.. Enumerable.Range(0, Batch).Select(b => Math.Max(1, Steps - (b % Steps)))];

    public string[] Outputs => Op == "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];

    public byte[] Build(int seed = 11)
    {
        var builder = new OnnxModelBuilder(seed);
        builder.Input("x", BatchFirst ? [Batch, Steps, InputSize] : [Steps, Batch, InputSize]);
        builder.RandomUniform("W", -0.8f, 0.8f, Directions, Gates * Hidden, InputSize);
        builder.RandomUniform("R", -0.8f, 0.8f, Directions, Gates * Hidden, Hidden);
        if (Bias)
        {
            builder.RandomUniform("B", -0.5f, 0.5f, Directions, 2 * Gates * Hidden);
        }

        object[] stateDims = BatchFirst ? [Batch, Directions, Hidden] : [Directions, Batch, Hidden];
        if (SequenceLens)
        {
            builder.TypedInput("seq", TensorProto.Types.DataType.Int32, Batch);
        }

        if (InitialH)
        {
            builder.Input("h0", stateDims);
        }

        if (InitialC)
        {
            builder.Input("c0", stateDims);
        }

        if (Peepholes)
        {
            builder.RandomUniform("P", -0.5f, 0.5f, Directions, 3 * Hidden);
        }

        var inputs = new List<string> { "x", "W", "R", Bias ? "B" : "", SequenceLens ? "seq" : "", InitialH ? "h0" : "" };
        if (Op == "LSTM")
        {
            inputs.Add(InitialC ? "c0" : "");
            inputs.Add(Peepholes ? "P" : "");
        }

        while (inputs[^1].Length == 0)
        {
            inputs.RemoveAt(inputs.Count - 1);
        }

        foreach (string o in Outputs)
        {
            builder.Output(o);
        }

        var attributes = new List<(string, object)> { ("hidden_size", (long)Hidden), ("direction", Direction) };
        if (BatchFirst)
        {
            attributes.Add(("layout", 1L));
        }

        attributes.AddRange(Attributes);
        builder.Opset(Opset).Node(Op, [.. inputs], Outputs, "rnn", [.. attributes]);
        return builder.Build();
    }

    /// <summary>Random feeds for every graph input of <see cref="Build"/>.</summary>
    public Dictionary<string, FeedValue> Feeds(int seed = 3)
    {
        var random = new SeededWeights(seed);
        long[] xShape = BatchFirst ? [Batch, Steps, InputSize] : [Steps, Batch, InputSize];
        long[] stateShape = BatchFirst ? [Batch, Directions, Hidden] : [Directions, Batch, Hidden];
        var feeds = new Dictionary<string, FeedValue> { ["x"] = new(random.Uniform(Steps * Batch * InputSize, -2f, 2f), xShape) };
        if (SequenceLens)
        {
            feeds["seq"] = new(Lengths, [Batch]);
        }

        if (InitialH)
        {
            feeds["h0"] = new(random.Uniform(Directions * Batch * Hidden), stateShape);
        }

        if (InitialC)
        {
            feeds["c0"] = new(random.Uniform(Directions * Batch * Hidden), stateShape);
        }

        return feeds;
    }
}
