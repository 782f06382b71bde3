using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// <c>Scan</c> (opset 9 and later) over a length known when the plan is built: the body is inlined once per position,
/// each scan input sliced there (Gather along its scan axis, in its direction), state variables threaded from one copy
/// to the next, scan outputs stacked along their axes (in their directions). A length that is not known is refused.
/// </summary>
internal sealed class ScanUnroller : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["Scan"];

    public void Decompose(FusedGraphBuilder b)
    {
        GraphProto body = SubgraphInliner.Body(b, "body");
        int scanInputs = checked((int)b.Fused.GetInt("num_scan_inputs", 0));
        int states = b.Fused.Inputs.Count - scanInputs;
        int scanOutputs = body.Output.Count - states;
        if (scanInputs < 1 || states < 0 || scanOutputs < 0)
        {
            throw b.Unsupported($"num_scan_inputs = {scanInputs}", "It must count the node's scan inputs.");
        }

        long[] inputAxes = b.Fused.GetInts("scan_input_axes") ?? new long[scanInputs];
        long[] inputDirections = b.Fused.GetInts("scan_input_directions") ?? new long[scanInputs];
        long[] outputAxes = b.Fused.GetInts("scan_output_axes") ?? new long[scanOutputs];
        long[] outputDirections = b.Fused.GetInts("scan_output_directions") ?? new long[scanOutputs];
        long?[]? first = b.Shapes?.Of(b.Input(states));
        int axis0 = first is null ? 0 : (int)(inputAxes[0] < 0 ? inputAxes[0] + first.Length : inputAxes[0]);
        if (first is null || first[axis0] is not long length || length < 1 || length > LoopUnroller.MaxIterations)
        {
            throw b.Unsupported(
                $"a scan length of its input '{b.Input(states)}' that is not known when the plan is built",
                "Set LrpOptions.InputRowShape to the per-row shape of the explained input so that the scan length is known.");
        }

        var state = Enumerable.Range(0, states).Select(k => b.Input(k)).ToArray();
        var slices = Enumerable.Range(0, scanOutputs).Select(_ => new string[length]).ToArray();
        for (long k = 0; k < length; k++)
        {
            var inputs = new List<string>(state);
            for (int j = 0; j < scanInputs; j++)
            {
                long t = inputDirections[j] == 1 ? length - 1 - k : k;
                inputs.Add(b.Op("Gather", [b.Input(states + j), b.Int64Scalar(t)], null, ("axis", inputAxes[j])));
            }

            string[] outputs = SubgraphInliner.Inline(b, body, inputs);
            state = outputs[..states];
            for (int j = 0; j < scanOutputs; j++)
            {
                slices[j][outputDirections[j] == 1 ? length - 1 - k : k] = outputs[states + j];
            }
        }

        for (int k = 0; k < states; k++)
        {
            if (b.Output(k).Length > 0)
            {
                b.Op("Identity", [state[k]], b.Output(k));
            }
        }

        for (int j = 0; j < scanOutputs; j++)
        {
            if (b.Output(states + j).Length > 0)
            {
                long axis = outputAxes[j];
                b.Op("Concat", [.. slices[j].Select(s => b.Unsqueeze(s, [axis]))], b.Output(states + j), ("axis", axis));
            }
        }
    }
}
