using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Rules.Interpolation;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>Rows of upsampling and spatial rearrangement ops.</summary>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> UpsamplingRows() =>
    [
        // Nearest: routing through the copy map; linear and cubic: Epsilon on the interpolation map (RULES.md).
        new OpInfo("Resize") { DataInput = FirstOnly, BeforeFirstLayer = true, Rule = ResizeRule, Replay = InterpolationReplay(ReplayInterpolation.Resize) },
        new OpInfo("Upsample") { DataInput = FirstOnly, BeforeFirstLayer = true, Rule = ResizeRule, Replay = InterpolationReplay(ReplayInterpolation.Resize) },

        // Pixel shuffles are permutations: routed as strided views (Rules/IndexMaps.cs).
        Family("DepthToSpace", RuleFamily.Routing) with { ShapeOnly = true, Replay = Route() },
        Family("SpaceToDepth", RuleFamily.Routing) with { ShapeOnly = true, Replay = Route() },

        // Sampling by a grid or by boxes: the grid, boxes and batch indices are parameters (no relevance).
        new OpInfo("GridSample") { DataInput = FirstOnly, Rule = GridSampleRule, Replay = InterpolationReplay(ReplayInterpolation.GridSample) },
        new OpInfo("RoiAlign") { DataInput = FirstOnly, Rule = RoiAlignRule },
    ];

    private static OpReplay InterpolationReplay(Func<ReplayInputs, Tensors.Tensor> run)
        => new(ConstantParameters, run, (n, shapes) => ReplayInterpolation.TapsPerOutput(n) * shapes.ElementsPerRow(n.Outputs[0]));

    private static OpRuleDecision ResizeRule(OpRuleQuery q)
    {
        var a = ResizeAttributes.Of(q.Node);
        if (a.Unsupported() is { } reason)
        {
            return OpRuleDecision.Refuse(reason);
        }

        bool nearest = a.Mode == "nearest";
        return OpRuleDecision.Own(_ => new InterpolationRule((ctx, xShape, yShape, _) => ResizeMaps.Plan(ctx, xShape, yShape), nearest));
    }

    private static OpRuleDecision GridSampleRule(OpRuleQuery q)
    {
        if (GridSampleMaps.Unsupported(q.Node) is { } reason)
        {
            return OpRuleDecision.Refuse(reason);
        }

        bool nearest = q.Node.Source.GetString("mode", "bilinear") == "nearest";
        return OpRuleDecision.Own(_ => new InterpolationRule((ctx, xShape, yShape, _) => GridSampleMaps.Plan(ctx, xShape, yShape), nearest));
    }

    private static OpRuleDecision RoiAlignRule(OpRuleQuery q)
    {
        string mode = q.Node.Source.GetString("mode", "avg");
        if (mode is not ("avg" or "max"))
        {
            return OpRuleDecision.Refuse($"mode '{mode}'");
        }

        bool max = mode == "max";
        return OpRuleDecision.Own(b =>
        {
            // RoiAlign-10 has no coordinate_transformation_mode (output_half_pixel); RoiAlign-16 defaults to half_pixel.
            bool halfPixel = b.Node.Source.GetString("coordinate_transformation_mode", b.Graph.Model.OpsetVersion >= 16 ? "half_pixel" : "output_half_pixel") == "half_pixel";
            return new InterpolationRule((ctx, xShape, yShape, x) => RoiAlignMaps.Plan(ctx, xShape, yShape, halfPixel, x), max, planReadsInput: max);
        });
    }
}
