using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// <c>DFT</c> (opsets 17 and 20) and <c>STFT</c> (opset 17) as a MatMul with a constant real matrix, so that the
/// relevance is the Epsilon rule of that linear map (<see cref="FourierMatrix"/>): a DFT flattens its
/// (…, N, c) input to (…, N·c) and multiplies by the (N·c, K·2) matrix; an STFT first gathers its frames
/// <c>x[t·step + w]</c> (routing, constant indices), flattens them to (B, T, W·c) and multiplies by the matrix with
/// the window folded in. The signal length, channel count, <c>dft_length</c>, <c>frame_step</c>, <c>frame_length</c>,
/// the opset-20 <c>axis</c> and the window must be constants or declared; the DFT axis must be the one before the
/// real/imaginary axis; <c>onesided</c> with <c>inverse</c> is rejected.
/// </summary>
internal sealed class SpectralDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["DFT", "STFT"];

    public void Decompose(FusedGraphBuilder b)
    {
        if (b.Fused.OpType == "DFT")
        {
            Dft(b);
        }
        else
        {
            Stft(b);
        }
    }

    private static void Dft(FusedGraphBuilder b)
    {
        string x = b.Input(0);
        long?[] shape = KnownShape(b, x) ?? throw b.Unsupported($"an input '{x}' of unknown shape", "Declare the signal's shape in the model, or give the explained input's row shape (LrpOptions.InputRowShapes).");
        int rank = shape.Length;
        long axis = b.Opset >= 20
            ? (b.Input(2).Length > 0 ? ConstantInt(b, b.Input(2), "axis") : -2)
            : b.Fused.GetInt("axis", 1);
        axis = axis < 0 ? axis + rank : axis;
        if (axis != rank - 2)
        {
            throw b.Unsupported($"axis {axis} of a rank-{rank} input", "Only the axis just before the real/imaginary axis is supported.");
        }

        var (n, channels) = SignalAndChannels(b, shape, x);
        long length = b.Input(1).Length > 0 ? ConstantInt(b, b.Input(1), "dft_length") : n;
        bool inverse = b.Fused.GetInt("inverse", 0) != 0, onesided = b.Fused.GetInt("onesided", 0) != 0;
        if (inverse && onesided)
        {
            throw b.Unsupported("attribute onesided=1 with inverse=1", "ONNX defines no one-sided inverse DFT.");
        }

        long bins = onesided ? (length / 2) + 1 : length;
        float[] matrix = FourierMatrix.Build((int)n, (int)channels, (int)length, (int)bins, inverse, null);
        long[] flat = [.. Enumerable.Repeat(0L, rank - 2), n * channels];
        long[] split = [.. Enumerable.Repeat(0L, rank - 2), bins, 2];
        string product = b.MatMul(b.Reshape(x, flat), b.Floats(matrix, n * channels, bins * 2));
        b.Reshape(product, split, b.Output(0));
    }

    private static void Stft(FusedGraphBuilder b)
    {
        string x = b.Input(0);
        long?[] shape = KnownShape(b, x) ?? throw b.Unsupported($"a signal '{x}' of unknown shape", "Declare the signal's shape in the model, or give the explained input's row shape (LrpOptions.InputRowShapes).");
        if (shape.Length != 3)
        {
            throw b.Unsupported($"a signal of rank {shape.Length}", "The signal must be (batch, length, 1 or 2).");
        }

        var (signal, channels) = SignalAndChannels(b, shape, x);
        long step = ConstantInt(b, b.Input(1), "frame_step");
        float[]? window = null;
        if (b.Input(2).Length > 0)
        {
            window = Constant(b, b.Input(2))?.ToFloats() ?? throw b.Unsupported($"input window '{b.Input(2)}' that is not a constant", "Make the window an initializer or a Constant.");
        }

        long frame = b.Input(3).Length > 0 ? ConstantInt(b, b.Input(3), "frame_length")
            : window?.Length ?? throw b.Unsupported("neither window nor frame_length", "Give one of them.");
        if (window is not null && window.Length != frame)
        {
            throw b.Unsupported($"a window of {window.Length} values with frame_length {frame}", "They must agree.");
        }

        if (step <= 0 || frame <= 0 || frame > signal)
        {
            throw b.Unsupported($"frame_step {step} and frame length {frame} on a signal of {signal}", "The step must be positive and the frame fit in the signal.");
        }

        long frames = 1 + ((signal - frame) / step);
        long bins = b.Fused.GetInt("onesided", 1) != 0 ? (frame / 2) + 1 : frame;
        long[] indices = [.. Enumerable.Range(0, (int)(frames * frame)).Select(i => ((i / frame) * step) + (i % frame))];
        var table = new Onnx.Proto.TensorProto { Name = b.Fresh("frames"), DataType = (int)OnnxElementType.Int64 };
        table.Dims.AddRange([frames, frame]);
        table.Int64Data.AddRange(indices);
        b.Initializers.Add(table);
        string gathered = b.Op("Gather", [x, table.Name], null, ("axis", 1L));
        float[] matrix = FourierMatrix.Build((int)frame, (int)channels, (int)frame, (int)bins, inverse: false, window);
        string product = b.MatMul(b.Reshape(gathered, [0, 0, frame * channels]), b.Floats(matrix, frame * channels, bins * 2));
        b.Reshape(product, [0, 0, bins, 2], b.Output(0));
    }

    /// <summary>The dims known when the plan is built: declared, or propagated from the inputs' row shapes (Recurrent/StaticShapes).</summary>
    private static long?[]? KnownShape(FusedGraphBuilder b, string x)
        => b.Shapes?.Of(x) is { } propagated && propagated.Length >= 2 && propagated[^2] is not null && propagated[^1] is not null ? propagated : b.StaticShape(x);

    private static (long Signal, long Channels) SignalAndChannels(FusedGraphBuilder b, long?[] shape, string x)
    {
        if (shape[^2] is not { } signal || shape[^1] is not ({ } channels and (1 or 2)))
        {
            throw b.Unsupported($"an input '{x}' of shape [{string.Join(", ", shape.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"))}]", "The signal length must be fixed and the last axis 1 (real) or 2 (complex).");
        }

        return (signal, channels);
    }

    private static OnnxTensorData? Constant(FusedGraphBuilder b, string name)
        => b.Graph.Initializers.TryGetValue(name, out OnnxTensorData? init) ? init
            : b.Graph.Producer(name) is { OpType: "Constant" } node ? node.GetTensor("value") : null;

    private static long ConstantInt(FusedGraphBuilder b, string name, string what)
        => Constant(b, name) is { ElementCount: 1 } t ? t.ToInt64s()[0]
            : throw b.Unsupported($"input {what} '{name}' that is not a one-element constant", "Make it an initializer or a Constant.");
}
