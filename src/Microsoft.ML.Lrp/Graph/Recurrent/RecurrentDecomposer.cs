using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// Unrolls the ONNX recurrent ops <c>LSTM</c>, <c>GRU</c> and <c>RNN</c> over their time steps into primitive ops
/// (MatMul, Add, Slice, Gather, the activations, Mul, Sub, Where, Unsqueeze, Concat, Transpose), so that every gate
/// and state is an ordinary activation that the rules (Arras et al. 2017: linear parts Epsilon, gates carry no
/// relevance) and the planner see. Forward, reverse and bidirectional; layout 0 and 1; initial_h, initial_c
/// (constants or activations; all-zero constants are dropped like absent ones); sequence_lens (a step past a row's
/// length keeps the state and writes zeros to Y, by a Where on the mask <c>t &lt; len</c>); peepholes; clip;
/// GRU's linear_before_reset; every activation the specification lists, with activation_alpha/beta; the outputs
/// Y, Y_h and Y_c that the graph reads.
/// </summary>
/// <remarks>
/// The sequence length must be known when the plan is built: from the declared shape of X, or from what the shapes
/// of the model inputs (LrpOptions.InputRowShape) give it through the ops before the node (<see cref="StaticShapes"/>).
/// W, R, B and P must be constants. LSTM's input_forget = 1 is refused.
/// </remarks>
internal sealed class RecurrentDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["LSTM", "GRU", "RNN"];

    public void Decompose(FusedGraphBuilder b)
    {
        OnnxNode node = b.Fused;
        string direction = node.GetString("direction", "forward");
        if (direction is not ("forward" or "reverse" or "bidirectional"))
        {
            throw b.Unsupported($"direction '{direction}'", "Use forward, reverse or bidirectional.");
        }

        if (node.GetInt("input_forget", 0) != 0)
        {
            throw b.Unsupported("input_forget = 1", "Export the LSTM without coupled input and forget gates.");
        }

        int directions = direction == "bidirectional" ? 2 : 1;
        bool batchFirst = node.GetInt("layout", 0) == 1;
        long?[] x = [.. b.Shapes?.Of(b.Input(0)) ?? b.StaticShape(b.Input(0)) ?? [null, null, null]];
        int seqAxis = batchFirst ? 1 : 0;
        if (x.Length == 3 && x[2] is null && b.StaticShape(b.Input(1)) is { Length: 3 } w && w[2] is long fromWeights)
        {
            x[2] = fromWeights; // the input size is W's last dim
        }

        if (x.Length != 3 || x[seqAxis] is not long steps || x[2] is not long inputSize)
        {
            throw new LrpException(
                $"Node '{node.Name}' ({node.OpType}): the sequence length (and input size) of its input '{b.Input(0)}' is not known when the plan is built " +
                $"(shape [{string.Join(", ", x.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"))}]), so the recurrence cannot be unrolled. " +
                "Set LrpOptions.InputRowShape to the per-row shape of the explained input (the sequence length included).");
        }

        int gates = RecurrentCell.GatesOf(node.OpType);
        int hidden = checked((int)node.GetInt("hidden_size", 0));
        if (hidden <= 0)
        {
            hidden = HiddenFromR(b);
        }

        RecurrentActivation[] activations = RecurrentActivation.Read(b, RecurrentCell.DefaultActivations(node.OpType), directions);
        int perDirection = activations.Length / directions;
        float? clip = node.Attributes.ContainsKey("clip") ? node.GetFloat("clip", 0f) : null;

        string sequence = batchFirst ? b.Transpose(b.Input(0), [1, 0, 2]) : b.Input(0);
        string? initialH = State(b, 5, batchFirst);
        string? initialC = node.OpType == "LSTM" ? State(b, 6, batchFirst) : null;
        string? lengths = b.Input(4).Length > 0 ? b.Cast(b.Input(4), OnnxElementType.Int64) : null;

        var ys = new List<string>();
        var lastH = new List<string>();
        var lastC = new List<string>();
        for (int d = 0; d < directions; d++)
        {
            var weights = new RecurrentWeights(b, d, directions, gates, hidden, checked((int)inputSize));
            var cell = RecurrentCell.Create(b, weights, activations[(d * perDirection)..((d + 1) * perDirection)], clip);
            bool reverse = direction == "reverse" || d == 1;
            var (y, h, c) = Unroll(b, cell, sequence, (int)steps, reverse, PerDirection(b, initialH, d), PerDirection(b, initialC, d), lengths);
            ys.Add(y);
            lastH.Add(b.Unsqueeze(h, [0]));
            if (c is not null)
            {
                lastC.Add(b.Unsqueeze(c, [0]));
            }
        }

        WriteOutputs(b, batchFirst, ys, lastH, lastC);
    }

    private static (string Y, string H, string? C) Unroll(
        FusedGraphBuilder b, RecurrentCell cell, string sequence, int steps, bool reverse, string? h, string? c, string? lengths)
    {
        string projection = b.Add(b.MatMul(sequence, cell.InputWeightsT), b.Floats(cell.InputBias(), cell.InputBias().Length));
        var outputs = new string[steps];
        string? zero = lengths is null ? null : b.Scalar(0f);
        for (int k = 0; k < steps; k++)
        {
            int t = reverse ? steps - 1 - k : k;
            string xw = b.Op("Gather", [projection, b.Int64Scalar(t)], null, ("axis", 0L));
            var (hNew, cNew) = cell.Step(xw, h, c);
            if (lengths is null)
            {
                outputs[t] = hNew;
                h = hNew;
                c = cNew;
                continue;
            }

            // Rows whose sequence ended before t keep their state and write zeros.
            string mask = b.Unsqueeze(b.Op("Less", [b.Int64Scalar(t), lengths]), [1]);
            outputs[t] = b.Op("Where", [mask, hNew, zero!]);
            h = b.Op("Where", [mask, hNew, h ?? zero!]);
            c = cNew is null ? null : b.Op("Where", [mask, cNew, c ?? zero!]);
        }

        // Y of one direction: [T, 1, batch, H].
        string y = steps == 1 ? b.Unsqueeze(outputs[0], [0, 1]) : b.Unsqueeze(b.Op("Concat", [.. outputs.Select(o => b.Unsqueeze(o, [0]))], null, ("axis", 0L)), [1]);
        return (y, h!, c);
    }

    private static void WriteOutputs(FusedGraphBuilder b, bool batchFirst, List<string> ys, List<string> lastH, List<string> lastC)
    {
        if (b.OutputUsed(0))
        {
            Join(b, ys, 1, b.Output(0), batchFirst ? [2, 0, 1, 3] : null);
        }

        if (b.OutputUsed(1))
        {
            Join(b, lastH, 0, b.Output(1), batchFirst ? [1, 0, 2] : null);
        }

        if (b.OutputUsed(2) && lastC.Count > 0)
        {
            Join(b, lastC, 0, b.Output(2), batchFirst ? [1, 0, 2] : null);
        }
    }

    /// <summary>Concatenates the directions along <paramref name="axis"/> into <paramref name="output"/>, transposed to layout 1 when asked.</summary>
    private static void Join(FusedGraphBuilder b, List<string> parts, long axis, string output, long[]? perm)
    {
        string joined = parts.Count == 1 && perm is not null ? parts[0]
            : parts.Count == 1 ? b.Op("Identity", [parts[0]], output)
            : b.Op("Concat", [.. parts], perm is null ? output : null, ("axis", axis));
        if (perm is not null)
        {
            b.Transpose(joined, perm, output);
        }
    }

    /// <summary>initial_h or initial_c in layout 0 ([directions, batch, H]); null when absent or an all-zero constant.</summary>
    private static string? State(FusedGraphBuilder b, int index, bool batchFirst)
    {
        string value = b.Input(index);
        if (value.Length == 0 || RecurrentWeights.ConstantFloats(b, value) is { } constant && constant.All(v => v == 0f))
        {
            return null;
        }

        return batchFirst ? b.Transpose(value, [1, 0, 2]) : value;
    }

    private static string? PerDirection(FusedGraphBuilder b, string? state, int direction)
        => state is null ? null : b.Op("Gather", [state, b.Int64Scalar(direction)], null, ("axis", 0L));

    private static int HiddenFromR(FusedGraphBuilder b)
    {
        long?[]? r = b.StaticShape(b.Input(2));
        if (r is { Length: 3 } && r[2] is long h)
        {
            return checked((int)h);
        }

        throw b.Unsupported("a missing hidden_size", "Give the hidden_size attribute or a constant R.");
    }
}
