using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Interpolation;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>Replays of the interpolating ops: <c>y = A x + c</c> through the node's sparse map on the backend.</summary>
internal static class ReplayInterpolation
{
    public static Tensor Resize(ReplayInputs inputs)
    {
        var x = inputs.Input(0);
        var plan = ResizeMaps.Plan(inputs.AsRuleContext(), x.Shape, inputs.OutputShape);
        return new Tensor(inputs.OutputShape, plan.Forward(inputs.Backend, x.Data));
    }

    public static Tensor GridSample(ReplayInputs inputs)
    {
        var x = inputs.Input(0);
        var plan = GridSampleMaps.Plan(inputs.AsRuleContext(), x.Shape, inputs.OutputShape);
        return new Tensor(inputs.OutputShape, plan.Forward(inputs.Backend, x.Data));
    }

    /// <summary>Input elements read per output element (the replay's work estimate).</summary>
    public static double TapsPerOutput(LrpNode node)
    {
        string mode = node.Source.GetString("mode", node.OpType == "GridSample" ? "bilinear" : "nearest");
        // Two interpolated axes in the usual [N, C, H, W] case: 4 taps bilinear, 16 bicubic.
        return mode switch
        {
            "nearest" => 1,
            "linear" or "bilinear" => 4,
            _ => 16,
        };
    }
}
